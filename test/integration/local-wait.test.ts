// Waiting for uploads (cli/local/wait.ts, what `fazhi local` and the burst bench do): it reads status items only, has
// no time limit while the run makes progress, and names the unfinished uploads once nothing has happened for a while.
import { describe, expect, it } from 'vitest';
import { countyYearPk, padSequencer, scoreSk, uploadIdOf, uploadKey } from '../../schemas/storage.ts';
import type { UploadRef as RecordRef } from '../../functions/shared/records.ts';
import { waitForUploads } from '../../cli/local/wait.ts';
import { connectTo, nextSequencer, uniqueCounty } from './support.ts';

const direct = connectTo('direct');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An upload's status item, recorded through the pipeline's own Records (as the ingest handler records it). */
async function received(county: string, name: string): Promise<RecordRef> {
  const sourceKey = uploadKey(2024, county, name);
  const sequencer = padSequencer(nextSequencer());
  const ref: RecordRef = { sourceKey, year: 2024, county, sequencer, uploadId: uploadIdOf(sourceKey, sequencer), uploadedAt: new Date().toISOString() };
  expect(await direct.records.received(ref)).toBe('new');
  return ref;
}

const waitRef = (ref: RecordRef) => ({ key: ref.sourceKey, year: ref.year, county: ref.county });
const EMPTY = { code: 'empty' as const, message: '文件是空的，请重新上传' };

describe('waiting for uploads', () => {
  it('reads the status items only: a score item it cannot read does not stop it', async () => {
    // Prepare: one upload failed (final), and beside it a score item whose result is not a ScoreResult at all.
    const county = uniqueCounty('等待');
    const ref = await received(county, '甲镇.txt');
    await direct.records.failed(ref, EMPTY);
    await direct.table.put({
      pk: countyYearPk(2024, county),
      sk: scoreSk({ id: 'x', version: '1' }, ref.sourceKey),
      kind: 'score',
      result: 'not a score result',
    });
    await expect(direct.records.partition(2024, county), 'reading the whole partition would fail').rejects.toThrow();
    // Act
    const outcome = await waitForUploads(direct.records, [waitRef(ref)], { since: 0, idle: () => false });
    // Assess
    expect(outcome.ended).toBe('done');
    expect(outcome.failed).toBe(1);
    expect(outcome.statuses.get(ref.sourceKey)?.failure?.code).toBe('empty');
  });

  it('has no time limit while the pipeline makes progress, however long the run', async () => {
    // Prepare: the upload becomes final only after three stall intervals, while the queues keep handling messages.
    const county = uniqueCounty('等待');
    const ref = await received(county, '乙镇.txt');
    let handled = 0;
    const finishing = sleep(600).then(() => direct.records.failed(ref, EMPTY));
    // Act
    const outcome = await waitForUploads(direct.records, [waitRef(ref)], {
      since: 0,
      idle: () => false,
      activity: () => handled++,
      stallMs: 200,
      pollMs: 20,
      maxPollMs: 50,
    });
    await finishing;
    // Assess
    expect(outcome.ended).toBe('done');
    expect(outcome.stuck).toEqual([]);
  });

  it('names the unfinished uploads once nothing happened for the stall interval', async () => {
    // Prepare: one upload final, one stuck at received, one never recorded; the queues report no activity.
    const county = uniqueCounty('等待');
    const done = await received(county, '丙镇.txt');
    await direct.records.failed(done, EMPTY);
    const stuck = await received(county, '丁镇.txt');
    const missing = { key: uploadKey(2024, county, '戊镇.txt'), year: 2024, county };
    // Act
    const outcome = await waitForUploads(direct.records, [waitRef(done), waitRef(stuck), missing], {
      since: 0,
      idle: () => false,
      activity: () => 7,
      stallMs: 150,
      pollMs: 20,
    });
    // Assess
    expect(outcome.ended).toBe('stalled');
    expect(outcome.failed).toBe(1);
    expect(outcome.stuck).toEqual([
      { key: stuck.sourceKey, status: 'received' },
      { key: missing.key, status: '未收到上传事件' },
    ]);
  });
});
