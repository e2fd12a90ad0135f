import { VisibleError } from '../../pipeline/failure.ts';
import { startWorkerThread, workerUrl } from '../../pipeline/parallel/pool.ts';
import type { ServersReply, ServersRequest, ServersWorkerData } from './servers-worker.ts';

/**
 * The S3- and DynamoDB-protocol servers of the local stack (protocol-servers.ts: s3rver behind its policy front, and
 * dynalite), in a worker thread of their own, still real HTTP servers on 127.0.0.1 and free ports. In a burst they
 * take about half the CPU the local stack spends outside the parse and score threads (HTTP parsing, s3rver's file
 * store, dynalite's expression evaluation and LevelDB); in the main thread they delayed every handler, the SDK clients
 * and the queues, which then left the parse and score threads waiting.
 *
 * S3's notifications reach the caller's listeners before s3rver answers the request that caused them (each event is
 * acknowledged back to the thread; s3rver holds its answer until then): as in one thread, a client whose PUT returned
 * knows its message is queued (and journaled), which `fazhi local` relies on when it is stopped right after uploading.
 */

export interface LocalServers {
  s3: { endpoint: string; onObjectEvent(listener: (event: unknown) => void): void };
  /** s3rver's own address, behind the front (tests use it to show what s3rver alone would accept). */
  s3rverEndpoint: string;
  dynamodb: { endpoint: string };
  /** The CPU time the servers' thread has used (ms; null where threads cannot say): for the burst benchmark. */
  cpuMs(): Promise<number | null>;
  close(): Promise<void>;
}

export interface ServersOptions {
  dataDir: string;
  persistent: boolean;
  /** The servers' thread stopped while they were in use (default: a line on stderr); the stack's requests fail from then on. */
  onCrash?: (error: Error) => void;
}

export class ServerStartError extends VisibleError {
  override readonly name = 'ServerStartError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/**
 * Why the local S3 server refuses a request path, or null. s3rver stores each key as a file path under its directory;
 * a "." or ".." segment would put the object outside it (AWS keeps such keys as plain names, but a file system
 * cannot), and NUL cannot be in a file name at all. The pipeline refuses such keys anyway (schemas/storage.ts).
 */
export function unsafeLocalKey(path: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return 'the request path is not valid percent-encoding';
  }
  // The first segment is the bucket; the key is what follows it.
  return unsafeObjectKey(decoded.split('/').slice(2).join('/'));
}

/** The same for a key as it is (a browser upload names its key in a form field, not in the path). */
export function unsafeObjectKey(key: string): string | null {
  if (key.split('/').some((segment) => segment === '.' || segment === '..'))
    return 'keys with "." or ".." segments would be written outside the local server\'s folder';
  if (key.includes('\u0000')) return 'keys with NUL characters cannot be stored as files';
  return null;
}

/** How long close() waits for the thread to close its servers (LevelDB included) before it stops the thread. */
const CLOSE_TIMEOUT_MS = 10_000;
export async function startServers(options: ServersOptions): Promise<LocalServers> {
  const worker = startWorkerThread(workerUrl(import.meta.url, 'servers-worker'), {
    dataDir: options.dataDir,
    persistent: options.persistent,
  } satisfies ServersWorkerData);
  const send = (request: ServersRequest): void => worker.postMessage(request);
  const listeners: ((event: unknown) => void)[] = [];
  const cpuAnswers: ((ms: number | null) => void)[] = [];
  let closing = false;
  const onCrash = options.onCrash ?? ((error: Error) => process.stderr.write(`本地 S3/DynamoDB 服务意外停止（local servers stopped）：${error.message}\n`));

  const ready = new Promise<Extract<ServersReply, { kind: 'ready' }>>((resolve, reject) => {
    let started = false;
    worker.on('message', (reply: ServersReply) => {
      if (reply.kind === 'ready') {
        started = true;
        resolve(reply);
      } else if (reply.kind === 'failed') reject(new ServerStartError(reply.message));
      else if (reply.kind === 'event') {
        // A listener that throws must not keep s3rver's answer waiting, nor end this process.
        for (const listener of listeners) {
          try {
            listener(reply.event);
          } catch (error) {
            onCrash(new Error(`an S3 event listener failed: ${(error as Error).message}`, { cause: error }));
          }
        }
        send({ kind: 'ack', seq: reply.seq });
      } else cpuAnswers.shift()?.(reply.ms);
    });
    worker.on('error', (error) => {
      if (!started) reject(new ServerStartError(`the local servers' thread failed: ${error.message}`, { cause: error }));
      else if (!closing) onCrash(error);
    });
    worker.on('exit', (code) => {
      if (!started) reject(new ServerStartError(`the local servers' thread exited (code ${code}) before they started`));
      else if (!closing) onCrash(new Error(`the local servers' thread exited (code ${code})`));
    });
  });

  let endpoints: Extract<ServersReply, { kind: 'ready' }>;
  try {
    endpoints = await ready;
  } catch (error) {
    closing = true;
    await worker.terminate();
    throw error;
  }

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= new Promise<void>((resolve) => {
      closing = true;
      const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      send({ kind: 'close' });
    }));

  return {
    s3: { endpoint: endpoints.s3Endpoint, onObjectEvent: (listener) => listeners.push(listener) },
    s3rverEndpoint: endpoints.s3rverEndpoint,
    dynamodb: { endpoint: endpoints.dynamodbEndpoint },
    cpuMs: () =>
      new Promise((resolve) => {
        if (closing) return resolve(null);
        cpuAnswers.push(resolve);
        send({ kind: 'cpu' });
      }),
    close,
  };
}
