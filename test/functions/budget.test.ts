// Bounded work: what one report may cost to score, and how the stage budgets size a batch.
import { describe, expect, it } from 'vitest';
import { batchWorstCaseMs, functionTimeoutSeconds, STAGE_BUDGETS, staleAfterSeconds } from '../../functions/shared/budgets.ts';
import { PARSE_BUDGET_MS } from '../../functions/shared/isolated.ts';
import { parseFiles } from '../../pipeline/batch.ts';
import { EXTRACT_TIMEOUT_MS } from '../../pipeline/extract/limits.ts';
import { checkScoreBudget, DEFAULT_SCORE_BUDGET, SCORE_TIME_BUDGET_MS, withinScoreBudget } from '../../pipeline/score/budget.ts';
import { reportFromText, rubric2024, sampleText } from '../helpers/reports.ts';

const report = reportFromText(sampleText('石门镇2024年法治政府建设工作报告.txt'), { key: 'reports/2024/临澜县/石门镇.txt' });

describe('checkScoreBudget', () => {
  it('lets a real report through with room to spare', () => {
    expect(() => checkScoreBudget(report)).not.toThrow();
    expect(report.text.length * 10).toBeLessThan(DEFAULT_SCORE_BUDGET.maxTextChars);
    expect(report.facts.length * 10).toBeLessThan(DEFAULT_SCORE_BUDGET.maxFacts);
  });

  it.each([
    ['characters', { maxTextChars: 1_000 }, '文字'],
    ['sections', { maxSections: 3 }, '章节'],
    ['figures', { maxFacts: 2 }, '数字'],
  ])('refuses a report with too many %s, with a reason for the clerk', (_what, limit, word) => {
    // Act
    const outcome = withinScoreBudget({ ok: true, report }, { ...DEFAULT_SCORE_BUDGET, ...limit });
    // Assess
    expect(outcome).toMatchObject({ ok: false, failure: { source: 'reports/2024/临澜县/石门镇.txt', code: 'text-too-long' } });
    expect(outcome.ok ? '' : outcome.failure.message).toContain(word);
  });

  it('is applied by the in-process batch (fazhi score) too: a text longer than any report is a failure, not a score', async () => {
    // Prepare: 120 copies of a real report in one file: within extraction's limits, 4× the longest real report.
    const long = Array.from({ length: 120 }, () => sampleText('石门镇2024年法治政府建设工作报告.txt')).join('\n');
    expect(long.length).toBeGreaterThan(DEFAULT_SCORE_BUDGET.maxTextChars);
    // Act
    const { reports, failures } = await parseFiles([{ key: 'long.txt', bytes: Buffer.from(long, 'utf8') }], rubric2024);
    // Assess
    expect(reports).toEqual([]);
    expect(failures).toMatchObject([{ source: 'long.txt', code: 'text-too-long' }]);
  }, 120_000);
});

describe('stage budgets (what infra sizes the consumers from)', () => {
  it('fit a batch whose every document uses its whole budget into the function timeout', () => {
    for (const budget of Object.values(STAGE_BUDGETS)) {
      expect(budget.batchSize * budget.perItemMs).toBeLessThan(functionTimeoutSeconds(budget) * 1000);
      expect(batchWorstCaseMs(budget)).toBeLessThanOrEqual(functionTimeoutSeconds(budget) * 1000);
    }
    // The document budgets are the ones the handlers enforce.
    expect(PARSE_BUDGET_MS).toBe(EXTRACT_TIMEOUT_MS);
    expect(STAGE_BUDGETS.ingest.perItemMs).toBeGreaterThan(PARSE_BUDGET_MS);
    expect(STAGE_BUDGETS.score.perItemMs).toBeGreaterThan(SCORE_TIME_BUDGET_MS);
  });

  it('presume work lost only after every queue could have delivered it for the last time', () => {
    const longestCycle = Math.max(...Object.values(STAGE_BUDGETS).map((b) => 4 * 6 * functionTimeoutSeconds(b)));
    expect(staleAfterSeconds(4)).toBeGreaterThan(longestCycle);
  });
});
