import type { Failure } from '../../schemas/failure.ts';
import type { NormalizedReport } from '../../schemas/report.ts';
import type { InputFile } from '../inputs.ts';
import { PoolStartError, WorkerPool, workerUrl } from '../../pipeline/parallel/pool.ts';
import { SharedLabels, shareReportText, shareResultLabels } from '../../pipeline/parallel/shared-text.ts';
import { rescoreCopied, type CopyRescore, type CrossCheckEntry } from '../../pipeline/rank/index.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import type { IndicatorScore } from '../../schemas/score.ts';
import { runTask, type FileOutcome, type ScoreTask } from './score-task.ts';

/**
 * `fazhi score` on all cores: extraction, normalisation, scoring and copy signatures of each file in a worker thread
 * or in this thread beside them (WorkerPool's inline lane); this thread also keeps what needs every report (last
 * year's report of each unit, the cross-report checks, the ranking). A file whose worker crashes fails with an
 * internal-error reason; the other files go on.
 */

export interface PoolScored {
  reports: NormalizedReport[];
  failures: Failure[];
  /** Per report: the rubric file it was scored with and its entry, scored without last year's report. */
  scored: Map<NormalizedReport, { rubric: string; entry: CrossCheckEntry }>;
}

function crashed(source: string, reason: string): Failure {
  return {
    source,
    code: 'internal',
    message: `处理此文件时程序出错（${reason}）。这是程序的问题，不是文件的问题；文件未被改动，其他文件不受影响。请把此文件和这条信息报告给维护者`,
    messageEn: `the worker processing this file failed: ${reason}`,
  };
}

export class ScorePool {
  private readonly pool: WorkerPool<ScoreTask, FileOutcome | CrossCheckEntry | IndicatorScore[]>;
  /** The labels of every result this pool gave back, one copy each (the caller holds every result). */
  private readonly labels = new SharedLabels();

  /**
   * `threads`: this thread and `threads - 1` workers share the files (this thread would only wait for the workers
   * otherwise, and each worker costs a second compilation of the pipeline). `worker`: the module the workers run;
   * another one and `thisThread: false` only in tests (a worker that crashes on purpose, and every file sent to it).
   */
  constructor(threads: number, { worker = workerUrl(import.meta.url, 'score-worker'), thisThread = true }: { worker?: URL; thisThread?: boolean } = {}) {
    this.pool = thisThread ? new WorkerPool(worker, { size: threads - 1, inline: runTask }) : new WorkerPool(worker, { size: threads });
  }

  /** Parses and scores every file; reports and failures in the files' order, as the single-thread run lists them. */
  async parseAndScore(files: readonly InputFile[], parsingRubric: string, forcedRubric: string | null): Promise<PoolScored> {
    const outcomes = await Promise.all(
      files.map((file) =>
        this.pool.run({ kind: 'file', file, parsingRubric, forcedRubric }).then(
          (outcome) => this.shared(outcome as FileOutcome),
          (error: Error): FileOutcome => {
            if (error instanceof PoolStartError) throw error;
            return { ok: false, failure: crashed(file.key, error.message) };
          },
        ),
      ),
    );
    const reports: NormalizedReport[] = [];
    const failures: Failure[] = [];
    const scored = new Map<NormalizedReport, { rubric: string; entry: CrossCheckEntry }>();
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        failures.push(outcome.failure);
        continue;
      }
      reports.push(outcome.entry.report);
      scored.set(outcome.entry.report, { rubric: outcome.rubric, entry: outcome.entry });
    }
    return { reports, failures, scored };
  }

  /**
   * An outcome with its text and labels shared (shareReportText, SharedLabels) as it arrives: the copies it replaces
   * die young, and the work is not left for after the last file.
   */
  private shared(outcome: FileOutcome): FileOutcome {
    if (outcome.ok) {
      shareReportText(outcome.entry.report, outcome.entry.result);
      shareResultLabels(outcome.entry.result, this.labels);
    }
    return outcome;
  }

  /** The report scored again with its unit's report of last year, or the failure that stopped it. */
  async rescore(report: NormalizedReport, previous: NormalizedReport, rubric: string): Promise<CrossCheckEntry | Failure> {
    try {
      const entry = (await this.pool.run({ kind: 'rescore', report, previous, rubric })) as CrossCheckEntry;
      // The main thread's own report object, so the cross-report checks see one object per report.
      shareReportText(report, entry.result);
      shareResultLabels(entry.result, this.labels);
      return { ...entry, report };
    } catch (error) {
      if (error instanceof PoolStartError) throw error;
      return crashed(report.source.key, (error as Error).message);
    }
  }

  /**
   * The cross-report checks' re-scorings of copiers (planRanking), in the threads. One the threads could not finish
   * is done in this thread: the report scored already, so its failure there would be a bug to surface, not a bad file.
   */
  rescoreCopied(rescores: readonly CopyRescore[], entries: readonly CrossCheckEntry[], loaded: LoadedRubric, rubric: string): Promise<IndicatorScore[][]> {
    return Promise.all(
      rescores.map(({ entry, ...rescore }) => {
        const report = entries[entry]!.report;
        return this.pool.run({ kind: 'copied', report, rubric, rescore }).then(
          (indicators) => indicators as IndicatorScore[],
          (error: Error) => {
            if (error instanceof PoolStartError) throw error;
            return rescoreCopied(report, loaded, rescore);
          },
        );
      }),
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
