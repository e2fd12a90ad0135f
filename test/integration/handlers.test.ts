// The handlers driven by hand with AWS-shaped events, against the real local servers (a bucket and table without
// event wiring, so nothing else touches what a test sets up): replays, ordering, partial batch failures, the
// s3:TestEvent, last-attempt failures, and the size rule that dynalite does not enforce.
import { beforeAll, describe, expect, it } from 'vitest';
import { NormalizedReport } from '../../schemas/report.ts';
import { MAX_ITEM_BYTES, normalizedKey, padSequencer, reportSk, unitStatusKey, uploadKey, type ReportItem } from '../../schemas/storage.ts';
import { UnitStatus } from '../../schemas/unit-status.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { ItemTooLargeError } from '../../functions/aws/table.ts';
import { INTERNAL_REASON, makeIngestHandler } from '../../functions/ingest/ingest.ts';
import { makeScoreHandler, SCORING_FAILED } from '../../functions/score/score.ts';
import { inProcessParser, inProcessScorer } from '../../functions/shared/isolated.ts';
import { connectTo, handlersOn, GOOD_REPORT, nextSequencer, sample, SHORT_TXT, sqsEvent, uniqueCounty, uploadEventBody } from './support.ts';
import { testEventBody } from '../../cli/local/notifications.ts';
import { unitReportKey } from '../../cli/invite/forms.ts';
import { CLAIM_DIFFERS_WARNING, toReportingTime } from '../../functions/shared/submission.ts';

const direct = connectTo('direct');
const { ingest, score } = handlersOn(direct);

/** Puts an object and returns the S3 event body for it with the given (or next) sequencer. */
async function put(key: string, bytes: Uint8Array, sequencer = nextSequencer(), metadata: Record<string, string> = {}): Promise<string> {
  await direct.store.put(key, bytes, { contentType: 'text/plain', metadata });
  return uploadEventBody(direct.store.bucket, key, { sequencer, size: bytes.byteLength });
}

/** The S3 event of an upload's normalised report (what triggers scoring). */
const normalizedEvent = (upload: ReportItem): string => uploadEventBody(direct.store.bucket, normalizedKey(upload), { sequencer: nextSequencer(), size: 1 });

async function item(county: string, key: string, year = 2024) {
  return (await direct.records.partition(year, county)).reports.find((r) => r.sk === reportSk(key));
}

describe('s3:TestEvent', () => {
  it('is acknowledged (not retried) by ingest and score, and logged', async () => {
    const before = direct.logs.length;
    const body = testEventBody(direct.store.bucket, new Date());
    expect(await ingest(sqsEvent([body]))).toEqual({ batchItemFailures: [] });
    expect(await score(sqsEvent([body]))).toEqual({ batchItemFailures: [] });
    const lines = direct.logs.slice(before).map((l) => JSON.parse(l) as { message: string; level: string });
    expect(lines.filter((l) => l.message === 's3:TestEvent acknowledged')).toHaveLength(2);
  });
});

describe('replays and ordering', () => {
  it('gives one result when the same event is delivered twice', async () => {
    const county = uniqueCounty('重放');
    const key = uploadKey(2024, county, SHORT_TXT);
    const body = await put(key, await sample(SHORT_TXT));
    expect(await ingest(sqsEvent([body]))).toEqual({ batchItemFailures: [] });
    const first = await item(county, key);
    expect(first?.status).toBe('parsed');
    const before = direct.logs.length;
    expect(await ingest(sqsEvent([body], 2))).toEqual({ batchItemFailures: [] });
    expect(await item(county, key)).toEqual(first);
    expect(direct.logs.slice(before).some((l) => l.includes('older or already handled'))).toBe(true);

    // Scoring twice: one score item, unchanged.
    expect(await score(sqsEvent([normalizedEvent(first!)]))).toEqual({ batchItemFailures: [] });
    const scored = await direct.records.partition(2024, county);
    expect(await score(sqsEvent([normalizedEvent(first!)], 2))).toEqual({ batchItemFailures: [] });
    const again = await direct.records.partition(2024, county);
    expect(again.scores).toHaveLength(1);
    expect(again.scores.map(({ scoredAt: _a, ...rest }) => rest)).toEqual(scored.scores.map(({ scoredAt: _a, ...rest }) => rest));
    expect(again.reports[0]?.status).toBe('scored');
  });

  it('never lets an older event for the same key overwrite a newer one', async () => {
    const county = uniqueCounty('乱序');
    const key = uploadKey(2024, county, '报告.txt');
    const older = padSequencer('1000');
    const newer = padSequencer('2000');
    // The newer version (the long report) arrives first; the older (short) event comes late.
    const newerBody = await put(key, await sample('青石镇2024年度法治政府建设工作情况的报告.txt'), '2000');
    const olderBody = uploadEventBody(direct.store.bucket, key, { sequencer: '1000', size: (await sample(SHORT_TXT)).byteLength });
    await ingest(sqsEvent([newerBody]));
    const afterNewer = await item(county, key);
    expect(afterNewer).toMatchObject({ sequencer: newer, status: 'parsed', township: '青石镇' });
    expect(await ingest(sqsEvent([olderBody]))).toEqual({ batchItemFailures: [] });
    expect(await item(county, key)).toEqual(afterNewer);
    expect(older < newer).toBe(true);
  });

  it('keeps the newer version scored when an older normalised report is scored late', async () => {
    const county = uniqueCounty('旧版');
    const key = uploadKey(2024, county, '报告.txt');
    const v1 = await put(key, await sample(SHORT_TXT), '10');
    await ingest(sqsEvent([v1]));
    const first = await item(county, key);
    const v2 = await put(key, await sample('石门镇2024年法治政府建设工作报告.txt'), '20');
    await ingest(sqsEvent([v2]));
    const second = await item(county, key);
    expect(second?.reportId).not.toBe(first?.reportId);
    await score(sqsEvent([normalizedEvent(second!)]));
    await score(sqsEvent([normalizedEvent(first!)]));
    const { reports, scores } = await direct.records.partition(2024, county);
    expect(scores.map((s) => [s.reportId, s.sequencer, s.township])).toEqual([[second!.reportId, padSequencer('20'), '石门镇']]);
    expect(reports[0]).toMatchObject({ status: 'scored', reportId: second!.reportId, sequencer: padSequencer('20') });
  });
});

describe('batches', () => {
  it('fails only the malformed message of a batch; a bad file is recorded and acknowledged', async () => {
    const county = uniqueCounty('批次');
    const goodKey = uploadKey(2024, county, SHORT_TXT);
    const badKey = uploadKey(2024, county, '图片.docx');
    const good = await put(goodKey, await sample(SHORT_TXT));
    const bad = await put(badKey, Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 200 }, () => 0)]));
    const event = sqsEvent(['{"not":"an event"}', good, bad]);
    const response = await ingest(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect((await item(county, goodKey))?.status).toBe('parsed');
    const failed = await item(county, badKey);
    expect(failed?.status).toBe('failed');
    expect(failed?.failure?.code).toMatch(/not-a-report|unreadable/);
  });

  it('refuses an oversized upload from the event size without reading it', async () => {
    const county = uniqueCounty('超大');
    const key = uploadKey(2024, county, '巨大.pdf');
    const body = uploadEventBody(direct.store.bucket, key, { sequencer: nextSequencer(), size: 500 * 1024 * 1024 });
    // Nothing is stored under the key: a download attempt would fail differently.
    expect(await ingest(sqsEvent([body]))).toEqual({ batchItemFailures: [] });
    expect((await item(county, key))?.failure?.code).toBe('too-large');
  });

  it('marks the upload failed (internal) on the last delivery of a record that keeps throwing, then reports it', async () => {
    const county = uniqueCounty('内部');
    const key = uploadKey(2024, county, SHORT_TXT);
    const body = await put(key, await sample(SHORT_TXT));
    const broken = makeIngestHandler({
      store: {
        ...direct.store,
        bucket: direct.store.bucket,
        get: () => Promise.reject(new Error('S3 is down')),
        getJson: direct.store.getJson.bind(direct.store),
        put: direct.store.put.bind(direct.store),
        putStream: direct.store.putStream.bind(direct.store),
        putJson: direct.store.putJson.bind(direct.store),
        presignGet: direct.store.presignGet.bind(direct.store),
      },
      records: direct.records,
      log: direct.log,
      parser: inProcessParser,
      maxReceiveCount: 3,
    });
    const first = sqsEvent([body], 1);
    expect((await broken(first)).batchItemFailures).toHaveLength(1);
    expect((await item(county, key))?.status).toBe('received');
    expect((await broken(sqsEvent([body], 3))).batchItemFailures).toHaveLength(1);
    const failed = await item(county, key);
    expect(failed?.status).toBe('failed');
    expect(failed?.failure?.code).toBe('internal');
    // A redrive of the same event after the fix processes it.
    await ingest(sqsEvent([body], 1));
    expect((await item(county, key))?.status).toBe('parsed');
  });
});

describe('failure marking around every step of the score handler', () => {
  it('marks the upload failed (internal) on the last delivery when reading its normalised report keeps failing', async () => {
    // Prepare: a parsed upload whose normalised report cannot be read (S3 answers errors for it).
    const county = uniqueCounty('读失败');
    const key = uploadKey(2024, county, SHORT_TXT);
    await ingest(sqsEvent([await put(key, await sample(SHORT_TXT))]));
    const parsed = (await item(county, key))!;
    expect(parsed.status).toBe('parsed');
    const broken = makeScoreHandler({
      store: {
        ...direct.store,
        bucket: direct.store.bucket,
        get: direct.store.get.bind(direct.store),
        getJson: () => Promise.reject(new Error('S3 is down')),
        put: direct.store.put.bind(direct.store),
        putStream: direct.store.putStream.bind(direct.store),
        putJson: direct.store.putJson.bind(direct.store),
        presignGet: direct.store.presignGet.bind(direct.store),
      },
      records: direct.records,
      log: direct.log,
      scorer: inProcessScorer,
      maxReceiveCount: 3,
      defaultRubric: bundledRubricFor(null),
    });
    // Act: an early delivery, then the last one.
    const early = await broken(sqsEvent([normalizedEvent(parsed)], 1));
    const afterEarly = await item(county, key);
    const last = await broken(sqsEvent([normalizedEvent(parsed)], 3));
    // Assess
    expect(early.batchItemFailures).toHaveLength(1);
    expect(afterEarly?.status).toBe('parsed');
    expect(last.batchItemFailures).toHaveLength(1);
    expect((await item(county, key))?.failure).toEqual(SCORING_FAILED);
    // A redrive after the fix scores it.
    await score(sqsEvent([normalizedEvent(parsed)]));
    expect((await item(county, key))?.status).toBe('scored');
  });
});

describe("the unit's status object follows the failure marking (uploads from a unit's page)", () => {
  const statusOf = (county: string, unit: string) => direct.store.getJson(unitStatusKey(2024, county, unit), UnitStatus);
  const brokenStore = (broken: Partial<Pick<typeof direct.store, 'get' | 'getJson'>>) => ({
    ...direct.store,
    bucket: direct.store.bucket,
    get: broken.get ?? direct.store.get.bind(direct.store),
    getJson: broken.getJson ?? direct.store.getJson.bind(direct.store),
    put: direct.store.put.bind(direct.store),
    putStream: direct.store.putStream.bind(direct.store),
    putJson: direct.store.putJson.bind(direct.store),
    presignGet: direct.store.presignGet.bind(direct.store),
  });

  it('says failed, with the reason, when ingest or score gives up on the last delivery, and scored after the redrive', async () => {
    // Prepare: two units of one county; ingest cannot read the first's upload, score cannot read the second's report
    const county = uniqueCounty('单位失败');
    const first = unitReportKey(2024, county, '石门镇', '.txt');
    const second = unitReportKey(2024, county, '河湾镇', '.txt');
    const firstBody = await put(first, await sample(SHORT_TXT));
    await ingest(sqsEvent([await put(second, await sample(SHORT_TXT))]));
    const parsed = (await item(county, second))!;
    const ingestDown = handlersOn(direct, brokenStore({ get: () => Promise.reject(new Error('S3 is down')) })).ingest;
    const scoreDown = handlersOn(direct, brokenStore({ getJson: () => Promise.reject(new Error('S3 is down')) })).score;
    // Act
    await ingestDown(sqsEvent([firstBody], 1));
    const received = await statusOf(county, '石门镇');
    await ingestDown(sqsEvent([firstBody], 3));
    const ingestFailed = await statusOf(county, '石门镇');
    const parsedStatus = await statusOf(county, '河湾镇');
    await scoreDown(sqsEvent([normalizedEvent(parsed)], 3));
    const scoreFailed = await statusOf(county, '河湾镇');
    await score(sqsEvent([normalizedEvent(parsed)]));
    // Assess
    expect(received.state).toBe('received');
    expect(ingestFailed).toMatchObject({ state: 'failed', reason: { code: 'internal', message: INTERNAL_REASON.message } });
    expect(parsedStatus.state).toBe('parsed');
    expect(scoreFailed).toMatchObject({ state: 'failed', reason: { code: 'internal', message: SCORING_FAILED.message } });
    expect(await statusOf(county, '河湾镇')).toMatchObject({ state: 'scored' });
    expect((await statusOf(county, '河湾镇')).reason).toBeUndefined();
  });
});

describe('metadata, duplicates and last year', () => {
  it('reads submission facts from S3 user metadata and warns about a malformed one', async () => {
    const county = uniqueCounty('元数据');
    const key = uploadKey(2024, county, SHORT_TXT);
    const body = await put(key, await sample(SHORT_TXT), undefined, {
      'submitted-at': '2025-03-01',
      'published-url': encodeURIComponent('https://gov.example/法治 报告.html'),
      findings: 'serious-inspection-finding, Bad Finding',
    });
    await ingest(sqsEvent([body]));
    const upload = (await item(county, key))!;
    const report = await direct.store.getJson(normalizedKey(upload), NormalizedReport);
    // The uploader's date is a claim; the receipt (the event time, in Beijing time) is what on-time points use.
    expect(report.submission).toEqual({
      submittedAt: toReportingTime(upload.uploadedAt),
      claimedSubmittedAt: '2025-03-01',
      publishedUrl: 'https://gov.example/法治 报告.html',
    });
    expect(report.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['metadata-invalid:findings', CLAIM_DIFFERS_WARNING]));
  });

  it('scores the same bytes uploaded under two names as two uploads, each from its own normalised report', async () => {
    const county = uniqueCounty('重复');
    const bytes = await sample(SHORT_TXT);
    const a = uploadKey(2024, county, '甲.txt');
    const b = uploadKey(2024, county, '乙.txt');
    await ingest(
      sqsEvent([await put(a, bytes, undefined, { 'submitted-at': '2025-02-01' }), await put(b, bytes, undefined, { 'submitted-at': '2025-02-02' })]),
    );
    const [first, second] = [(await item(county, a))!, (await item(county, b))!];
    // One content, two uploads: the same report id, two upload ids, two normalised reports with their own facts.
    expect(second.reportId).toBe(first.reportId);
    expect(second.uploadId).not.toBe(first.uploadId);
    const claims = await Promise.all(
      [first, second].map(async (u) => (await direct.store.getJson(normalizedKey(u), NormalizedReport)).submission.claimedSubmittedAt),
    );
    expect(claims).toEqual(['2025-02-01', '2025-02-02']);
    // Scoring one of them scores that one only.
    await score(sqsEvent([normalizedEvent(first)]));
    expect((await item(county, b))?.status).toBe('parsed');
    await score(sqsEvent([normalizedEvent(second)]));
    const { reports, scores } = await direct.records.partition(2024, county);
    expect(reports.map((r) => r.status)).toEqual(['scored', 'scored']);
    expect(scores.map((s) => [s.sourceKey, s.uploadId]).sort()).toEqual(
      [
        [a, first.uploadId],
        [b, second.uploadId],
      ].sort(),
    );
  });

  it('passes last year’s report of the same unit to a rubric with follow-through (2025)', async () => {
    const county = uniqueCounty('落实');
    const lastYear = uploadKey(2023, county, '望江镇2023年法治政府建设情况报告.txt');
    const thisYear = uploadKey(2024, county, GOOD_REPORT);
    await ingest(sqsEvent([await put(lastYear, await sample('2023/望江镇2023年法治政府建设情况报告.txt')), await put(thisYear, await sample(GOOD_REPORT))]));
    const current = (await item(county, thisYear))!;
    const rubric = bundledRubricFor(2025).rubric;
    await score(sqsEvent([JSON.stringify({ type: 'score', normalizedKey: normalizedKey(current), rubric: { id: rubric.id, version: rubric.version } })]));
    const { scores, reports } = await direct.records.partition(2024, county);
    const stored = JSON.parse(scores.find((s) => s.rubric.id === rubric.id)!.result!) as { dimensions: { indicators: { note: string }[] }[] };
    const notes = stored.dimensions.flatMap((d) => d.indicators.map((i) => i.note));
    expect(notes.some((n) => n.includes('未提供该单位上一年度报告'))).toBe(false);
    expect(reports.find((r) => r.sk === current.sk)?.scoredWith).toContain(`${rubric.id}@${rubric.version}`);
  });
});

describe('item sizes', () => {
  beforeAll(() => expect(MAX_ITEM_BYTES).toBe(400 * 1024));

  it('refuses an item over 400 KB in UTF-8 bytes that dynalite (counting characters) would accept', async () => {
    const text = '法'.repeat(140_000); // 140 000 characters, 420 000 bytes
    const item = { pk: `SIZE#${uniqueCounty('大')}`, sk: 'x', text };
    await expect(direct.table.put(item)).rejects.toBeInstanceOf(ItemTooLargeError);
    // The local server itself would have stored it: our check is the only thing standing in for AWS's limit.
    await direct.table.client.send(new (await import('@aws-sdk/lib-dynamodb')).PutCommand({ TableName: direct.table.name, Item: item }));
  });
});

describe('logs', () => {
  it('never carry document text', () => {
    const text = direct.logs.join('\n');
    expect(text).not.toMatch(/依法行政|枫桥经验|放管服/);
    for (const line of direct.logs) expect((): unknown => JSON.parse(line)).not.toThrow();
  });
});
