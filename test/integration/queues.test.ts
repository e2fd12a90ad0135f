// The local queue semantics the handlers rely on (receive counts, partial batch failures, dead letters), and the
// rescore path through the real SQS client into a local queue endpoint.
import { afterAll, describe, expect, it } from 'vitest';
import type { SqsBatchResponse } from '../../schemas/events.ts';
import { rubricTag, uploadKey } from '../../schemas/storage.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import type { ObjectStore } from '../../functions/aws/object-store.ts';
import { makeSqsClient } from '../../functions/aws/clients.ts';
import { SqsQueueSender } from '../../functions/aws/queue.ts';
import { runRescore } from '../../functions/rescore/rescore.ts';
import { LocalQueue } from '../../cli/local/queue.ts';
import { startSqsEndpoint } from '../../cli/local/sqs-endpoint.ts';
import { connectTo, handlersOn, GOOD_REPORT, nextSequencer, sample, SHORT_TXT, sqsEvent, uniqueCounty, uploadEventBody } from './support.ts';

const direct = connectTo('direct');

/** The direct bucket, except that reading an upload always fails. */
const failingStore: ObjectStore = {
  bucket: direct.store.bucket,
  get: () => Promise.reject(new Error('injected: S3 GetObject keeps failing')),
  getJson: (key, schema) => direct.store.getJson(key, schema),
  put: (key, body, options) => direct.store.put(key, body, options),
  putStream: (key, body, options) => direct.store.putStream(key, body, options),
  putJson: (key, value) => direct.store.putJson(key, value),
  presignGet: (key, options) => direct.store.presignGet(key, options),
};

describe('LocalQueue', () => {
  it('moves a message whose handler keeps throwing to the dead-letter list after maxReceiveCount deliveries', async () => {
    const county = uniqueCounty('死信');
    const key = uploadKey(2024, county, SHORT_TXT);
    const bytes = await sample(SHORT_TXT);
    await direct.store.put(key, bytes, { contentType: 'text/plain' });
    const { ingest } = handlersOn(direct, failingStore);
    const counts: number[] = [];
    const queue = new LocalQueue({
      name: 'dlq-test',
      batchSize: 5,
      maxReceiveCount: 3,
      visibilityTimeoutMs: 5,
      handler: async (event) => {
        counts.push(
          ...(event as { Records: { attributes: { ApproximateReceiveCount: string } }[] }).Records.map((r) => Number(r.attributes.ApproximateReceiveCount)),
        );
        return ingest(event);
      },
    });
    queue.send(uploadEventBody(direct.store.bucket, key, { sequencer: nextSequencer(), size: bytes.byteLength }));
    await queue.whenIdle();
    queue.close();
    expect(counts).toEqual([1, 2, 3]);
    expect(queue.deadLetters).toHaveLength(1);
    expect(queue.deadLetters[0]?.receiveCount).toBe(3);
    // The last delivery marked the upload failed, so it does not stay "received" forever.
    const item = (await direct.records.partition(2024, county)).reports[0];
    expect(item?.status).toBe('failed');
    expect(item?.failure?.code).toBe('internal');
  });

  it('returns only the messages listed in batchItemFailures; the others are deleted', async () => {
    const delivered: string[] = [];
    const queue = new LocalQueue({
      name: 'partial',
      batchSize: 10,
      maxReceiveCount: 3,
      visibilityTimeoutMs: 5,
      handler: async (event): Promise<SqsBatchResponse> => {
        const records = (event as { Records: { messageId: string; body: string; attributes: { ApproximateReceiveCount: string } }[] }).Records;
        delivered.push(...records.map((r) => r.body));
        return {
          batchItemFailures: records
            .filter((r) => r.body === 'flaky' && r.attributes.ApproximateReceiveCount === '1')
            .map((r) => ({ itemIdentifier: r.messageId })),
        };
      },
    });
    queue.send('ok');
    queue.send('flaky');
    await queue.whenIdle();
    queue.close();
    expect(delivered.sort()).toEqual(['flaky', 'flaky', 'ok']);
    expect(queue.deleted).toBe(2);
    expect(queue.deadLetters).toEqual([]);
  });

  it('fails the whole batch when the invocation throws', async () => {
    let calls = 0;
    const queue = new LocalQueue({
      name: 'throws',
      batchSize: 10,
      maxReceiveCount: 2,
      visibilityTimeoutMs: 5,
      handler: async () => {
        calls++;
        throw new Error('boom');
      },
    });
    queue.send('a');
    queue.send('b');
    await queue.whenIdle();
    queue.close();
    expect(calls).toBe(2);
    expect(queue.deadLetters.map((m) => [m.body, m.receiveCount, m.lastError])).toEqual([
      ['a', 2, 'invocation failed: boom'],
      ['b', 2, 'invocation failed: boom'],
    ]);
  });
});

describe('rescore', () => {
  const { score } = handlersOn(direct);
  const scoreQueue = new LocalQueue({ name: 'rescore-test-score', handler: score, batchSize: 10, maxReceiveCount: 3, visibilityTimeoutMs: 5 });
  const endpoint = startSqsEndpoint({ [scoreQueue.options.name]: scoreQueue });
  afterAll(async () => {
    scoreQueue.close();
    await (await endpoint).close();
  });

  it('sends a score command per normalised report of the year through SQS; the score function scores them with the new rubric', async () => {
    const { ingest } = handlersOn(direct);
    // A year no other test uses: the rescore finds the uploads through the GSI, across counties.
    const year = 2099;
    const keys = [uploadKey(year, uniqueCounty('重评甲'), SHORT_TXT), uploadKey(year, uniqueCounty('重评乙'), GOOD_REPORT)];
    const bodies: string[] = [];
    for (const key of keys) {
      const bytes = await sample(key.endsWith('.txt') ? SHORT_TXT : GOOD_REPORT);
      await direct.store.put(key, bytes, { contentType: 'application/octet-stream' });
      bodies.push(uploadEventBody(direct.store.bucket, key, { sequencer: nextSequencer(), size: bytes.byteLength }));
    }
    expect(await ingest(sqsEvent(bodies))).toEqual({ batchItemFailures: [] });

    const sqs = await endpoint;
    const client = makeSqsClient({ sqsEndpoint: sqs.endpoint });
    const rubric = bundledRubricFor(2025).rubric;
    const outcome = await runRescore(
      { records: direct.records, queue: new SqsQueueSender(client), scoreQueueUrl: sqs.queueUrl(scoreQueue.options.name), log: direct.log },
      { year, rubric: { id: rubric.id, version: rubric.version } },
    );
    client.destroy();
    expect(outcome).toEqual({ year, queued: 2, failed: [], skipped: [] });
    await scoreQueue.whenIdle();
    expect(scoreQueue.deadLetters).toEqual([]);

    const uploads = await direct.records.uploadsOfYear(year);
    expect(uploads.map((u) => u.status)).toEqual(['scored', 'scored']);
    expect(uploads.every((u) => u.scoredWith?.includes(rubricTag(rubric)))).toBe(true);
    const ranked = await direct.records.ranking(year, rubric);
    expect(ranked.map((s) => s.sourceKey).sort()).toEqual([...keys].sort());
    expect(ranked.map((s) => s.uploadId).sort()).toEqual(uploads.map((u) => u.uploadId).sort());
  });

  it('refuses a rubric that is not bundled before sending anything', async () => {
    const sent: string[][] = [];
    await expect(
      runRescore(
        {
          records: direct.records,
          queue: { sendAll: async (_url, bodies) => (sent.push([...bodies]), { sent: bodies.length, failed: [] }) },
          scoreQueueUrl: 'http://x',
          log: direct.log,
        },
        { year: 2099, rubric: { id: 'fazhi-2024', version: '9.9.9' } },
      ),
    ).rejects.toThrow(/not bundled/);
    expect(sent).toEqual([]);
  });
});
