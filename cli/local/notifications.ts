import { encodeS3EventKey, type S3EventNotification } from '../../schemas/events.ts';
import { NOTIFICATIONS } from '../../schemas/storage.ts';

/**
 * S3 → SQS as AWS does it, for the local S3 server: the same prefix/suffix filters as the bucket notifications the
 * CDK stack configures (infra/fazhi-stack.ts builds them from the same constants), and the same message body — key
 * URL-encoded with `+` for spaces, a sequencer that orders the events of a key, size and eTag. s3rver emits every
 * object event with the raw key and a millisecond sequencer (two uploads in one millisecond would tie), so the
 * message is rebuilt here rather than forwarded.
 */

export type QueueName = 'ingest' | 'score' | 'review';

export interface NotificationRule {
  prefix: string;
  suffix: string;
  queue: QueueName;
}

export const NOTIFICATION_RULES: readonly NotificationRule[] = NOTIFICATIONS;

/** The queue an ObjectCreated event of this key goes to, or null when no notification matches (S3 is case-sensitive). */
export function queueFor(key: string, eventName: string): QueueName | null {
  if (!eventName.startsWith('ObjectCreated:')) return null;
  return NOTIFICATION_RULES.find((rule) => key.startsWith(rule.prefix) && key.endsWith(rule.suffix))?.queue ?? null;
}

/** Hex sequencers that increase for every event of this process (65 536 per millisecond before they borrow ahead). */
export function sequencerSource(): () => string {
  let last = 0n;
  return () => {
    const now = BigInt(Date.now()) << 16n;
    last = now > last ? now : last + 1n;
    return last.toString(16).toUpperCase();
  };
}

/** What s3rver emits (lib/models/event.js): the fields we read. */
export interface S3rverEvent {
  Records: {
    eventName: string;
    eventTime: string;
    awsRegion?: string;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  }[];
}

export interface Notification {
  queue: QueueName;
  body: string;
  key: string;
}

/** The SQS message bodies AWS would send for an s3rver event (one per matching record). */
export function notificationsFor(event: S3rverEvent, nextSequencer: () => string): Notification[] {
  const out: Notification[] = [];
  for (const record of event.Records) {
    const key = record.s3.object.key;
    const queue = queueFor(key, record.eventName);
    if (!queue) continue;
    const region = record.awsRegion ?? 'us-east-1';
    const body: S3EventNotification & { Records: Record<string, unknown>[] } = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: region,
          eventTime: record.eventTime,
          eventName: record.eventName,
          userIdentity: { principalId: 'AWS:LOCAL' },
          requestParameters: { sourceIPAddress: '127.0.0.1' },
          responseElements: { 'x-amz-request-id': 'LOCAL', 'x-amz-id-2': 'LOCAL' },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: `fazhi-${queue}`,
            bucket: { name: record.s3.bucket.name, ownerIdentity: { principalId: 'LOCAL' }, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
            object: {
              key: encodeS3EventKey(key),
              ...(record.s3.object.size !== undefined ? { size: record.s3.object.size } : {}),
              ...(record.s3.object.eTag ? { eTag: record.s3.object.eTag } : {}),
              sequencer: nextSequencer(),
            },
          },
        },
      ],
    };
    out.push({ queue, key, body: JSON.stringify(body) });
  }
  return out;
}

/** The message S3 sends once to a queue when a notification to it is configured. */
export function testEventBody(bucket: string, time: Date): string {
  return JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: time.toISOString(), Bucket: bucket, RequestId: 'LOCAL', HostId: 'LOCAL' });
}
