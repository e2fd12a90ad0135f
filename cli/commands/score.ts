import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { scopeOf, UNSPECIFIED_COUNTY, type NormalizedReport, type SubmissionInfo } from '../../schemas/report.ts';
import type { ScoreResult, ScoreRun } from '../../schemas/score.ts';
import { parseFiles, scoreAndRank } from '../../pipeline/batch.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import { workbookBuffer } from '../../pipeline/workbook/index.ts';
import { distribution, failureLines, rankingTable } from '../format.ts';
import { loadInputs } from '../inputs.ts';
import { loadRubricFile, rubricPathFor } from '../rubrics.ts';
import { EXIT, intOption, parse, stringOption, UsageError, type Io } from '../usage.ts';

export const SCORE_HELP = `用法：fazhi score <文件或目录…> [选项]

在本机完成解析、评分、交叉比对和排名，不需要任何服务器。目录会递归读取；README 文件、以点开头的文件和
.json 文件不是报告。报告旁的 <文件名>.meta.json（或目录中的 fazhi.meta.json）可提供报送日期、公开网址和日期、
所属县和年度。

排名范围（县·年度）由评审人员决定：--county/--year，其次 .meta.json；报告正文写的县名和年度只用来核对，
不一致时标记“信息不符”，不会另成一组。都没有写明时，本次评分的全部报告归入“${UNSPECIFIED_COUNTY}”一起排名，
年度取报告所述年度。

选项：
  --rubric FILE     评分细则文件（默认按报告年度选 scoring-rules/<年度>.json）
  --out FILE        把排名写入 Excel 工作簿（.xlsx）
  --json            输出 JSON：{ "results": [按名次排序], "failures": [...] }
  --county NAME     所有报告的所属县（排名范围），优先于 .meta.json
  --year YEAR       所有报告的所属年度（排名范围和评分细则），优先于 .meta.json
  --submitted DATE  所有报告的报送日期（YYYY-MM-DD），.meta.json 中的优先
  --published-url URL --published-at DATE   公开网址和公开日期（只有一份报告时使用）
  -h, --help        显示本帮助

退出码：0 全部成功；1 有文件未能评分（逐一列出原因）；2 用法或配置错误。`;

export interface ScoreRunOutcome extends ScoreRun {
  reports: NormalizedReport[];
  rubrics: LoadedRubric[];
}

/** Parses everything once, then scores each year's reports with that year's rubric (or the one given). */
export interface RunScoreOptions {
  rubricPath?: string;
  county?: string;
  year?: number;
  submission?: SubmissionInfo;
}

export async function runScore(paths: readonly string[], options: RunScoreOptions): Promise<ScoreRunOutcome> {
  const forced = options.rubricPath ? await loadRubricFile(options.rubricPath) : null;
  const parsingRubric = forced ?? (await loadRubricFile(await rubricPathFor(options.year ?? null)));
  const inputs = await loadInputs(paths, {
    ...(options.county ? { county: options.county } : {}),
    ...(options.year ? { year: options.year } : {}),
    ...(options.submission ? { submission: options.submission } : {}),
  });
  const { reports, failures } = await parseFiles(inputs.files, parsingRubric);
  const byRubric = new Map<string, { loaded: LoadedRubric; reports: NormalizedReport[] }>();
  for (const report of reports) {
    // The rubric is the one of the year the report was filed under (its scope), not of a year its text mentions.
    const path = forced ? null : await rubricPathFor(scopeOf(report).year);
    const key = path ?? 'forced';
    if (!byRubric.has(key)) byRubric.set(key, { loaded: forced ?? (await loadRubricFile(path!)), reports: [] });
    byRubric.get(key)!.reports.push(report);
  }
  const results: ScoreResult[] = [];
  for (const { loaded, reports: group } of byRubric.values()) results.push(...scoreAndRank(group, loaded, { previousYear: reports }));
  return { results, failures: [...inputs.failures, ...failures], reports, rubrics: [...byRubric.values()].map((g) => g.loaded) };
}

export async function scoreCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    rubric: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    county: { type: 'string' },
    year: { type: 'string' },
    submitted: { type: 'string' },
    'published-url': { type: 'string' },
    'published-at': { type: 'string' },
  }, 'score');
  if (values.help) {
    io.out(SCORE_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) {
    io.err(`缺少要评分的文件或目录。\n\n${SCORE_HELP}`);
    return EXIT.usage;
  }
  const rubricPath = stringOption(values, 'rubric');
  const county = stringOption(values, 'county');
  const year = intOption(values, 'year');
  const submission: SubmissionInfo = {};
  for (const [flag, field] of [['submitted', 'submittedAt'], ['published-url', 'publishedUrl'], ['published-at', 'publishedAt']] as const) {
    const value = stringOption(values, flag);
    if (value === undefined) continue;
    if (field !== 'publishedUrl' && !/^\d{4}-\d{2}-\d{2}$/u.test(value)) throw new UsageError(`--${flag} 应为 YYYY-MM-DD 格式的日期，收到“${value}”`);
    submission[field] = value;
  }
  const run = await runScore(positionals, { ...(rubricPath ? { rubricPath } : {}), ...(county ? { county } : {}), ...(year ? { year } : {}), ...(Object.keys(submission).length > 0 ? { submission } : {}) });
  const out = stringOption(values, 'out');
  if (out) {
    const rubric = run.rubrics[0];
    if (rubric) {
      const years = [...new Set(run.results.map((r) => r.year).filter((y) => y !== null))].sort();
      const counties = [...new Set(run.results.map((r) => r.county).filter((c) => c !== null))];
      const scope = `${counties.length === 1 ? counties[0] : ''}${years.length > 0 ? ` ${years.join('、')}年度` : ''}`.trim();
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, await workbookBuffer({ results: run.results, failures: run.failures, rubric, scope, generatedAt: new Date().toISOString() }));
    }
  }
  const unscoped = run.results.filter((r) => r.county === UNSPECIFIED_COUNTY).length;
  if (unscoped > 0) {
    io.err(`提示：${unscoped} 份报告未指定所属县（--county 或 fazhi.meta.json），已一起归入“${UNSPECIFIED_COUNTY}”排名；报告正文写的县名只作核对，不作分组依据。`);
  }
  if (values.json) {
    const output: ScoreRun = { results: run.results, failures: run.failures };
    io.out(JSON.stringify(output, null, 2));
  } else {
    if (run.results.length > 0) {
      io.out(rankingTable(run.results));
      io.out('');
      io.out(distribution(run.results));
      io.out(`评分细则：${run.rubrics.map((r) => `${r.rubric.id} ${r.rubric.version}`).join('；')}`);
    }
    if (out) io.out(`工作簿：${out}`);
  }
  if (run.failures.length > 0) {
    io.err(`${run.failures.length} 个文件未能评分：\n${failureLines(run.failures)}`);
    return EXIT.someFailed;
  }
  return EXIT.ok;
}
