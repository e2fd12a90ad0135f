// The reconciler on the local servers: whatever failed on the way (a lost message, an S3 or DynamoDB outage longer
// than every retry, an object removed under a running upload), every upload ends scored or failed with a reason, and
// the report says what was done. Each describe starts its own stack (its own servers and queues), so the reconciler
// sees only its own uploads.
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSk, unitStatusKey, uploadKey, type ReportItem } from '../../schemas/storage.ts';
import { reviewUploadKey, type ReviewRoundItem } from '../../schemas/review.ts';
import { UnitStatus } from '../../schemas/unit-status.ts';
import { makeDocumentClient, makeS3Client } from '../../functions/aws/clients.ts';
import { DynamoTable } from '../../functions/aws/table.ts';
import { GONE_REASON } from '../../functions/ingest/ingest.ts';
import { Records } from '../../functions/shared/records.ts';
import { GAVE_UP_REVIEW_REASON, ReviewRecords, unfinishedReviewReason } from '../../functions/shared/review-records.ts';
import { reviewWorkbook, UnusableWorkbookError } from '../../pipeline/review/index.ts';
import { toReportingTime } from '../../functions/shared/submission.ts';
import { NormalizedReport } from '../../schemas/report.ts';
import { normalizedKey } from '../../schemas/storage.ts';
import { unitReportKey } from '../../cli/invite/forms.ts';
import type { LocalQueue } from '../../cli/local/queue.ts';
import { startLocalStack, type LocalStack } from '../../cli/local/stack.ts';
import { waitForUploads } from '../../cli/local/wait.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { fazhiAgainst, sample, SHORT_TXT } from './support.ts';

const COUNTY = '对账县';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function itemOf(records: Records, key: string): Promise<ReportItem | undefined> {
  return (await records.partition(2024, COUNTY)).reports.find((r) => r.sk === reportSk(key));
}

/** Waits until every key is scored or failed (any version), and returns the items. */
async function final(stack: LocalStack, keys: string[]): Promise<Map<string, ReportItem>> {
  const outcome = await waitForUploads(
    stack.records,
    keys.map((key) => ({ key, year: 2024, county: COUNTY })),
    { since: 0, idle: () => false, stallMs: 30_000, pollMs: 25 },
  );
  expect(outcome.stuck).toEqual([]);
  return outcome.statuses;
}

interface OutageStack {
  stack: LocalStack;
  s3Proxy: FaultProxy;
  dynamoProxy: FaultProxy;
  /** S3 and the table past the proxies, for writing and looking while a server is "down" for the pipeline. */
  raw: S3Client;
  direct: DynamoTable;
  close(): Promise<void>;
}

/** A stack of its own whose S3 and DynamoDB a test can cut off for the pipeline (fault proxies in front of both). */
async function startOutageStack(name: string, maxReceiveCount: number): Promise<OutageStack> {
  const proxies: { s3?: FaultProxy; dynamodb?: FaultProxy } = {};
  const stack = await startLocalStack({
    bucket: name,
    table: name,
    visibilityTimeoutMs: 20,
    maxReceiveCount,
    testEvents: false,
    via: async (servers) => {
      proxies.s3 = await startFaultProxy(servers.s3);
      proxies.dynamodb = await startFaultProxy(servers.dynamodb);
      return { s3: proxies.s3.endpoint, dynamodb: proxies.dynamodb.endpoint };
    },
  });
  const [s3Proxy, dynamoProxy] = [proxies.s3!, proxies.dynamodb!];
  const raw = makeS3Client({ s3Endpoint: stack.endpoints.s3 });
  const direct = new DynamoTable(makeDocumentClient({ dynamodbEndpoint: stack.endpoints.dynamodb }), stack.table);
  const close = async (): Promise<void> => {
    raw.destroy();
    await stack.close();
    await Promise.all([s3Proxy.close(), dynamoProxy.close()]);
  };
  return { stack, s3Proxy, dynamoProxy, raw, direct, close };
}

/**
 * An outage that does not end, with the reconciler run after each dead letter (`letterArrived`): the server behind
 * `proxy` is up only while it runs, and `queue` paused meanwhile, so the work it sends again still meets the outage.
 * The actions it took, until it gave up (or three rounds).
 */
async function reconcileThroughOutage(stack: LocalStack, queue: LocalQueue, proxy: FaultProxy, letterArrived: () => Promise<boolean>): Promise<string[]> {
  const actions: string[] = [];
  for (let round = 0; round < 3; round++) {
    await until('the dead letter', letterArrived);
    queue.pause();
    proxy.up();
    const report = await stack.reconcile();
    proxy.down();
    queue.resume();
    actions.push(...report.actions.map((a) => `${a.action}:${a.why}`));
    if (report.actions.some((a) => a.action === 'failed')) break;
  }
  return actions;
}

const put = (s3: S3Client, bucket: string, key: string, body: Uint8Array) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

describe('reconciling lost work', () => {
  let stack: LocalStack;
  let raw: S3Client;
  let bytes: Buffer;

  beforeAll(async () => {
    stack = await startLocalStack({ bucket: 'fazhi-reconcile', table: 'fazhi-reconcile', visibilityTimeoutMs: 20, maxReceiveCount: 3, testEvents: false });
    raw = makeS3Client({ s3Endpoint: stack.endpoints.s3 });
    bytes = await sample(SHORT_TXT);
  });
  afterAll(async () => {
    raw.destroy();
    await stack.close();
  });

  /** Uploads `key`, lets ingest parse it and loses its scoring message (as a killed run would): how many were lost. */
  async function parsedThenScoringLost(key: string): Promise<number> {
    stack.queues.score.pause();
    await put(raw, stack.bucket, key, bytes);
    await until('parsed', async () => (await itemOf(stack.records, key))?.status === 'parsed');
    const lost = stack.queues.score.purge();
    stack.queues.score.resume();
    return lost;
  }

  it('re-drives an upload whose event was lost, keeping its receipt time as the submission date', async () => {
    // Prepare: the upload event never reaches ingest (as when a local run is killed with it queued).
    const key = uploadKey(2024, COUNTY, '丢失事件.txt');
    stack.queues.ingest.pause();
    await put(raw, stack.bucket, key, bytes);
    expect(stack.queues.ingest.purge()).toBe(1);
    stack.queues.ingest.resume();
    const [listed] = await stack.store.list(key);
    // Act
    const report = await stack.reconcile();
    // Assess
    expect(report.actions).toEqual([{ source: key, stage: 'ingest', action: 'redriven', why: 'no-status' }]);
    const item = (await final(stack, [key])).get(key)!;
    expect(item.status).toBe('scored');
    expect(item.uploadedAt).toBe(listed!.lastModified.toISOString());
    const normalized = await stack.store.getJson(normalizedKey(item), NormalizedReport);
    expect(normalized.submission.submittedAt).toBe(toReportingTime(listed!.lastModified));
  });

  it('sends a score command for an upload left parsed (its scoring message lost)', async () => {
    // Prepare
    const key = uploadKey(2024, COUNTY, '停在已解析.txt');
    expect(await parsedThenScoringLost(key)).toBe(1);
    // Act
    const report = await stack.reconcile();
    // Assess
    expect(report.actions).toEqual([{ source: key, stage: 'score', action: 'redriven', why: 'stalled' }]);
    expect((await final(stack, [key])).get(key)).toMatchObject({ status: 'scored', redrives: 1 });
  });

  it('marks failed, with the reason, an unfinished upload whose original is gone', async () => {
    // Prepare
    const key = uploadKey(2024, COUNTY, '已删除.txt');
    expect(await parsedThenScoringLost(key)).toBe(1);
    await raw.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: key }));
    // Act
    const report = await stack.reconcile();
    // Assess
    expect(report.actions).toEqual([{ source: key, stage: 'score', action: 'failed', why: 'gone', reason: GONE_REASON.message }]);
    expect((await itemOf(stack.records, key))?.failure).toEqual(GONE_REASON);
  });

  it("says so on the unit's upload page too when it marks failed an upload from a unit folder", async () => {
    // Prepare: an upload from 对账镇's page, left parsed, whose original is then removed
    const key = unitReportKey(2024, COUNTY, '对账镇', '.txt');
    const statusKey = unitStatusKey(2024, COUNTY, '对账镇');
    expect(await parsedThenScoringLost(key)).toBe(1);
    await raw.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: key }));
    const before = await stack.store.getJson(statusKey, UnitStatus);
    // Act
    await stack.reconcile();
    // Assess
    expect(before.state).toBe('parsed');
    const after = await stack.store.getJson(statusKey, UnitStatus);
    expect(after).toMatchObject({ unit: '对账镇', state: 'failed', reason: { code: GONE_REASON.code, message: GONE_REASON.message } });
  });

  it('changes nothing in a dry run, and says what it would do', async () => {
    // Prepare
    const key = uploadKey(2024, COUNTY, '试运行.txt');
    stack.queues.ingest.pause();
    await put(raw, stack.bucket, key, bytes);
    stack.queues.ingest.purge();
    stack.queues.ingest.resume();
    // Act
    const dry = await stack.reconcile({ dryRun: true });
    await sleep(100);
    // Assess
    expect(dry).toMatchObject({ dryRun: true, actions: [{ source: key, action: 'redriven', why: 'no-status' }] });
    expect(await itemOf(stack.records, key)).toBeUndefined();
    expect((await stack.reconcile()).actions).toEqual([{ source: key, stage: 'ingest', action: 'redriven', why: 'no-status' }]);
    expect((await final(stack, [key])).get(key)?.status).toBe('scored');
  });

  it('finds nothing to do once everything is final', async () => {
    const report = await stack.reconcile();
    expect(report.actions).toEqual([]);
    expect(report.waiting).toEqual([]);
    expect(report.objects).toBe(3);
  });
});

describe('outages longer than the retries (S3, DynamoDB)', () => {
  let s3Proxy: FaultProxy;
  let dynamoProxy: FaultProxy;
  let stack: LocalStack;
  let raw: S3Client;
  /** The table read past the proxy, for looking while DynamoDB is "down". */
  let direct: Records;
  let bytes: Buffer;

  let outage: OutageStack;

  beforeAll(async () => {
    outage = await startOutageStack('fazhi-outage', 3);
    ({ stack, s3Proxy, dynamoProxy, raw } = outage);
    direct = new Records(outage.direct);
    bytes = await sample(SHORT_TXT);
  });
  afterAll(() => outage.close());

  const deadLetters = () => stack.queues.ingest.deadLetters.length + stack.queues.score.deadLetters.length;

  it('S3 down for every delivery: the upload is marked failed (internal) and dead-lettered; once S3 is back the reconciler re-drives it and it ends scored', async () => {
    // Prepare
    const key = uploadKey(2024, COUNTY, 'S3中断.txt');
    const before = deadLetters();
    s3Proxy.down();
    await put(raw, stack.bucket, key, bytes);
    await until('the dead letter', async () => deadLetters() > before);
    expect((await itemOf(direct, key))?.failure?.code).toBe('internal');
    s3Proxy.up();
    // Act
    const report = await stack.reconcile();
    // Assess
    expect(report.actions).toEqual([{ source: key, stage: 'ingest', action: 'redriven', why: 'dead-letter' }]);
    await until('scored', async () => (await itemOf(stack.records, key))?.status === 'scored');
    expect(deadLetters()).toBe(before);
  });

  it('DynamoDB down for every delivery: no status is written at all; once it is back the reconciler re-drives the dead letter and the upload ends scored', async () => {
    // Prepare
    const key = uploadKey(2024, COUNTY, 'DynamoDB中断.txt');
    const before = deadLetters();
    dynamoProxy.down();
    await put(raw, stack.bucket, key, bytes);
    await until('the dead letter', async () => deadLetters() > before);
    expect(await itemOf(direct, key)).toBeUndefined();
    dynamoProxy.up();
    // Act
    const report = await stack.reconcile();
    // Assess
    expect(report.actions).toEqual([{ source: key, stage: 'ingest', action: 'redriven', why: 'dead-letter' }]);
    await until('scored', async () => (await itemOf(stack.records, key))?.status === 'scored');
  });

  it('an outage that does not end: re-driven twice, then marked failed with the reason, its dead letter left for an operator', async () => {
    // Prepare
    const key = uploadKey(2024, COUNTY, '持续中断.txt');
    s3Proxy.down();
    await put(raw, stack.bucket, key, bytes);
    let actions: string[];
    try {
      // Act: the reconciler needs S3 to list.
      actions = await reconcileThroughOutage(
        stack,
        stack.queues.ingest,
        s3Proxy,
        async () => stack.queues.ingest.deadLetters.length > 0 && (await itemOf(direct, key))?.status === 'failed',
      );
    } finally {
      s3Proxy.up();
    }
    // Assess
    expect(actions).toEqual(['redriven:dead-letter', 'redriven:dead-letter', 'failed:gave-up']);
    const item = await itemOf(direct, key);
    expect(item).toMatchObject({ status: 'failed', redrives: 2 });
    expect(item?.failure?.code).toBe('internal');
    expect(stack.queues.ingest.deadLetters).toHaveLength(1);
  });
});

describe('a reviewed workbook whose every delivery fails (S3, DynamoDB)', () => {
  const MAX_RECEIVE_COUNT = 3;
  let s3Proxy: FaultProxy;
  let dynamoProxy: FaultProxy;
  let stack: LocalStack;
  let raw: S3Client;
  /** The review rounds read past the proxy. */
  let direct: ReviewRecords;
  /** A file saved as .xlsx that is no workbook: once read, the review refuses it for what it is. */
  const notAWorkbook = Buffer.from('这不是从本系统导出的工作簿');

  let outage: OutageStack;

  beforeAll(async () => {
    outage = await startOutageStack('fazhi-review-outage', MAX_RECEIVE_COUNT);
    ({ stack, s3Proxy, dynamoProxy, raw } = outage);
    direct = new ReviewRecords(outage.direct);
  });
  afterAll(() => outage.close());

  const roundsOf = async (key: string): Promise<ReviewRoundItem[]> => (await direct.history(2024, COUNTY)).rounds.filter((r) => r.workbookKey === key);
  const deadLetters = () => stack.queues.review.deadLetters.length;
  /** Uploads the workbook `key` while `proxy`'s server is down, and brings it back once its letter is dead. */
  async function deadLetteredDuring(proxy: FaultProxy, key: string): Promise<void> {
    proxy.down();
    try {
      await put(raw, stack.bucket, key, notAWorkbook);
      await until('the dead letter', async () => deadLetters() > 0);
    } finally {
      proxy.up();
    }
  }

  it('S3 down for every delivery: the review function records the round as refused, with what to do; the reconciler then clears its dead letter', async () => {
    // Prepare
    const key = reviewUploadKey(2024, COUNTY, 'S3中断.xlsx');
    await deadLetteredDuring(s3Proxy, key);
    const recorded = await roundsOf(key);
    // Act
    const report = await stack.reconcile();
    // Assess
    expect(recorded).toMatchObject([
      { status: 'refused', changes: 0, refusals: [{ sheet: '', row: null, message: unfinishedReviewReason(MAX_RECEIVE_COUNT) }] },
    ]);
    expect(report.actions).toEqual([{ source: key, stage: 'review', action: 'cleared', why: 'superseded' }]);
    expect(report.deadLetters).toBe(1);
    expect(deadLetters()).toBe(0);
    expect(await roundsOf(key)).toHaveLength(1);
    // What the assessor reads: `fazhi status --county`.
    const { s3, dynamodb } = stack.endpoints;
    const shown = await fazhiAgainst(['status', '--year', '2024', '--county', COUNTY], {
      bucket: stack.bucket,
      table: stack.table,
      s3Endpoint: s3,
      dynamodbEndpoint: dynamodb,
    });
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`S3中断.xlsx）没有被应用，其中的调整一项也没有生效，原因：\n  ✗ ${unfinishedReviewReason(MAX_RECEIVE_COUNT)}`);
  });

  it('DynamoDB down for every delivery: no round could be recorded; once it is back the reconciler re-drives the letter and the workbook is judged', async () => {
    // Prepare
    const key = reviewUploadKey(2024, COUNTY, 'DynamoDB中断.xlsx');
    const why = await reviewWorkbook(notAWorkbook, { at: new Date().toISOString(), workbook: key }).then(
      () => null,
      (error: unknown) => (error instanceof UnusableWorkbookError ? error.message : null),
    );
    await deadLetteredDuring(dynamoProxy, key);
    const before = await roundsOf(key);
    // Act
    const report = await stack.reconcile();
    const [round] = await until('the round', async () => {
      const rounds = await roundsOf(key);
      return rounds.length > 0 && rounds;
    });
    // Assess
    expect(before).toEqual([]);
    expect(report.actions).toEqual([{ source: key, stage: 'review', action: 'redriven', why: 'dead-letter' }]);
    expect(why).toEqual(expect.any(String));
    expect(round).toMatchObject({ status: 'refused', refusals: [{ message: why }] });
    expect(deadLetters()).toBe(0);
  });

  it('an outage that does not end: re-driven twice, then its round recorded as refused with the reason; the letter is gone', async () => {
    // Prepare
    const key = reviewUploadKey(2024, COUNTY, '持续中断.xlsx');
    dynamoProxy.down();
    let actions: string[];
    try {
      await put(raw, stack.bucket, key, notAWorkbook);
      // Act: the reconciler needs DynamoDB.
      actions = await reconcileThroughOutage(stack, stack.queues.review, dynamoProxy, async () => deadLetters() > 0);
    } finally {
      dynamoProxy.up();
    }
    // Assess
    expect(actions).toEqual(['redriven:dead-letter', 'redriven:dead-letter', 'failed:gave-up']);
    expect(await roundsOf(key)).toMatchObject([{ status: 'refused', changes: 0, refusals: [{ message: GAVE_UP_REVIEW_REASON }] }]);
    expect(deadLetters()).toBe(0);
  });
});
