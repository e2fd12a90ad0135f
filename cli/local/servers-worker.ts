import { parentPort, workerData } from 'node:worker_threads';
import { startProtocolServers, type ProtocolServers } from './protocol-servers.ts';
import { threadCpuMs } from './thread-cpu.ts';

/**
 * The local servers' thread (servers.ts starts it): runs s3rver, its front and dynalite, sends s3rver's object events
 * to the starting thread and holds s3rver's answer to a request until the events emitted so far are acknowledged.
 */

export interface ServersWorkerData {
  dataDir: string;
  persistent: boolean;
}

export type ServersRequest = { kind: 'ack'; seq: number } | { kind: 'cpu' } | { kind: 'close' };

export type ServersReply =
  | { kind: 'ready'; s3Endpoint: string; s3rverEndpoint: string; dynamodbEndpoint: string }
  | { kind: 'failed'; message: string }
  | { kind: 'event'; seq: number; event: unknown }
  | { kind: 'cpu'; ms: number | null };

/** Events emitted and acknowledged so far (acknowledgements come in order), and the answers waiting on them. */
class EventAcks {
  emitted = 0;
  private acked = 0;
  private readonly waiting: { seq: number; resume: () => void }[] = [];

  ack(seq: number): void {
    this.acked = Math.max(this.acked, seq);
    while (this.waiting.length > 0 && this.waiting[0]!.seq <= this.acked) this.waiting.shift()!.resume();
  }

  /** Resolves once every event emitted until now is acknowledged; undefined when they already are. */
  settled(): Promise<void> | undefined {
    if (this.acked >= this.emitted) return undefined;
    const seq = this.emitted;
    return new Promise((resume) => this.waiting.push({ seq, resume }));
  }

  /** Lets every waiting answer go (the servers are closing: nobody acknowledges any more). */
  release(): void {
    this.ack(Number.MAX_SAFE_INTEGER);
  }
}

const port = parentPort;
if (!port) throw new Error('servers-worker.ts runs as a worker thread (cli/local/servers.ts starts it)');
const { data } = workerData as { data: ServersWorkerData };
const reply = (message: ServersReply): void => port.postMessage(message);
const acks = new EventAcks();
let servers: ProtocolServers | undefined;

port.on('message', (request: ServersRequest) => {
  if (request.kind === 'ack') acks.ack(request.seq);
  else if (request.kind === 'cpu') reply({ kind: 'cpu', ms: threadCpuMs() });
  else {
    acks.release();
    // Once the servers are closed (dynalite's LevelDB too), nothing here is needed: the thread ends, whatever timers
    // or sockets the libraries still hold.
    void (servers?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  }
});

try {
  servers = await startProtocolServers({ ...data, beforeAnswer: () => acks.settled() });
  // s3rver's event object is plain data (its class returns a literal): it crosses to the other thread as it is.
  servers.onObjectEvent((event) => reply({ kind: 'event', seq: ++acks.emitted, event }));
  reply({ kind: 'ready', s3Endpoint: servers.s3Endpoint, s3rverEndpoint: servers.s3rverEndpoint, dynamodbEndpoint: servers.dynamodbEndpoint });
} catch (error) {
  reply({ kind: 'failed', message: (error as Error).message });
  port.close();
}
