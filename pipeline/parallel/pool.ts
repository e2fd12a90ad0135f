import { availableParallelism } from 'node:os';
import { parentPort, Worker, type ResourceLimits, type Transferable, type WorkerOptions } from 'node:worker_threads';

/**
 * A pool of worker threads that run one task at a time each, for work that is CPU-bound per item and independent
 * between items (extract, normalise, score one report). Results come back by structured clone.
 *
 * Failure is per task: a task that throws rejects with TaskError (its message), and a worker that dies (an uncaught
 * error, running out of its heap, process.exit in a library) rejects with WorkerCrash the task it was running only;
 * the tasks waiting behind it go to a fresh worker. A worker that dies before it could serve anything (its module does
 * not load) rejects everything with PoolStartError: that is a broken installation, not a bad file.
 *
 * The worker module is TypeScript when the project runs from source (through tsx) and JavaScript in a prebuilt
 * bundle; `workerUrl` picks the one that runs, and tsx-worker.mjs starts a TypeScript one.
 */

/** Default pool size: one worker per core the process may use (the main thread mostly waits meanwhile). */
export const DEFAULT_POOL_SIZE = availableParallelism();

/**
 * Tasks sent to a worker ahead of the one it is running, so it does not wait for the main thread between tasks while
 * that thread runs a task of its own (PoolOptions.inline) or collects garbage; a crash puts back at most this many
 * innocent tasks. With one, the worker of a 2,000-report `fazhi score` sat idle ≈ 0.3–0.4 s (`--cpu-prof`); with
 * three, under 0.1 s.
 */
const QUEUED_PER_WORKER = 3;

export class TaskError extends Error {
  override readonly name = 'TaskError';
}
export class WorkerCrash extends Error {
  override readonly name = 'WorkerCrash';
}
export class PoolStartError extends Error {
  override readonly name = 'PoolStartError';
}

type Request = { id: number; task: unknown };
type Reply = { ready: true } | { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

interface Job {
  id: number;
  task: unknown;
  transfer: readonly Transferable[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  dead: boolean;
  /** Sent and not answered, oldest first: the worker runs them in this order. */
  inFlight: Job[];
}

/** The folder of the prebuilt CLI's worker entries, when this process runs it (see useBundledWorkers). */
let bundledWorkerDir: URL | null = null;

/**
 * Called by the prebuilt CLI's entry (scripts/build-cli.ts): its worker entries are `<name>.mjs` in `dir`, and the
 * threads start from them, not from the TypeScript sources (no tsx in a worker). In that build `import.meta.url`
 * still names a module's source file, so callers cannot tell from their own URL that they run bundled.
 */
export function useBundledWorkers(dir: URL): void {
  bundledWorkerDir = dir;
}

/** The prebuilt CLI's worker entry `<name>.mjs`, or null when the process runs from the sources. */
export function bundledWorker(name: string): URL | null {
  return bundledWorkerDir ? new URL(`./${name}.mjs`, bundledWorkerDir) : null;
}

/**
 * The module a worker runs: the prebuilt CLI's `<name>.mjs` when it runs; else `<name>.ts` beside `callerUrl` when
 * the caller itself is TypeScript (a source run), or `<name>.mjs` beside it (another bundle that ships its workers as
 * entry points next to it).
 */
export function workerUrl(callerUrl: string, name: string): URL {
  return bundledWorker(name) ?? new URL(`./${name}.${callerUrl.endsWith('.ts') ? 'ts' : 'mjs'}`, callerUrl);
}

const TSX_BOOT = new URL('./tsx-worker.mjs', import.meta.url);

/**
 * Starts the worker module `entry` (workerUrl): a bundled one directly, a TypeScript one through tsx-worker.mjs. The
 * module reads `workerData.data`.
 */
export function startWorkerThread(entry: URL, data: unknown, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  const typescript = entry.pathname.endsWith('.ts');
  return new Worker(typescript ? TSX_BOOT : entry, { ...options, workerData: { entry: entry.href, data } });
}

export interface PoolOptions<In = unknown, Out = unknown> {
  size?: number;
  /** Given to every worker as `workerData`. */
  data?: unknown;
  resourceLimits?: ResourceLimits;
  /**
   * The same work done in this thread, as one more lane beside the workers: this thread would otherwise only wait for
   * them. It takes a task only when every worker already has its next ones (QUEUED_PER_WORKER), and one at a time
   * between turns of the event loop, so the workers' replies are answered between two of its tasks. A task it throws
   * on rejects with TaskError, as a worker's would; a crash of this thread is the process's, so it is for work with a
   * bounded cost per task.
   */
  inline?: (task: In) => Promise<Out> | Out;
}

export class WorkerPool<In, Out> {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly size: number;
  private nextId = 1;
  private startFailure: Error | null = null;
  private closed = false;
  /** Whether this thread's lane (PoolOptions.inline) is running or about to run a task. */
  private inlineBusy = false;

  constructor(
    private readonly entry: URL,
    private readonly options: PoolOptions<In, Out> = {},
  ) {
    this.size = Math.max(options.inline ? 0 : 1, options.size ?? DEFAULT_POOL_SIZE);
  }

  /** `transfer`: buffers to move rather than copy; only for tasks that need not be sent again after a crash. */
  run(task: In, transfer: readonly Transferable[] = []): Promise<Out> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    if (this.startFailure) return Promise.reject(this.startFailure);
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, transfer, resolve: resolve as (value: unknown) => void, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) slot.dead = true;
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const free = this.slots.filter((s) => !s.dead && s.inFlight.length <= QUEUED_PER_WORKER).sort((x, y) => x.inFlight.length - y.inFlight.length)[0];
      const slot = free ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (!slot) break;
      const job = this.queue.shift()!;
      slot.inFlight.push(job);
      slot.worker.postMessage({ id: job.id, task: job.task } satisfies Request, [...job.transfer]);
    }
    this.runInline();
  }

  /** The next queued task in this thread's lane, after the event loop has had its turn (setImmediate). */
  private runInline(): void {
    const inline = this.options.inline;
    if (!inline || this.inlineBusy || this.queue.length === 0) return;
    this.inlineBusy = true;
    setImmediate(() => {
      const job = this.closed ? undefined : this.queue.shift();
      if (!job) {
        this.inlineBusy = false;
        return;
      }
      void (async () => {
        try {
          job.resolve(await inline(job.task as In));
        } catch (error) {
          job.reject(new TaskError(error instanceof Error ? error.message : String(error)));
        }
        this.inlineBusy = false;
        this.dispatch();
      })();
    });
  }

  private spawn(): Slot {
    const worker = startWorkerThread(this.entry, this.options.data, {
      ...(this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {}),
      // What a library prints in a worker goes to stderr: stdout may be carrying `--json`.
      stdout: true,
    });
    worker.stdout.pipe(process.stderr, { end: false });
    const slot: Slot = { worker, ready: false, dead: false, inFlight: [] };
    this.slots.push(slot);
    worker.on('message', (reply: Reply) => this.answer(slot, reply));
    worker.on('error', (error: Error) => this.died(slot, error.message));
    worker.on('exit', (code) => this.died(slot, `worker exited with code ${code}`));
    return slot;
  }

  private answer(slot: Slot, reply: Reply): void {
    if ('ready' in reply) {
      slot.ready = true;
      return;
    }
    const index = slot.inFlight.findIndex((job) => job.id === reply.id);
    if (index < 0) return;
    const [job] = slot.inFlight.splice(index, 1);
    if (reply.ok) job!.resolve(reply.value);
    else job!.reject(new TaskError(reply.error));
    this.dispatch();
  }

  private died(slot: Slot, reason: string): void {
    if (slot.dead) return;
    slot.dead = true;
    this.slots.splice(this.slots.indexOf(slot), 1);
    const [culprit, ...waiting] = slot.inFlight;
    if (!slot.ready) {
      // Nothing could run: every task fails with the same reason, and later ones at once.
      this.startFailure = new PoolStartError(`worker could not start: ${reason}`);
      for (const job of [...slot.inFlight, ...this.queue.splice(0)]) job.reject(this.startFailure);
      return;
    }
    culprit?.reject(new WorkerCrash(reason));
    this.queue.unshift(...waiting);
    this.dispatch();
  }
}

/**
 * The worker side: answers the pool's tasks one at a time, in the order they came (so a crash is the running task's),
 * with what `handler` returns or the message of what it throws.
 */
export function serveTasks<In, Out>(handler: (task: In) => Promise<Out> | Out): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks() runs inside a worker thread');
  let chain = Promise.resolve();
  port.on('message', ({ id, task }: Request) => {
    chain = chain.then(async () => {
      let reply: Reply;
      try {
        reply = { id, ok: true, value: await handler(task as In) };
      } catch (error) {
        reply = { id, ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      port.postMessage(reply);
    });
  });
  port.postMessage({ ready: true } satisfies Reply);
}
