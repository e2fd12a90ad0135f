// The local stack's S3 → SQS translation must give the handlers what AWS gives them.
import { describe, expect, it } from 'vitest';
import { parseQueueMessage, decodeS3EventKey } from '../../schemas/events.ts';
import { REPORT_SUFFIXES } from '../../schemas/storage.ts';
import { notificationsFor, queueFor, sequencerSource, testEventBody } from '../../cli/local/notifications.ts';

const s3rverEvent = (key: string, eventName = 'ObjectCreated:Put') => ({
  Records: [
    {
      eventName,
      eventTime: '2025-02-20T08:00:00.000Z',
      awsRegion: 'us-east-1',
      s3: { bucket: { name: 'fazhi-local' }, object: { key, size: 12, eTag: 'abc' } },
    },
  ],
});

describe('notification filters', () => {
  it('routes everything created under reports/ to ingest (any suffix: a wrong type must end failed, not vanish) and normalized/*.json to score', () => {
    for (const suffix of [...REPORT_SUFFIXES, '.xlsx', '.wps', '.Docx', '']) expect(queueFor(`reports/2024/县/a${suffix}`, 'ObjectCreated:Put')).toBe('ingest');
    expect(queueFor('normalized/0123456789abcdef.json', 'ObjectCreated:Put')).toBe('score');
  });

  it('drops what no notification matches: other prefixes, other suffixes under normalized/, removals', () => {
    expect(queueFor('exports/2024/县/ranking.xlsx', 'ObjectCreated:Put')).toBeNull();
    expect(queueFor('scores/x/y.json', 'ObjectCreated:Put')).toBeNull();
    expect(queueFor('normalized/x.txt', 'ObjectCreated:Put')).toBeNull();
    expect(queueFor('reports/2024/县/a.docx', 'ObjectRemoved:Delete')).toBeNull();
  });
});

describe('notificationsFor', () => {
  it('builds the body AWS sends: encoded key, eventName, size, eTag and a sequencer', () => {
    const [n] = notificationsFor(s3rverEvent('reports/2024/临澜县/望江镇 报告+1.docx'), () => '0A1B');
    expect(n?.queue).toBe('ingest');
    const body = JSON.parse(n!.body) as { Records: { eventSource: string; s3: { object: Record<string, unknown>; bucket: { arn: string } } }[] };
    expect(body.Records[0]!.s3.object).toEqual({
      key: 'reports/2024/%E4%B8%B4%E6%BE%9C%E5%8E%BF/%E6%9C%9B%E6%B1%9F%E9%95%87+%E6%8A%A5%E5%91%8A%2B1.docx',
      size: 12,
      eTag: 'abc',
      sequencer: '0A1B',
    });
    expect(body.Records[0]!.s3.bucket.arn).toBe('arn:aws:s3:::fazhi-local');
    const parsed = parseQueueMessage(n!.body, { scoreCommands: false });
    expect(parsed.kind === 's3' && decodeS3EventKey(parsed.notification.Records[0]!.s3.object.key)).toBe('reports/2024/临澜县/望江镇 报告+1.docx');
  });

  it('gives every event a larger sequencer, even within one millisecond', () => {
    const next = sequencerSource();
    const values = Array.from({ length: 1000 }, next).map((s) => BigInt(`0x${s}`));
    for (let i = 1; i < values.length; i++) expect(values[i]! > values[i - 1]!).toBe(true);
  });

  it('sends an s3:TestEvent the handlers recognise', () => {
    expect(parseQueueMessage(testEventBody('fazhi-local', new Date(0)), { scoreCommands: true }).kind).toBe('test');
  });
});
