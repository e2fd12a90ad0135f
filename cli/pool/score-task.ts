import { scopeOf, type NormalizedReport } from '../../schemas/report.ts';
import type { Failure } from '../../schemas/failure.ts';
import { scoreEntry } from '../../pipeline/batch.ts';
import { parseReport } from '../../pipeline/parse.ts';
import { withinScoreBudget } from '../../pipeline/score/budget.ts';
import { rescoreCopied, type CopyRescore, type CrossCheckEntry } from '../../pipeline/rank/index.ts';
import type { IndicatorScore } from '../../schemas/score.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import { readInputFile, type InputFile } from '../inputs.ts';
import { loadRubricFile, memoRubricPathFor } from '../rubrics.ts';

/**
 * What a `fazhi score` worker does (score-worker.ts): one file read, its report scored out. It runs the very functions
 * the single-thread run does (parseReport, scoreEntry) with the rubric files the main thread chose, so the results are
 * the same.
 */

export interface FileTask {
  kind: 'file';
  /** Listed, not read: the thread that parses it reads it (no file's bytes are copied between threads). */
  file: InputFile;
  /** The rubric whose metric catalogue tags the figures while parsing. */
  parsingRubric: string;
  /** --rubric: every report is scored with it; else the rubric of the year the report was filed under. */
  forcedRubric: string | null;
}

/** Scores a parsed report again with its unit's report of last year (known only once every file is parsed). */
export interface RescoreTask {
  kind: 'rescore';
  report: NormalizedReport;
  previous: NormalizedReport;
  rubric: string;
}

/**
 * Scores some indicators of a report again with the paragraphs it copied earning nothing: one of the cross-report
 * checks' re-scorings.
 */
export interface CopiedTask {
  kind: 'copied';
  report: NormalizedReport;
  rubric: string;
  rescore: Omit<CopyRescore, 'entry'>;
}

export type ScoreTask = FileTask | RescoreTask | CopiedTask;

export type FileOutcome = { ok: true; rubric: string; entry: CrossCheckEntry } | { ok: false; failure: Failure };

const rubrics = new Map<string, Promise<LoadedRubric>>();
const rubricOf = (path: string): Promise<LoadedRubric> => {
  let loaded = rubrics.get(path);
  if (!loaded) rubrics.set(path, (loaded = loadRubricFile(path)));
  return loaded;
};
const pathFor = memoRubricPathFor();

export async function runTask(task: ScoreTask): Promise<FileOutcome | CrossCheckEntry | IndicatorScore[]> {
  if (task.kind === 'rescore') return scoreEntry(task.report, await rubricOf(task.rubric), task.previous);
  if (task.kind === 'copied') return rescoreCopied(task.report, await rubricOf(task.rubric), task.rescore);
  // The same size budget as the single-thread run (pipeline/batch.ts parseFiles): a report too large to score fails alone.
  const file = readInputFile(task.file);
  if (!('bytes' in file)) return { ok: false, failure: file };
  const parsed = withinScoreBudget(await parseReport(file, (await rubricOf(task.parsingRubric)).rubric.metrics));
  if (!parsed.ok) return parsed;
  // As the single-thread run does: the rubric of the year the report was filed under (its scope), unless forced.
  const rubric = task.forcedRubric ?? (await pathFor(scopeOf(parsed.report).year));
  return { ok: true, rubric, entry: scoreEntry(parsed.report, await rubricOf(rubric), undefined) };
}
