import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { scopeOf, UNSPECIFIED_COUNTY, type NormalizedReport, type SubmissionInfo } from '../../schemas/report.ts';
import type { IndicatorScore, ScoreResult, ScoreRun } from '../../schemas/score.ts';
import { parseFiles, planRanking, previousReportsOf, scoreAndRank } from '../../pipeline/batch.ts';
import { DEFAULT_POOL_SIZE } from '../../pipeline/parallel/pool.ts';
import { rescoreCopied, type CopyRescore, type CrossCheckEntry } from '../../pipeline/rank/index.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import { writeWorkbookFile } from '../../pipeline/workbook/index.ts';
import { distribution, failureLines, rankingTable } from '../format.ts';
import { listInputFiles, readInputFile, type InputFile } from '../inputs.ts';
import type { ScorePool } from '../pool/score-pool.ts';
import { loadRubricFile, memoRubricPathFor, rubricPathFor } from '../rubrics.ts';
import { consoleIo, EXIT, intOption, parse, stringOption, UsageError, type Io } from '../usage.ts';

/**
 * Files per thread below which one more thread does not pay for itself. Measured on 2 cores with this thread sharing
 * the files with a worker that reads its own, and V8's compiler tuned for workers (cli/pool/jit.ts), 2026-11-27: a
 * worker compiles the pipeline again and copies its results back (≈ 0.4 ms per report), so 100 files take 0.74–0.81 s
 * alone and 0.76–0.82 s with a worker, 200 files 1.20–1.30 s and 1.05–1.10 s (both ways with the flags); 400 files
 * 1.85–1.93 s alone (without them, as one thread runs) and 1.62–1.72 s with a worker; 2,000 files 7.4–7.5 s and 5.8–6.2 s.
 */
export const MIN_FILES_PER_THREAD = 100;

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
  --jobs N          解析和评分用的线程数，含本线程（默认：每 ${MIN_FILES_PER_THREAD} 份报告一个，最多为 CPU 核数（本机 ${DEFAULT_POOL_SIZE}
                    个）；算下来不到 2 个时只用本线程）；1 表示不用工作线程。线程数不影响结果
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
  /**
   * Threads for extraction, normalisation, scoring and signatures, this one included: 1 (the default) runs everything
   * in this thread; 'auto' uses all cores when there are enough files for the workers' start-up to pay (threadCount).
   */
  jobs?: number | 'auto';
}

/** How many threads share a run of `files` files: this one and threads - 1 workers (1: no worker). */
export function threadCount(jobs: RunScoreOptions['jobs'], files: number): number {
  if (jobs === undefined) return 1;
  if (jobs !== 'auto') return Math.max(1, jobs);
  return Math.max(1, Math.min(DEFAULT_POOL_SIZE, Math.floor(files / MIN_FILES_PER_THREAD)));
}

export async function runScore(paths: readonly string[], options: RunScoreOptions): Promise<ScoreRunOutcome> {
  const forcedPath = options.rubricPath ?? null;
  const forced = forcedPath ? await loadRubricFile(forcedPath) : null;
  const parsingPath = forcedPath ?? (await rubricPathFor(options.year ?? null));
  const parsingRubric = forced ?? (await loadRubricFile(parsingPath));
  // Listed, not read: each file is read when it is parsed (by the thread that parses it).
  const inputs = await listInputFiles(paths, {
    ...(options.county ? { county: options.county } : {}),
    ...(options.year ? { year: options.year } : {}),
    ...(options.submission ? { submission: options.submission } : {}),
  });
  const jobs = threadCount(options.jobs, inputs.files.length);
  const run = jobs > 1 ? await scoreInPool(inputs.files, jobs, parsingPath, forcedPath, forced) : await scoreHere(inputs.files, parsingRubric, forced);
  return { ...run, failures: [...inputs.failures, ...run.failures] };
}

/** The rubric file of each report: --rubric for all, else the one of the year the report was filed under (its scope). */
async function groupByRubric(reports: readonly NormalizedReport[], forced: LoadedRubric | null, pathOf: (report: NormalizedReport) => Promise<string | null>) {
  const byRubric = new Map<string, { loaded: LoadedRubric; reports: NormalizedReport[] }>();
  for (const report of reports) {
    const path = forced ? null : await pathOf(report);
    const key = path ?? 'forced';
    if (!byRubric.has(key)) byRubric.set(key, { loaded: forced ?? (await loadRubricFile(path!)), reports: [] });
    byRubric.get(key)!.reports.push(report);
  }
  return [...byRubric.values()];
}

async function scoreHere(files: readonly InputFile[], parsingRubric: LoadedRubric, forced: LoadedRubric | null): Promise<ScoreRunOutcome> {
  const { reports, failures } = await parseFiles(
    files.map((file) => () => readInputFile(file)),
    parsingRubric,
  );
  const pathFor = memoRubricPathFor();
  const groups = await groupByRubric(reports, forced, (report) => pathFor(scopeOf(report).year));
  const results: ScoreResult[] = [];
  for (const { loaded, reports: group } of groups) results.push(...scoreAndRank(group, loaded, { previousYear: reports }));
  return { results, failures, reports, rubrics: groups.map((g) => g.loaded) };
}

/** The same run with the per-file work shared by this thread and workers; the same results (test/cli/score-pool.test.ts). */
async function scoreInPool(
  files: readonly InputFile[],
  jobs: number,
  parsingPath: string,
  forcedPath: string | null,
  forced: LoadedRubric | null,
): Promise<ScoreRunOutcome> {
  const [{ ScorePool: Threads }, { tuneJitForWorkers }] = await Promise.all([import('../pool/score-pool.ts'), import('../pool/jit.ts')]);
  tuneJitForWorkers();
  const pool = new Threads(jobs);
  const keep = files.length < KEEP_WORKERS_BELOW_FILES;
  try {
    const { reports, failures, groups } = await scoreInThreads(pool, files, parsingPath, forcedPath, forced);
    // In a big run the workers are gone before the cross-report checks, the run's peak: their heaps (≈ 0.15 GB each at
    // 10,000 reports) are not held beside every report and result.
    if (!keep) await pool.close();
    const results: ScoreResult[] = [];
    for (const group of groups) {
      const plan = planRanking(group.entries, group.loaded, { previousYear: reports });
      results.push(...plan.rank(await rescoreCopiers(plan.rescores, group, jobs, keep ? pool : null, (threads) => new Threads(threads))));
    }
    return { results, failures, reports, rubrics: groups.map((g) => g.loaded) };
  } finally {
    await pool.close();
  }
}

/**
 * Files below which a run's workers stay through the cross-report checks, for the copiers' re-scorings: they have
 * compiled the scorer already, where fresh workers would start and compile it again. 2,000 near-duplicates (1,995
 * re-scorings), 24 interleaved pairs on 2 cores, 2026-11-27: 7.14–8.36 s kept (median 7.75) against 7.35–8.66 s with
 * a fresh worker (median 7.92), at 505–538 MB against 466–472 MB peak RSS; 2,000 distinct reports (no re-scoring)
 * the same either way. From here on the memory counts more: a worker's heap is ≈ 0.15 GB at 10,000 reports, beside the
 * run's peak.
 */
export const KEEP_WORKERS_BELOW_FILES = 5_000;

interface ScoredGroup {
  loaded: LoadedRubric;
  /** The rubric file, as the threads load it. */
  rubric: string;
  entries: CrossCheckEntry[];
}

/** Every file parsed and scored in the pool (again with last year's report where the batch has it). */
async function scoreInThreads(
  pool: ScorePool,
  files: readonly InputFile[],
  parsingPath: string,
  forcedPath: string | null,
  forced: LoadedRubric | null,
): Promise<{ reports: NormalizedReport[]; failures: ScoreRunOutcome['failures']; groups: ScoredGroup[] }> {
  const { reports, failures, scored } = await pool.parseAndScore(files, parsingPath, forcedPath);
  const byRubric = await groupByRubric(reports, forced, (report) => Promise.resolve(scored.get(report)!.rubric));
  const groups: ScoredGroup[] = [];
  for (const { loaded, reports: group } of byRubric) {
    const rubric = scored.get(group[0]!)!.rubric;
    const previous = previousReportsOf(group, reports);
    const rescored = await Promise.all(
      group.map((report, i) => (previous[i] ? pool.rescore(report, previous[i], rubric) : Promise.resolve(scored.get(report)!.entry))),
    );
    const entries: CrossCheckEntry[] = [];
    for (const outcome of rescored) {
      if ('code' in outcome) failures.push(outcome);
      else entries.push(outcome);
    }
    groups.push({ loaded, rubric, entries });
  }
  return { reports, failures, groups };
}

/**
 * Re-scorings per thread for one more thread to pay: a re-scoring is ≈ 1–2 ms of work, a fresh worker ≈ 0.5 s of CPU
 * (start-up, compiling the scorer). A county's few copiers are re-scored in this thread alone; a copy ring of 2,000
 * by this thread and the run's worker (kept: KEEP_WORKERS_BELOW_FILES), or a fresh one in a bigger run.
 */
export const MIN_RESCORES_PER_THREAD = 250;

/**
 * The cross-report checks' re-scorings of copiers (planRanking): shared with workers when there are enough, the run's
 * own when it kept them (`kept`, closed by its owner), else fresh ones.
 */
async function rescoreCopiers(
  rescores: readonly CopyRescore[],
  group: ScoredGroup,
  jobs: number,
  kept: ScorePool | null,
  startPool: (threads: number) => ScorePool,
): Promise<IndicatorScore[][]> {
  const threads = Math.min(jobs, Math.floor(rescores.length / MIN_RESCORES_PER_THREAD));
  if (threads < 2) return rescores.map((rescore) => rescoreCopied(group.entries[rescore.entry]!.report, group.loaded, rescore));
  if (kept) return kept.rescoreCopied(rescores, group.entries, group.loaded, group.rubric);
  const pool = startPool(threads);
  try {
    return await pool.rescoreCopied(rescores, group.entries, group.loaded, group.rubric);
  } finally {
    await pool.close();
  }
}

export async function scoreCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      rubric: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      county: { type: 'string' },
      year: { type: 'string' },
      submitted: { type: 'string' },
      'published-url': { type: 'string' },
      'published-at': { type: 'string' },
      jobs: { type: 'string' },
    },
    'score',
  );
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
  for (const [flag, field] of [
    ['submitted', 'submittedAt'],
    ['published-url', 'publishedUrl'],
    ['published-at', 'publishedAt'],
  ] as const) {
    const value = stringOption(values, flag);
    if (value === undefined) continue;
    if (field !== 'publishedUrl' && !/^\d{4}-\d{2}-\d{2}$/u.test(value)) throw new UsageError(`--${flag} 应为 YYYY-MM-DD 格式的日期，收到“${value}”`);
    submission[field] = value;
  }
  const jobs = intOption(values, 'jobs') ?? 'auto';
  if (jobs === 0) throw new UsageError('--jobs 至少为 1（1 表示不用工作线程）');
  // Only what is written out is kept: the normalised reports (as much memory again as the results) can go before the
  // workbook and the JSON are written.
  const { results, failures, rubrics } = await runScore(positionals, {
    ...(rubricPath ? { rubricPath } : {}),
    ...(county ? { county } : {}),
    ...(year ? { year } : {}),
    ...(Object.keys(submission).length > 0 ? { submission } : {}),
    jobs,
  });
  const run = { results, failures, rubrics };
  const out = stringOption(values, 'out');
  if (out) {
    const rubric = run.rubrics[0];
    if (rubric) {
      const years = [...new Set(run.results.map((r) => r.year).filter((y) => y !== null))].sort();
      const counties = [...new Set(run.results.map((r) => r.county).filter((c) => c !== null))];
      const scope = `${counties.length === 1 ? counties[0] : ''}${years.length > 0 ? ` ${years.join('、')}年度` : ''}`.trim();
      await mkdir(dirname(out), { recursive: true });
      await writeWorkbookFile(out, { results: run.results, failures: run.failures, rubric, scope, generatedAt: new Date().toISOString() });
    }
  }
  const unscoped = run.results.filter((r) => r.county === UNSPECIFIED_COUNTY).length;
  if (unscoped > 0) {
    io.err(
      `提示：${unscoped} 份报告未指定所属县（--county 或 fazhi.meta.json），已一起归入“${UNSPECIFIED_COUNTY}”排名；报告正文写的县名只作核对，不作分组依据。`,
    );
  }
  if (values.json) {
    await writeJson({ results: run.results, failures: run.failures }, io);
  } else {
    if (run.results.length > 0) {
      io.out(rankingTable(run.results, (r) => run.rubrics.find((l) => l.sha256 === r.rubric.sha256)?.rubric));
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

// ── --json, one result at a time ─────────────────────────────────────────────────────────────────────────────

/**
 * `JSON.stringify(run, null, 2)` in pieces, one result or failure each: every piece is whole lines, and the pieces
 * joined with "\n" are exactly that string. 10,000 results never become one string (V8 refuses strings over ~0.5 GB).
 */
export function* runJsonLines(run: ScoreRun): Generator<string> {
  // An item two levels deep, as JSON.stringify indents it there: [[item]] stringified, its two brackets cut off.
  const indent = (item: unknown): string => {
    const json = JSON.stringify([[item]], null, 2);
    return json.slice(6, json.length - 6);
  };
  function* list(name: keyof ScoreRun, items: readonly unknown[], last: boolean): Generator<string> {
    const end = last ? '' : ',';
    if (items.length === 0) {
      yield `  "${name}": []${end}`;
      return;
    }
    yield `  "${name}": [`;
    for (let i = 0; i < items.length; i++) yield `${indent(items[i])}${i < items.length - 1 ? ',' : ''}`;
    yield `  ]${end}`;
  }
  yield '{';
  yield* list('results', run.results, false);
  yield* list('failures', run.failures, true);
  yield '}';
}

/**
 * `piece` and a newline in UTF-8, encoded straight into a buffer of the most it can need (3 bytes per UTF-16 unit):
 * half the time of `Buffer.from` of the joined string, which the JSON of 2,000 results spent ≈ 0.15 s on.
 */
function utf8Line(piece: string): Buffer {
  const bytes = Buffer.allocUnsafe(piece.length * 3 + 1);
  const length = bytes.write(piece);
  bytes[length] = 0x0a;
  return bytes.subarray(0, length + 1);
}

/**
 * Writes the run as JSON to stdout piece by piece, waiting whenever the pipe is full; when the reader goes away
 * (`fazhi score --json | head`) it stops writing and the command ends normally. Through another Io (tests), each
 * piece goes to `io.out`, which ends it with a newline: the same bytes.
 */
async function writeJson(run: ScoreRun, io: Io): Promise<void> {
  if (io !== consoleIo) {
    for (const piece of runJsonLines(run)) io.out(piece);
    return;
  }
  const stdout = process.stdout;
  let gone = false;
  // Kept for the life of the process: a write after the reader left must not crash it either.
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') gone = true;
    else throw error;
  });
  for (const piece of runJsonLines(run)) {
    if (gone || stdout.destroyed) return;
    if (!stdout.write(utf8Line(piece))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stdout.off('drain', done);
          stdout.off('close', done);
          stdout.off('error', done);
          resolve();
        };
        stdout.on('drain', done);
        stdout.on('close', done);
        stdout.on('error', done);
      });
    }
  }
}
