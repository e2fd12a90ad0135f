import { describe, expect, it } from 'vitest';
import { decodeS3EventKey, encodeS3EventKey, MalformedMessageError, parseQueueMessage } from '../../schemas/events.ts';

// The body of an SQS message from an S3 notification as AWS sends it (versioned bucket; key URL-encoded, + for space).
const awsBody = JSON.stringify({
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'cn-north-1',
      eventTime: '2025-02-20T08:15:30.123Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
      requestParameters: { sourceIPAddress: '203.0.113.5' },
      responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'ingest',
        bucket: { name: 'fazhi-data', ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: 'arn:aws-cn:s3:::fazhi-data' },
        object: {
          key: 'reports/2024/%E4%B8%B4%E6%BE%9C%E5%8E%BF/%E6%9C%9B%E6%B1%9F%E9%95%87+%E6%8A%A5%E5%91%8A%2B%E9%99%84%E4%BB%B6.docx',
          size: 15916,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
          sequencer: '0055AED6DCD90281E5',
        },
      },
    },
  ],
});

describe('parseQueueMessage', () => {
  it('reads an S3 notification as AWS sends it, keeping version and sequencer', () => {
    const message = parseQueueMessage(awsBody, { scoreCommands: false });
    expect(message.kind).toBe('s3');
    if (message.kind !== 's3') return;
    const object = message.notification.Records[0]!.s3.object;
    expect(object).toMatchObject({ size: 15916, versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko', sequencer: '0055AED6DCD90281E5' });
    expect(decodeS3EventKey(object.key)).toBe('reports/2024/临澜县/望江镇 报告+附件.docx');
  });

  it('recognises the s3:TestEvent, which has no Records', () => {
    const event = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2025-01-01T00:00:00.000Z', Bucket: 'fazhi-data', RequestId: 'X', HostId: 'Y' };
    expect(parseQueueMessage(JSON.stringify(event), { scoreCommands: false })).toEqual({ kind: 'test', event });
  });

  it('accepts score commands only where allowed, and checks their shape', () => {
    const command = { type: 'score', normalizedKey: 'normalized/2024/临澜县/0123456789abcdef.json', rubric: { id: 'fazhi-2025', version: '2025.1.0' } };
    const body = JSON.stringify(command);
    expect(parseQueueMessage(body, { scoreCommands: true })).toEqual({ kind: 'score', command });
    expect(() => parseQueueMessage(body, { scoreCommands: false })).toThrow(MalformedMessageError);
    expect(() => parseQueueMessage(JSON.stringify({ type: 'score', normalizedKey: 'reports/x.docx' }), { scoreCommands: true })).toThrow(/normalizedKey/);
    // The content-keyed layout of earlier versions names no upload: refused.
    expect(() => parseQueueMessage(JSON.stringify({ type: 'score', normalizedKey: 'normalized/0123456789abcdef.json' }), { scoreCommands: true })).toThrow(
      /normalizedKey/,
    );
  });

  it('names the path of what is wrong in a malformed notification', () => {
    const broken = JSON.parse(awsBody) as { Records: { s3: { object: { sequencer: string } } }[] };
    broken.Records[0]!.s3.object.sequencer = 'not-hex';
    expect(() => parseQueueMessage(JSON.stringify(broken), { scoreCommands: false })).toThrow(/Records\.0\.s3\.object\.sequencer/);
    expect(() => parseQueueMessage('not json', { scoreCommands: true })).toThrow(/not JSON/);
    expect(() => parseQueueMessage('{"Records":[]}', { scoreCommands: true })).toThrow(MalformedMessageError);
  });
});

describe('S3 event keys', () => {
  it.each([
    'reports/2024/临澜县/望江镇.docx',
    'reports/2024/临 澜县/望江镇 2024 年 报告.txt',
    'reports/2024/县/a+b=c&d(1)%20.pdf',
    'reports/2024/县/“引号”—破折号·中点.md',
  ])('round-trips %s through the notification encoding', (key) => {
    const encoded = encodeS3EventKey(key);
    expect(encoded).not.toMatch(/ /);
    expect(decodeS3EventKey(encoded)).toBe(key);
  });

  it('decodes + as a space and %2B as a plus sign', () => {
    expect(decodeS3EventKey('reports/2024/a+b%2Bc.txt')).toBe('reports/2024/a b+c.txt');
    expect(encodeS3EventKey('reports/2024/a b+c.txt')).toBe('reports/2024/a+b%2Bc.txt');
  });
});
