import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_UPLOAD_BYTES } from '../../pipeline/extract/limits.ts';
import { corsHeadersFor } from './cors.ts';
import { checkPostPolicy, s3ErrorXml, type PostForm, type PostRefusal } from './post-policy.ts';

/**
 * The local stack's S3 endpoint: a thin HTTP front on 127.0.0.1 that passes every request to s3rver unchanged,
 * except a browser upload (POST Object), whose policy it checks first as S3 does (post-policy.ts) — s3rver itself
 * accepts any POST. A refused POST gets S3's status, error XML and CORS headers, so the upload page sees what it would
 * see from AWS; an accepted one goes to s3rver byte for byte, which stores it and emits the ObjectCreated:Post event.
 */

/**
 * Largest POST body the front reads into memory: the biggest upload a policy may allow plus room for the form
 * fields. A bigger body is drained unread and refused as too large (S3 would stop at the policy's limit as well).
 */
export const MAX_POST_BODY_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024;

export interface S3FrontOptions {
  /** s3rver's own address, e.g. http://127.0.0.1:4568. */
  upstream: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Why s3rver must not store an object under this key (it would land outside its folder), or null. */
  unsafeKey?: (key: string) => string | null;
  clock?: () => Date;
}

export interface S3Front {
  endpoint: string;
  close(): Promise<void>;
}

/** `POST /{bucket}` (path style, no query) with a multipart body: S3's browser upload. */
function isPostObject(req: IncomingMessage): string | null {
  if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')) return null;
  const match = /^\/([^/?]+)\/?$/.exec(req.url ?? '');
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

/** The body, or null when it is over the limit (then drained, so the client still reads the answer). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size <= limit ? Buffer.concat(chunks) : null;
}

/** The fields before the file and the file's size, parsed by the platform's own multipart parser (undici). */
async function parseForm(body: Buffer, contentType: string): Promise<PostForm | null> {
  let data: FormData;
  try {
    data = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return null;
  }
  const fields: PostForm['fields'][number][] = [];
  let fileSize: number | null = null;
  for (const [name, value] of data.entries()) {
    if (typeof value !== 'string') {
      if (name === 'file' && fileSize === null) fileSize = value.size;
      continue;
    }
    // S3 ignores the fields after the file.
    if (fileSize === null) fields.push({ name, value });
  }
  return { fields, fileSize };
}

function refuse(req: IncomingMessage, res: ServerResponse, refusal: PostRefusal): void {
  const body = s3ErrorXml(refusal);
  res.writeHead(refusal.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    ...corsHeadersFor(req.headers.origin, 'POST'),
  });
  res.end(body);
}

export async function startS3Front(options: S3FrontOptions): Promise<S3Front> {
  const upstream = new URL(options.upstream);
  const clock = options.clock ?? (() => new Date());
  const agent = new Agent({ keepAlive: true });

  /** Sends a request on to s3rver and its answer back; `body` replaces the request's own stream when given. */
  function forward(req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
    const headers = { ...req.headers };
    if (body) {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(body.length);
    }
    const upstreamRequest = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstreamRequest.on('error', (error) => {
      if (!res.headersSent) refuse(req, res, { status: 502, code: 'InternalError', message: `local S3 server unreachable: ${error.message}` });
      else res.destroy(error);
    });
    if (body) upstreamRequest.end(body);
    else req.pipe(upstreamRequest);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bucket = isPostObject(req);
    if (bucket === null) return forward(req, res);
    const body = await readBody(req, MAX_POST_BODY_BYTES);
    if (!body) return refuse(req, res, { status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' });
    const form = await parseForm(body, req.headers['content-type'] ?? '');
    if (!form)
      return refuse(req, res, { status: 400, code: 'MalformedPOSTRequest', message: 'The body of your POST request is not well-formed multipart/form-data.' });
    const refusal = checkPostPolicy(form, { bucket, now: clock(), credentials: options.credentials });
    if (refusal) return refuse(req, res, refusal);
    const key = form.fields.find((field) => field.name.toLowerCase() === 'key')?.value ?? '';
    const unsafe = options.unsafeKey?.(key);
    if (unsafe) return refuse(req, res, { status: 400, code: 'InvalidArgument', message: unsafe });
    forward(req, res, body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) refuse(req, res, { status: 500, code: 'InternalError', message: (error as Error).message });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
