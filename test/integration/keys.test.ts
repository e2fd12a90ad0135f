// Keys are checked where they enter: the local S3 server refuses keys it would write outside its folder, and the
// pipeline files an upload whose name it cannot use with the reason (not as "misplaced").
import { readdirSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSk } from '../../schemas/storage.ts';
import { makeS3Client } from '../../functions/aws/clients.ts';
import { startLocalStack, type LocalStack } from '../../cli/local/stack.ts';
import { connectTo, sample, SHORT_TXT, uniqueCounty } from './support.ts';

const pipeline = connectTo('pipeline');

describe('the local S3 server', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ bucket: 'fazhi-keys', table: 'fazhi-keys', testEvents: false, isolate: false });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('refuses a key with ".." segments instead of writing outside its folder', async () => {
    // Prepare
    const s3 = makeS3Client({ s3Endpoint: stack.endpoints.s3 });
    // s3rver stores bucket/key as <dataDir>/s3/<bucket>/<key>: three ".." from reports/ would land in <dataDir>.
    const escaped = () => readdirSync(stack.dataDir).filter((n) => n.includes('escaped'));
    // Act
    const attempt = s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: 'reports/../../../escaped-by-key.txt', Body: 'x' }));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'InvalidArgument' });
    expect(escaped()).toEqual([]);
    s3.destroy();
  });
});

describe('an upload whose name cannot be used', () => {
  it('is failed in its county·year with the reason (a newline in the file name)', async () => {
    // Prepare
    const county = uniqueCounty('换行');
    const key = `reports/2024/${county}/望江镇\n报告.txt`;
    // Act
    await pipeline.store.put(key, await sample(SHORT_TXT), { contentType: 'text/plain' });
    let item;
    for (let i = 0; i < 400 && !item; i++) {
      item = (await pipeline.records.partition(2024, county)).reports.find((r) => r.sk === reportSk(key) && r.status === 'failed');
      if (!item) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Assess
    expect(item?.failure?.code).toBe('invalid-name');
    expect(item?.failure?.message).toContain('换行符');
  });
});
