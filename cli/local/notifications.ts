import { s3NotificationBody } from '../../schemas/events.ts';
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
    const body = s3NotificationBody({
      bucket: record.s3.bucket.name,
      key,
      eventTime: record.eventTime,
      eventName: record.eventName,
      sequencer: nextSequencer(),
      configurationId: `fazhi-${queue}`,
      ...(record.awsRegion ? { region: record.awsRegion } : {}),
      ...(record.s3.object.size !== undefined ? { size: record.s3.object.size } : {}),
      ...(record.s3.object.eTag ? { eTag: record.s3.object.eTag } : {}),
    });
    out.push({ queue, key, body });
  }
  return out;
}

/** The message S3 sends once to a queue when a notification to it is configured. */
export function testEventBody(bucket: string, time: Date): string {
  return JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: time.toISOString(), Bucket: bucket, RequestId: 'LOCAL', HostId: 'LOCAL' });
}
