import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { LOCAL_CREDENTIALS } from '../../functions/aws/clients.ts';
import { VisibleError } from '../../pipeline/failure.ts';
import { startS3Front, type S3Front } from './s3-front.ts';
import { cacheBucketSubresources, makeStoreConsistent } from './s3rver-store.ts';

/**
 * The S3- and DynamoDB-protocol servers, in this process, on 127.0.0.1 and free ports: s3rver (files under
 * `<dataDir>/s3`) and dynalite (in memory, or LevelDB under `<dataDir>/dynamodb` when the data is kept). The S3
 * endpoint is a front (s3-front.ts) that checks browser-upload policies, which s3rver ignores, and passes the rest on.
 */

export interface LocalServers {
  s3: { endpoint: string; server: S3rver; onObjectEvent(listener: (event: unknown) => void): void };
  /** s3rver's own address, behind the front (tests use it to show what s3rver alone would accept). */
  s3rverEndpoint: string;
  dynamodb: { endpoint: string; server: Server };
  close(): Promise<void>;
}

export class ServerStartError extends VisibleError {
  override readonly name = 'ServerStartError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // Keep-alive sockets of the SDK would hold close() open until they time out.
    server.closeAllConnections();
    server.close(() => resolve());
  });
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
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) return 'keys with "." or ".." segments would be written outside the local server\'s folder';
  if (key.includes('\u0000')) return 'keys with NUL characters cannot be stored as files';
  return null;
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

export async function startServers(options: { dataDir: string; persistent: boolean }): Promise<LocalServers> {
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(options.dataDir, 's3'),
    resetOnClose: !options.persistent,
  });
  // The middleware list is composed when the server starts listening, in run(): the key guard goes first in it, and
  // s3rver's request logger (koa-logger) goes. With `silent` nothing it writes is shown, yet it formats a line for
  // every request and wraps every response body in a counting stream: in a burst, a large share of s3rver's CPU time.
  const middleware = (s3 as unknown as { middleware: { name: string }[] }).middleware;
  const requestLogger = middleware.findIndex((fn) => fn.name === 'logger');
  if (requestLogger >= 0) middleware.splice(requestLogger, 1);
  middleware.unshift(keyGuard);
  // Overwrites atomic and reads whole, as S3's are (s3rver-store.ts): pages poll objects the pipeline rewrites.
  makeStoreConsistent(s3);
  cacheBucketSubresources(s3);
  let s3Address: AddressInfo;
  try {
    s3Address = await s3.run();
  } catch (error) {
    throw new ServerStartError(`S3 server (s3rver) did not start: ${(error as Error).message}`, { cause: error });
  }

  let front: S3Front;
  try {
    // The key guard above sees only the path; a browser upload's key is a form field, so the front checks it too.
    front = await startS3Front({ upstream: `http://127.0.0.1:${s3Address.port}`, credentials: LOCAL_CREDENTIALS, unsafeKey: unsafeObjectKey });
  } catch (error) {
    await s3.close().catch(() => {});
    throw new ServerStartError(`S3 front did not start: ${(error as Error).message}`, { cause: error });
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
    throw new ServerStartError(`DynamoDB server (dynalite) did not start: ${(error as Error).message}`, { cause: error });
  }
  const dynamoAddress = dynamo.address() as AddressInfo;

  return {
    s3: {
      endpoint: front.endpoint,
      server: s3,
      // s3rver is a Koa application (an EventEmitter); its typings leave that out.
      onObjectEvent: (listener) => (s3 as unknown as EventEmitter).on('event', listener),
    },
    s3rverEndpoint: `http://127.0.0.1:${s3Address.port}`,
    dynamodb: { endpoint: `http://127.0.0.1:${dynamoAddress.port}`, server: dynamo },
    close: async () => {
      await front.close();
      await Promise.all([s3.close().catch(() => {}), closeHttp(dynamo)]);
    },
  };
}
