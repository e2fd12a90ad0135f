import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FailureCode } from '../../schemas/failure.ts';
import type { NormalizedReport } from '../../schemas/report.ts';
import type { Metric } from '../../schemas/rubric.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { EXTRACT_TIMEOUT_MS } from '../../pipeline/extract/limits.ts';
import { rejectTimeout } from '../../pipeline/extract/rejections.ts';
import { DocumentRejectedError } from '../../pipeline/failure.ts';
import { parseReport, type ParseOutcome, type ReportFile } from '../../pipeline/parse.ts';
import { rejectScoreTimeout, SCORE_TIME_BUDGET_MS } from '../../pipeline/score/budget.ts';
import { scoreReport } from '../../pipeline/score/index.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';

/**
 * Work that must stop at its budget, even inside synchronous library code (mammoth's XML parser, a pathological
 * regular expression in scoring): it runs in a worker thread that is terminated when the budget is spent. A timer in
 * the same thread cannot do that: it fires only after the synchronous work returns. One worker is kept warm and runs
 * one task at a time (documents are parsed one after another within a batch anyway); after a timeout it is replaced.
 * The ingest and score handlers use it through `Parser` and `Scorer`; the CLI can use the same runner.
 */

/** The time a real document may take to parse: the extract stage's own per-document limit. */
export const PARSE_BUDGET_MS = EXTRACT_TIMEOUT_MS;
/** A worker that does not load its modules in this time is broken (Lambda init is ~200 ms): an error, not a bad file. */
export const WORKER_START_TIMEOUT_MS = 20_000;

export type Task =
  | { kind: 'parse'; file: ReportFile; metrics: readonly Metric[] }
  | { kind: 'score'; report: NormalizedReport; rubric: LoadedRubric; previous?: NormalizedReport };

/**
 * A rubric as a task carries it to the worker: in full the first time that worker sees it, then by its number alone.
 * A loaded rubric is about 40 KB of structured clone (≈1.5 ms to copy, and as long again to read in the worker), more
 * than the report it scores; every score task of a batch uses the same one. Rubrics are never changed once loaded.
 */
export type RubricOnWire = { ref: number; rubric?: LoadedRubric };

export type WireTask = Extract<Task, { kind: 'parse' }> | { kind: 'score'; report: NormalizedReport; rubric: RubricOnWire; previous?: NormalizedReport };

export interface TaskRequest {
  id: number;
  task: WireTask;
}

export type TaskReply =
  | { ready: true }
  | { id: number; result: unknown }
  | { id: number; rejected: { code: FailureCode; reason: string; reasonEn: string } }
  | { id: number; error: { name: string; message: string; stack: string } };

/**
 * Where the worker's code is: the bundled `isolated-worker.mjs` next to a Lambda's index.mjs (`module`), or the
 * TypeScript source, loaded through tsx (`typescript`: the local stack, tests, the CLI).
 */
export type WorkerEntry = { kind: 'module'; url: URL } | { kind: 'typescript'; url: URL };

export const sourceWorkerEntry = (): WorkerEntry => ({ kind: 'typescript', url: new URL('./isolated-worker.ts', import.meta.url) });

/** tsx's ESM API as a file URL (import.meta.resolve is not available under every test runner). */
function tsxApiUrl(): string {
  const packageJson = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(join(dirname(packageJson), exports['./esm/api']!.import.default)).href;
}

function startWorker(entry: WorkerEntry): Worker {
  if (entry.kind === 'module') return new Worker(entry.url);
  // A module worker written inline: register tsx's loader in the worker, then import the TypeScript entry.
  const tsx = tsxApiUrl();
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.url.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
}

/** Thrown when the worker itself fails (it could not start, or died): a bug or the environment, retried like one. */
export class WorkerFailedError extends Error {
  override readonly name = 'WorkerFailedError';
}

/** A number for each loaded rubric object a runner has sent (the same in every runner of the process). */
const rubricRefs = new WeakMap<LoadedRubric, number>();
let nextRubricRef = 1;
function rubricRef(loaded: LoadedRubric): number {
  let ref = rubricRefs.get(loaded);
  if (ref === undefined) {
    ref = nextRubricRef++;
    rubricRefs.set(loaded, ref);
  }
  return ref;
}

interface Running {
  id: number;
  resolve: (reply: TaskReply) => void;
  reject: (error: Error) => void;
}

export class IsolatedRunner {
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private running: Running | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  /** The rubrics the current worker holds (a new worker starts with none). */
  private rubricsSent = new Set<number>();
  /** Workers terminated at a budget (for logs and tests). */
  terminations = 0;

  constructor(readonly entry: WorkerEntry = sourceWorkerEntry()) {}

  /** Runs `task` in the worker; past `budgetMs` the worker is terminated and `onTimeout()` is thrown. */
  run<T>(task: Task, budgetMs: number, onTimeout: () => Error): Promise<T> {
    const result = this.queue.then(() => this.runNow<T>(task, budgetMs, onTimeout));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async start(): Promise<Worker> {
    this.ready ??= new Promise<Worker>((resolve, reject) => {
      const worker = startWorker(this.entry);
      this.worker = worker;
      this.rubricsSent = new Set();
      const timer = setTimeout(() => {
        void this.discard(worker);
        reject(new WorkerFailedError(`the worker did not start within ${WORKER_START_TIMEOUT_MS} ms`));
      }, WORKER_START_TIMEOUT_MS);
      worker.on('message', (reply: TaskReply) => {
        if ('ready' in reply) {
          clearTimeout(timer);
          worker.unref();
          resolve(worker);
          return;
        }
        if (this.running && reply.id === this.running.id) this.running.resolve(reply);
      });
      const died = (error: Error): void => {
        clearTimeout(timer);
        if (this.worker === worker) {
          this.worker = undefined;
          this.ready = undefined;
        }
        reject(new WorkerFailedError(`the worker failed to start: ${error.message}`, { cause: error }));
        this.running?.reject(new WorkerFailedError(`the worker died: ${error.message}`, { cause: error }));
      };
      worker.on('error', died);
      worker.on('exit', (code) => {
        if (this.worker === worker) died(new Error(`exited with code ${code}`));
      });
    });
    return this.ready;
  }

  private async discard(worker: Worker): Promise<void> {
    if (this.worker === worker) {
      this.worker = undefined;
      this.ready = undefined;
    }
    await worker.terminate();
  }

  private async runNow<T>(task: Task, budgetMs: number, onTimeout: () => Error): Promise<T> {
    const worker = await this.start();
    const id = this.nextId++;
    worker.ref();
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await new Promise<TaskReply>((resolve, reject) => {
        this.running = { id, resolve, reject };
        timer = setTimeout(() => {
          this.terminations++;
          this.running = undefined;
          void this.discard(worker);
          reject(onTimeout());
        }, budgetMs);
        worker.postMessage({ id, task: this.onWire(task) } satisfies TaskRequest);
      });
      if ('rejected' in reply) throw new DocumentRejectedError(reply.rejected.code, reply.rejected.reason, reply.rejected.reasonEn);
      if ('error' in reply) {
        const error = new Error(`${reply.error.name}: ${reply.error.message} (in the isolated worker)`);
        error.stack = `${error.message}\n${reply.error.stack}`;
        throw error;
      }
      if (!('result' in reply)) throw new WorkerFailedError('the worker answered without a result');
      return reply.result as T;
    } finally {
      clearTimeout(timer);
      this.running = undefined;
      this.worker?.unref();
    }
  }

  /** The task as the current worker receives it: a rubric it already holds goes by its number. */
  private onWire(task: Task): WireTask {
    if (task.kind === 'parse') return task;
    const ref = rubricRef(task.rubric);
    const known = this.rubricsSent.has(ref);
    this.rubricsSent.add(ref);
    return { ...task, rubric: known ? { ref } : { ref, rubric: task.rubric } };
  }

  /** Stops the worker (it is started again by the next task). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    if (worker) await worker.terminate();
  }
}

/** Extract + normalise one file, bounded or not. */
export interface Parser {
  parse(file: ReportFile, metrics: readonly Metric[]): Promise<ParseOutcome>;
}

/** Score one report, bounded or not. A run over budget throws DocumentRejectedError `timeout`. */
export interface Scorer {
  score(report: NormalizedReport, loaded: LoadedRubric, previous?: NormalizedReport): Promise<ScoreResult>;
}

/** In this thread: no hard time limit (tests of pure behaviour, tools). */
export const inProcessParser: Parser = { parse: (file, metrics) => parseReport(file, metrics) };
export const inProcessScorer: Scorer = { score: async (report, loaded, previous) => scoreReport(report, loaded, previous ? { previous } : {}) };

export function isolatedParser(runner: IsolatedRunner, budgetMs: number = PARSE_BUDGET_MS): Parser {
  return {
    parse: async (file, metrics) => {
      try {
        return await runner.run<ParseOutcome>({ kind: 'parse', file, metrics }, budgetMs, () => rejectTimeout(budgetMs));
      } catch (error) {
        // A timeout is the file's doing: a failure with a reason, like any other bad file.
        if (error instanceof DocumentRejectedError) return { ok: false, failure: error.toFailure(file.key) };
        throw error;
      }
    },
  };
}

export function isolatedScorer(runner: IsolatedRunner, budgetMs: number = SCORE_TIME_BUDGET_MS): Scorer {
  return {
    score: (report, rubric, previous) =>
      runner.run<ScoreResult>({ kind: 'score', report, rubric, ...(previous ? { previous } : {}) }, budgetMs, () => rejectScoreTimeout(budgetMs)),
  };
}
