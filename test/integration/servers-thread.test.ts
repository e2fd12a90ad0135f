// The local S3 and DynamoDB servers run in a thread of their own (cli/local/servers.ts): an object's S3 event must
// reach the listeners before the PUT that caused it returns (`fazhi local` stopped right after an upload must find its
// message queued), the servers must still be real HTTP endpoints, and close() must end the thread and its servers.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { makeS3Client } from '../../functions/aws/clients.ts';
import { startProtocolServers } from '../../cli/local/protocol-servers.ts';
import { startServers, type LocalServers } from '../../cli/local/servers.ts';

let dataDir: string;
let servers: LocalServers | undefined;
afterEach(async () => {
  await servers?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const eventKeys = (events: unknown[]): string[] => events.map((e) => (e as { Records: { s3: { object: { key: string } } }[] }).Records[0]!.s3.object.key);

describe('the local servers in their own thread', () => {
  it('has delivered each PUT’s event to the listeners by the time the PUT returns, in order', async () => {
    // Prepare
    dataDir = mkdtempSync(join(tmpdir(), 'fazhi-servers-thread-'));
    servers = await startServers({ dataDir, persistent: false });
    const events: unknown[] = [];
    servers.s3.onObjectEvent((event) => events.push(event));
    const s3 = makeS3Client({ s3Endpoint: servers.s3.endpoint });
    await s3.send(new CreateBucketCommand({ Bucket: 'thread' }));
    // Act: each PUT checked the moment it returns, none of them awaited by anything else first.
    const seenAtReturn: number[] = [];
    for (let i = 0; i < 20; i++) {
      await s3.send(new PutObjectCommand({ Bucket: 'thread', Key: `reports/2024/临澜县/${i}.txt`, Body: `第${i}份` }));
      seenAtReturn.push(events.length);
    }
    s3.destroy();
    // Assess
    expect(seenAtReturn).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(eventKeys(events)).toEqual(Array.from({ length: 20 }, (_, i) => `reports/2024/临澜县/${i}.txt`));
  });

  it('holds s3rver’s answer until the hook the thread uses to wait for the acknowledgement of its events resolves', async () => {
    // Prepare: the servers in this thread, with a hold released by hand.
    dataDir = mkdtempSync(join(tmpdir(), 'fazhi-servers-thread-'));
    let release = (): void => {};
    let holding = false;
    const here = await startProtocolServers({
      dataDir,
      persistent: false,
      beforeAnswer: () => (holding ? new Promise<void>((resolve) => (release = resolve)) : undefined),
    });
    const s3 = makeS3Client({ s3Endpoint: here.s3rverEndpoint });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'held' }));
      holding = true;
      // Act
      let answered = false;
      const put = s3.send(new PutObjectCommand({ Bucket: 'held', Key: 'reports/2024/临澜县/a.txt', Body: '甲' })).then(() => (answered = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const whileHeld = answered;
      release();
      await put;
      // Assess
      expect(whileHeld).toBe(false);
      expect(answered).toBe(true);
    } finally {
      s3.destroy();
      await here.close();
    }
  });

  it('closes its servers and ends the thread: the ports refuse connections and a fresh data folder is removed', async () => {
    // Prepare
    dataDir = mkdtempSync(join(tmpdir(), 'fazhi-servers-thread-'));
    servers = await startServers({ dataDir, persistent: false });
    const { s3, dynamodb, s3rverEndpoint } = servers;
    for (const endpoint of [s3.endpoint, s3rverEndpoint, dynamodb.endpoint])
      expect((await fetch(endpoint)).status, `${endpoint} answers HTTP`).toBeGreaterThanOrEqual(200);
    // Act
    await servers.close();
    servers = undefined;
    // Assess
    for (const endpoint of [s3.endpoint, s3rverEndpoint, dynamodb.endpoint]) await expect(fetch(endpoint)).rejects.toThrow();
    expect(existsSync(join(dataDir, 's3')), 's3rver resets its folder on close when the data is not kept').toBe(false);
  });
});
