import type { Failure } from '../schemas/failure.ts';
import { scopeOf, type NormalizedReport } from '../schemas/report.ts';
import type { ScoreResult } from '../schemas/score.ts';
import { parseReport, type ReportFile } from './parse.ts';
import { crossCheck, followThroughOf, planCrossCheck, rankResults, type CrossCheckEntry, type CrossCheckPlan } from './rank/index.ts';
import { isTownshipLike, prominentLines } from './rank/names.ts';
import { reportSignature } from './rank/similarity.ts';
import { withinScoreBudget } from './score/budget.ts';
import { scoreReport } from './score/index.ts';
import type { LoadedRubric } from './score/rubric.ts';

/**
 * The whole pipeline in one process, as `fazhi score` runs it: parse every file, score each report, run the
 * cross-report checks over each scope (the county·year the files were filed under, with last year's reports of the
 * same units when given), rank. The deployed pipeline runs the same functions in separate stages; its export gives
 * the same ranking for the same files.
 */

export interface BatchOutcome {
  results: ScoreResult[];
  failures: Failure[];
  reports: NormalizedReport[];
}

export interface BatchOptions {
  /** Last year's reports (already parsed), for copied-from-last-year and follow-through checks. */
  previousYear?: readonly NormalizedReport[];
}

/**
 * For each report, its unit's report of the year before among `previousYear` and the reports themselves (samples/2023/
 * beside samples/ come in one batch), or undefined. The same lookup for every way a batch is scored.
 */
export function previousReportsOf(reports: readonly NormalizedReport[], previousYear: readonly NormalizedReport[] = []): (NormalizedReport | undefined)[] {
  const unitYear = (report: NormalizedReport, year: number | null): string => `${scopeOf(report).county}|${report.meta.township ?? ''}|${year ?? ''}`;
  const previousByUnit = new Map<string, NormalizedReport>();
  for (const previous of [...previousYear, ...reports]) previousByUnit.set(unitYear(previous, scopeOf(previous).year), previous);
  return reports.map((report) => (report.meta.township ? previousByUnit.get(unitYear(report, (scopeOf(report).year ?? 0) - 1)) : undefined));
}

/** What scoring one report gives the ranking step: its result, and what the cross-report checks would otherwise redo. */
export function scoreEntry(report: NormalizedReport, loaded: LoadedRubric, previous: NormalizedReport | undefined): CrossCheckEntry {
  const result = scoreReport(report, loaded, previous ? { previous } : {});
  const followThrough = previous ? followThroughOf(report, previous, loaded) : undefined;
  return {
    report,
    result,
    signature: reportSignature(report, loaded.rubric.similarity.shingle),
    ...(followThrough ? { followThrough } : {}),
    // Where another unit's name is looked for: read here, so a worker does it (the same lines whoever reads them).
    ...(report.meta.township && isTownshipLike(report) ? { prominent: prominentLines(report) } : {}),
  };
}

/** The cross-report checks and the ranking of scored reports: the part of the batch shared with the export stage. */
export function rankEntries(entries: readonly CrossCheckEntry[], loaded: LoadedRubric, options: BatchOptions = {}): ScoreResult[] {
  return rankResults(crossCheck(entries, loaded, { previousYear: withEntries(entries, options) }), loaded.rubric);
}

/**
 * rankEntries in two steps: the checks decided, and the ranking once the copiers' re-scorings (`plan.rescores`, done
 * wherever the caller likes, rescoreCopied) are given to `rank`. The same results as rankEntries.
 */
export function planRanking(
  entries: readonly CrossCheckEntry[],
  loaded: LoadedRubric,
  options: BatchOptions = {},
): { rescores: CrossCheckPlan['rescores']; rank: (rescored: Parameters<CrossCheckPlan['finish']>[0]) => ScoreResult[] } {
  const plan = planCrossCheck(entries, loaded, { previousYear: withEntries(entries, options) });
  return { rescores: plan.rescores, rank: (rescored) => rankResults(plan.finish(rescored), loaded.rubric) };
}

/** Last year's reports as the checks look them up: those given, and the batch's own (two years scored together). */
const withEntries = (entries: readonly CrossCheckEntry[], options: BatchOptions): NormalizedReport[] => [
  ...(options.previousYear ?? []),
  ...entries.map((e) => e.report),
];

/** Scores and ranks already-parsed reports, in this thread. */
export function scoreAndRank(reports: readonly NormalizedReport[], loaded: LoadedRubric, options: BatchOptions = {}): ScoreResult[] {
  const previous = previousReportsOf(reports, options.previousYear);
  return rankEntries(
    reports.map((report, i) => scoreEntry(report, loaded, previous[i])),
    loaded,
    options,
  );
}

/**
 * A file to parse: its bytes, or how to read them when its turn comes (the CLI reads each file just before parsing it,
 * so a batch never holds every file's bytes), giving the file or why it could not be read.
 */
export type PendingFile = ReportFile | (() => ReportFile | Failure | Promise<ReportFile | Failure>);

export async function parseFiles(files: readonly PendingFile[], loaded: LoadedRubric): Promise<{ reports: NormalizedReport[]; failures: Failure[] }> {
  const reports: NormalizedReport[] = [];
  const failures: Failure[] = [];
  for (const pending of files) {
    const file = typeof pending === 'function' ? await pending() : pending;
    if (!('bytes' in file)) {
      failures.push(file);
      continue;
    }
    const outcome = withinScoreBudget(await parseReport(file, loaded.rubric.metrics));
    if (outcome.ok) reports.push(outcome.report);
    else failures.push(outcome.failure);
  }
  return { reports, failures };
}

export async function scoreFiles(files: readonly ReportFile[], loaded: LoadedRubric, options: BatchOptions = {}): Promise<BatchOutcome> {
  const { reports, failures } = await parseFiles(files, loaded);
  return { results: scoreAndRank(reports, loaded, options), failures, reports };
}
