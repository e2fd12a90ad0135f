// The local S3 server must read an object whole while the pipeline rewrites it (cli/local/s3rver-store.ts): the upload
// pages poll their status object during processing. Unpatched s3rver 3.7.1 hangs or returns a mix here. Its bucket
// configuration (CORS) is kept in memory, and must still follow every change made through the S3 API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCorsCommand, GetObjectCommand, PutBucketCorsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeS3Client } from '../../functions/aws/clients.ts';
import { startServers, type LocalServers } from '../../cli/local/servers.ts';

let servers: LocalServers;
let dataDir: string;
let writer: S3Client;
let reader: S3Client;
const BUCKET = 'consistency';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fazhi-s3rver-store-'));
  servers = await startServers({ dataDir, persistent: false });
  writer = makeS3Client({ s3Endpoint: servers.s3rverEndpoint });
  reader = makeS3Client({ s3Endpoint: servers.s3rverEndpoint });
  await writer.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  writer.destroy();
  reader.destroy();
  await servers.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const body = (i: number): string => `${i}:`.padEnd(200 + (i % 7) * 700, String.fromCharCode(97 + (i % 26)));
const read = async (key: string): Promise<string> => (await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();

describe('the local S3 server under overwrites', () => {
  it('reads every version whole while the object is rewritten (no short answer, no mix of two versions)', async () => {
    // Prepare
    const key = 'status/2024/临澜县/望江镇.json';
    const written = new Set([body(0)]);
    await writer.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body(0) }));
    let writing = true;
    // Act: rewrite the object 300 times, shrinking and growing it, while reading it as fast as possible
    const writes = (async () => {
      for (let i = 1; i <= 300; i++) {
        written.add(body(i));
        await writer.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body(i) }));
      }
      writing = false;
    })();
    const seen: string[] = [];
    while (writing) seen.push(await read(key));
    await writes;
    // Assess
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((text) => !written.has(text))).toEqual([]);
  });

  it('reads right after a write exactly what was written', async () => {
    // Prepare / Act
    const mismatches: number[] = [];
    for (let i = 0; i < 150; i++) {
      await writer.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'normalized/x.json', Body: body(i) }));
      if ((await read('normalized/x.json')) !== body(i)) mismatches.push(i);
    }
    // Assess
    expect(mismatches).toEqual([]);
  });
});

describe("the local S3 server's bucket configuration", () => {
  /** The Access-Control-Allow-Origin s3rver answers a GET from `origin` with (null: none), as a browser would see it. */
  async function allowedOrigin(origin: string): Promise<string | null> {
    const response = await fetch(`${servers.s3rverEndpoint}/${BUCKET}/normalized/x.json`, { headers: { origin } });
    await response.arrayBuffer();
    return response.headers.get('access-control-allow-origin');
  }
  const cors = (origin: string) => ({ Bucket: BUCKET, CORSConfiguration: { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: [origin] }] } });

  it('is read once and kept, yet every change made through the S3 API applies to the next request', async () => {
    // Prepare
    await writer.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'normalized/x.json', Body: 'x' }));
    // Act / Assess: set, replace, delete, set again — each answered as configured right after.
    await writer.send(new PutBucketCorsCommand(cors('http://a.example')));
    expect(await allowedOrigin('http://a.example')).toBe('http://a.example');
    expect(await allowedOrigin('http://a.example')).toBe('http://a.example');
    await writer.send(new PutBucketCorsCommand(cors('http://b.example')));
    expect(await allowedOrigin('http://a.example')).toBeNull();
    expect(await allowedOrigin('http://b.example')).toBe('http://b.example');
    await writer.send(new DeleteBucketCorsCommand({ Bucket: BUCKET }));
    expect(await allowedOrigin('http://b.example')).toBeNull();
    await writer.send(new PutBucketCorsCommand(cors('http://c.example')));
    expect(await allowedOrigin('http://c.example')).toBe('http://c.example');
  });
});
