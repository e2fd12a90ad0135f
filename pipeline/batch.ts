import type { Failure } from '../schemas/failure.ts';
import { scopeOf, type NormalizedReport } from '../schemas/report.ts';
import type { ScoreResult } from '../schemas/score.ts';
import { parseReport, type ReportFile } from './parse.ts';
import { crossCheck, rankResults } from './rank/index.ts';
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

/** Ranks already-parsed reports: the part of the batch shared with the export stage. */
export function scoreAndRank(reports: readonly NormalizedReport[], loaded: LoadedRubric, options: BatchOptions = {}): ScoreResult[] {
  // Last year's reports may come with the batch itself (samples/2023/ beside samples/): use them as well.
  const previousYear = [...(options.previousYear ?? []), ...reports];
  const unitYear = (report: NormalizedReport, year: number | null): string => `${scopeOf(report).county}|${report.meta.township ?? ''}|${year ?? ''}`;
  const previousByUnit = new Map<string, NormalizedReport>();
  for (const previous of previousYear) previousByUnit.set(unitYear(previous, scopeOf(previous).year), previous);
  const entries = reports.map((report) => {
    const key = unitYear(report, (scopeOf(report).year ?? 0) - 1);
    const previous = report.meta.township ? previousByUnit.get(key) : undefined;
    return { report, result: scoreReport(report, loaded, previous ? { previous } : {}) };
  });
  const checked = crossCheck(entries, loaded, { previousYear });
  return rankResults(checked, loaded.rubric);
}

export async function parseFiles(files: readonly ReportFile[], loaded: LoadedRubric): Promise<{ reports: NormalizedReport[]; failures: Failure[] }> {
  const reports: NormalizedReport[] = [];
  const failures: Failure[] = [];
  for (const file of files) {
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
