import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { LOCAL_CREDENTIALS } from '../../functions/aws/clients.ts';
import { startS3Front, type S3Front } from './s3-front.ts';
import { cacheBucketSubresources, makeStoreConsistent } from './s3rver-store.ts';
import { unsafeLocalKey, unsafeObjectKey } from './servers.ts';

/**
 * The S3- and DynamoDB-protocol servers themselves, on 127.0.0.1 and free ports: s3rver (files under `<dataDir>/s3`)
 * and dynalite (in memory, or LevelDB under `<dataDir>/dynamodb` when the data is kept). The S3 endpoint is a front
 * (s3-front.ts) that checks browser-upload policies, which s3rver ignores, and passes the rest on. They run in the
 * thread that calls this: the local stack starts them in a thread of their own (servers.ts, servers-worker.ts).
 */

export interface ProtocolServersOptions {
  dataDir: string;
  persistent: boolean;
  /**
   * Awaited before s3rver answers any request, after the request's object events were emitted: lets the caller hold
   * the answer until those events are delivered, so a client whose PUT returned knows its notification is queued.
   */
  beforeAnswer?: () => Promise<void> | undefined;
}

export interface ProtocolServers {
  /** The front's address (policy checks of browser uploads, then s3rver). */
  s3Endpoint: string;
  /** s3rver's own address, behind the front. */
  s3rverEndpoint: string;
  dynamodbEndpoint: string;
  /** s3rver's object events (ObjectCreated/ObjectRemoved), as s3rver emits them. */
  onObjectEvent(listener: (event: unknown) => void): void;
  close(): Promise<void>;
}

/** Which server did not start, and why (the caller turns it into the user-facing ServerStartError). */
export class ProtocolServerStartError extends Error {
  override readonly name = 'ProtocolServerStartError';
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // Keep-alive sockets of the SDK would hold close() open until they time out.
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A Koa middleware (s3rver is a Koa application) answering unsafe keys with an S3-style 400 before s3rver sees them. */
type KoaContext = { path: string; status: number; type: string; body: unknown };
const keyGuard = async (ctx: KoaContext, next: () => Promise<void>): Promise<void> => {
  const problem = unsafeLocalKey(ctx.path);
  if (!problem) return next();
  ctx.status = 400;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code><Message>${problem}</Message></Error>`;
};

export async function startProtocolServers(options: ProtocolServersOptions): Promise<ProtocolServers> {
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(options.dataDir, 's3'),
    resetOnClose: !options.persistent,
  });
  // The middleware list is composed when the server starts listening, in run(): the key guard goes first in it (after
  // the caller's hold on answers), and s3rver's request logger (koa-logger) goes. With `silent` nothing it writes is shown, yet it formats a line for
  // every request and wraps every response body in a counting stream: in a burst, a large share of s3rver's CPU time.
  const middleware = (s3 as unknown as { middleware: { name: string }[] }).middleware;
  const requestLogger = middleware.findIndex((fn) => fn.name === 'logger');
  if (requestLogger >= 0) middleware.splice(requestLogger, 1);
  middleware.unshift(keyGuard);
  const beforeAnswer = options.beforeAnswer;
  if (beforeAnswer) {
    middleware.unshift(async (_ctx: KoaContext, next: () => Promise<void>): Promise<void> => {
      await next();
      await beforeAnswer();
    });
  }
  // Overwrites atomic and reads whole, as S3's are (s3rver-store.ts): pages poll objects the pipeline rewrites.
  makeStoreConsistent(s3);
  cacheBucketSubresources(s3);
  let s3Address: AddressInfo;
  try {
    s3Address = await s3.run();
  } catch (error) {
    throw new ProtocolServerStartError(`S3 server (s3rver) did not start: ${(error as Error).message}`, { cause: error });
  }

  let front: S3Front;
  try {
    // The key guard above sees only the path; a browser upload's key is a form field, so the front checks it too.
    front = await startS3Front({ upstream: `http://127.0.0.1:${s3Address.port}`, credentials: LOCAL_CREDENTIALS, unsafeKey: unsafeObjectKey });
  } catch (error) {
    await s3.close().catch(() => {});
    throw new ProtocolServerStartError(`S3 front did not start: ${(error as Error).message}`, { cause: error });
  }

  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.persistent ? { path: join(options.dataDir, 'dynamodb') } : {}) });
  try {
    await new Promise<void>((resolve, reject) => {
      dynamo.once('error', reject);
      dynamo.listen(0, '127.0.0.1', () => {
        dynamo.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await Promise.all([front.close(), s3.close().catch(() => {})]);
    throw new ProtocolServerStartError(`DynamoDB server (dynalite) did not start: ${(error as Error).message}`, { cause: error });
  }
  const dynamoAddress = dynamo.address() as AddressInfo;

  return {
    s3Endpoint: front.endpoint,
    s3rverEndpoint: `http://127.0.0.1:${s3Address.port}`,
    dynamodbEndpoint: `http://127.0.0.1:${dynamoAddress.port}`,
    // s3rver is a Koa application (an EventEmitter); its typings leave that out.
    onObjectEvent: (listener) => (s3 as unknown as EventEmitter).on('event', listener),
    close: async () => {
      await front.close();
      await Promise.all([s3.close().catch(() => {}), closeHttp(dynamo)]);
    },
  };
}
