import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { VisibleError } from '../../pipeline/failure.ts';

/**
 * The S3- and DynamoDB-protocol servers, in this process, on 127.0.0.1 and free ports: s3rver (files under
 * `<dataDir>/s3`) and dynalite (in memory, or LevelDB under `<dataDir>/dynamodb` when the data is kept).
 */

export interface LocalServers {
  s3: { endpoint: string; server: S3rver; onObjectEvent(listener: (event: unknown) => void): void };
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
  const segments = decoded.split('/').slice(2);
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'keys with "." or ".." segments would be written outside the local server\'s folder';
  if (decoded.includes('\u0000')) return 'keys with NUL characters cannot be stored as files';
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
  // First in the chain (the middleware list is composed when the server starts listening, in run()).
  (s3 as unknown as { middleware: unknown[] }).middleware.unshift(keyGuard);
  let s3Address: AddressInfo;
  try {
    s3Address = await s3.run();
  } catch (error) {
    throw new ServerStartError(`S3 server (s3rver) did not start: ${(error as Error).message}`, { cause: error });
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
    await s3.close().catch(() => {});
    throw new ServerStartError(`DynamoDB server (dynalite) did not start: ${(error as Error).message}`, { cause: error });
  }
  const dynamoAddress = dynamo.address() as AddressInfo;

  return {
    s3: {
      endpoint: `http://127.0.0.1:${s3Address.port}`,
      server: s3,
      // s3rver is a Koa application (an EventEmitter); its typings leave that out.
      onObjectEvent: (listener) => (s3 as unknown as EventEmitter).on('event', listener),
    },
    dynamodb: { endpoint: `http://127.0.0.1:${dynamoAddress.port}`, server: dynamo },
    close: async () => {
      await Promise.all([s3.close().catch(() => {}), closeHttp(dynamo)]);
    },
  };
}
