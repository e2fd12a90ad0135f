// `npm run bench:budget`: hostile texts through the bounded path the Lambdas run — extract + normalise in the
// isolated worker (stopped at PARSE_BUDGET_MS), the score budget's size check, then scoring in the isolated worker
// (stopped at SCORE_TIME_BUDGET_MS). Each text must be scored or refused; the timings say how long that took.
// (Timings, not a test: no unit test depends on wall-clock speed.)
import { IsolatedRunner, isolatedParser, isolatedScorer, PARSE_BUDGET_MS } from '../functions/shared/isolated.ts';
import { isDocumentRejected } from '../pipeline/failure.ts';
import { checkScoreBudget, SCORE_TIME_BUDGET_MS } from '../pipeline/score/budget.ts';
import { bundledRubricFor } from '../pipeline/score/bundled-rubrics.ts';

const HEAD = '临澜县望江镇2024年法治政府建设工作情况报告\n一、主要举措和成效\n';
/** 400,000 characters without a sentence end, in lines just under extraction's 50,000-character line limit. */
const longRun = (chars: number): string => {
  const line = '法治政府建设工作依法行政规范执法'.repeat(3_000).slice(0, 49_000);
  return (
    HEAD +
    Array.from({ length: Math.ceil(chars / line.length) }, () => line)
      .join('\n')
      .slice(0, chars)
  );
};
/** Numbering nested as deep and as wide as it goes: 一、（一）1.（1）① … thousands of headings. */
const nestedNumbering = (headings: number): string => {
  const lines: string[] = [HEAD];
  const han = '一二三四五六七八九十';
  for (let i = 0; i < headings; i++) {
    const n = (i % 10) + 1;
    lines.push(
      `${han[i % 10]}、加强依法行政`,
      `（${han[i % 10]}）推进严格执法`,
      `${n}.完善制度建设`,
      `（${n}）落实第一责任人职责，开展法治培训，覆盖全体干部。`,
    );
  }
  return lines.join('\n');
};
/** 50,000 digits in two figures (one line may hold 50,000 characters in all). */
const digits = (count: number): string => {
  const run = '1234567890'.repeat(Math.ceil(count / 20)).slice(0, count / 2);
  return `${HEAD}全年办理行政复议案件${run}件。\n全年调解纠纷${run}起，调解成功率98%。\n`;
};

const cases: { name: string; text: string }[] = [
  { name: '400k characters, no sentence end', text: longRun(400_000) },
  { name: '100k characters, no sentence end', text: longRun(100_000) },
  { name: 'nested numbering, 2,000 × 4 levels', text: nestedNumbering(2_000) },
  { name: '50k digits in two figures', text: digits(50_000) },
];

const rubric = bundledRubricFor(2024);
const runner = new IsolatedRunner();
const parser = isolatedParser(runner);
const scorer = isolatedScorer(runner);
console.log(`Hostile texts through the bounded parse and score — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}`);
console.log(`budgets: parse ${PARSE_BUDGET_MS} ms, score ${SCORE_TIME_BUDGET_MS} ms (worker thread terminated at the budget)\n`);
console.log('| text | characters | parse ms | parse outcome | score ms | score outcome |\n|---|---|---|---|---|---|');
try {
  await runner.run(
    { kind: 'parse', file: { key: 'warm.txt', bytes: Buffer.from(HEAD + '依法行政。'.repeat(20)) }, metrics: [] },
    PARSE_BUDGET_MS,
    () => new Error('warm-up'),
  );
  for (const { name, text } of cases) {
    const parseStart = performance.now();
    const parsed = await parser.parse(
      { key: `${name}.txt`, bytes: Buffer.from(text, 'utf8'), location: { year: 2024, county: '临澜县' } },
      rubric.rubric.metrics,
    );
    const parseMs = performance.now() - parseStart;
    let scoreMs = 0;
    let scoreOutcome = '—';
    if (parsed.ok) {
      const scoreStart = performance.now();
      try {
        checkScoreBudget(parsed.report);
        const result = await scorer.score(parsed.report, rubric);
        scoreOutcome = `scored ${result.total}`;
      } catch (error) {
        if (!isDocumentRejected(error)) throw error;
        scoreOutcome = `refused: ${error.code}`;
      }
      scoreMs = performance.now() - scoreStart;
    }
    const parseOutcome = parsed.ok ? `${parsed.report.sections.length} sections, ${parsed.report.facts.length} figures` : `refused: ${parsed.failure.code}`;
    console.log(`| ${name} | ${text.length.toLocaleString('en-US')} | ${parseMs.toFixed(0)} | ${parseOutcome} | ${scoreMs.toFixed(0)} | ${scoreOutcome} |`);
  }
} finally {
  await runner.close();
}
