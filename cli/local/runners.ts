import { availableParallelism } from 'node:os';
import { IsolatedRunner, isolatedParser, isolatedScorer, type Parser, type Scorer, type WorkerEntry } from '../../functions/shared/isolated.ts';

/**
 * The local stack's parse and score threads: a few IsolatedRunners (one warm worker each, stopped at a document's
 * budget exactly as on Lambda) shared by the ingest and the score stage, each document handed to the runner with the
 * least work queued. On AWS every Lambda container has its own worker; here one runner per stage would leave a core
 * idle whenever one stage has nothing to do, and put a burst's parsing on one core while scoring waits on the other.
 * A document's budget starts when its runner starts it, never while it waits for a runner.
 */

/** One runner per core the process may use: the main thread mostly waits on I/O meanwhile. */
export const LOCAL_RUNNERS = Math.max(2, availableParallelism());

export class RunnerPool {
  private readonly runners: { runner: IsolatedRunner; parser: Parser; scorer: Scorer; queued: number }[];

  constructor(entry: WorkerEntry, size: number = LOCAL_RUNNERS) {
    this.runners = Array.from({ length: Math.max(1, size) }, () => {
      const runner = new IsolatedRunner(entry);
      return { runner, parser: isolatedParser(runner), scorer: isolatedScorer(runner), queued: 0 };
    });
  }

  /** Runs `task` on the runner with the least work queued (the first of them on a tie). */
  private async on<T>(task: (runner: RunnerPool['runners'][number]) => Promise<T>): Promise<T> {
    const chosen = this.runners.reduce((least, r) => (r.queued < least.queued ? r : least));
    chosen.queued++;
    try {
      return await task(chosen);
    } finally {
      chosen.queued--;
    }
  }

  readonly parser: Parser = { parse: (file, metrics) => this.on((r) => r.parser.parse(file, metrics)) };
  readonly scorer: Scorer = { score: (report, loaded, previous) => this.on((r) => r.scorer.score(report, loaded, previous)) };

  async close(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.runner.close()));
  }
}
