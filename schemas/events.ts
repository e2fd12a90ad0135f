import { z } from 'zod';
import { Failure } from './failure.ts';
import { NORMALIZED_KEY_PATTERN } from './storage.ts';

/**
 * Events the handlers accept. AWS shapes (SQS records, S3 notifications, the s3:TestEvent) are parsed leniently —
 * AWS adds fields over time — and only the fields we use are required. Our own commands are strict.
 */

/** The object of an S3 event notification. `key` is URL-encoded, with `+` for spaces (decode with decodeS3EventKey). */
export const S3EventObject = z.object({
  key: z.string().min(1),
  size: z.number().int().nonnegative().optional(),
  eTag: z.string().optional(),
  /** Present when the bucket is versioned (AWS); absent on the local S3 server. */
  versionId: z.string().optional(),
  /** Hexadecimal; orders the events of one key (compare padded, see padSequencer). */
  sequencer: z
    .string()
    .regex(/^[0-9A-Fa-f]+$/, 'sequencer must be hexadecimal')
    .optional(),
});
export type S3EventObject = z.infer<typeof S3EventObject>;

export const S3EventRecord = z.object({
  eventVersion: z.string().optional(),
  eventSource: z.literal('aws:s3'),
  awsRegion: z.string().optional(),
  eventTime: z.string(),
  /** E.g. `ObjectCreated:Put`, `ObjectCreated:CompleteMultipartUpload`. */
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: S3EventObject,
  }),
});
export type S3EventRecord = z.infer<typeof S3EventRecord>;

/** What S3 puts in the body of an SQS message for a bucket notification. */
export const S3EventNotification = z.object({ Records: z.array(S3EventRecord).min(1) });
export type S3EventNotification = z.infer<typeof S3EventNotification>;

/** Sent once by S3 when a notification to a queue is configured: has no Records, must be acknowledged. */
export const S3TestEvent = z.object({
  Service: z.literal('Amazon S3'),
  Event: z.literal('s3:TestEvent'),
  Time: z.string().optional(),
  Bucket: z.string().optional(),
  RequestId: z.string().optional(),
  HostId: z.string().optional(),
});
export type S3TestEvent = z.infer<typeof S3TestEvent>;

export const RubricRef = z.object({ id: z.string().min(1), version: z.string().min(1) }).strict();
export type RubricRef = z.infer<typeof RubricRef>;

/** Score (again) a normalised report, optionally with a named rubric: what the rescore function sends. */
export const ScoreCommand = z
  .object({
    type: z.literal('score'),
    normalizedKey: z.string().regex(NORMALIZED_KEY_PATTERN, 'normalizedKey must be normalized/{year}/{county}/{uploadId}.json'),
    rubric: RubricRef.optional(),
  })
  .strict();
export type ScoreCommand = z.infer<typeof ScoreCommand>;

/** One record of the SQS event a Lambda event source mapping delivers. */
export const SqsRecord = z.object({
  messageId: z.string().min(1),
  receiptHandle: z.string().optional(),
  body: z.string(),
  attributes: z.object({
    /** A string in real events ("1"); the delivery attempt this is. */
    ApproximateReceiveCount: z.coerce.number().int().positive(),
    SentTimestamp: z.string().optional(),
  }),
  eventSource: z.literal('aws:sqs').optional(),
  eventSourceARN: z.string().optional(),
  awsRegion: z.string().optional(),
});
export type SqsRecord = z.infer<typeof SqsRecord>;

export const SqsEvent = z.object({ Records: z.array(SqsRecord) });
export type SqsEvent = z.infer<typeof SqsEvent>;

/** The partial batch response: only the listed messages return to the queue. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

const Year = z.number().int().min(2000).max(2100);

/**
 * Export request (direct invoke): the ranking workbook of one county·year, or — without `county` — of every county of
 * the year (the year-wide export: each county's ranks as in its own workbook, and a province-wide place beside them).
 */
export const ExportRequest = z
  .object({
    year: Year,
    /** Absent: every county with uploads in the year. */
    county: z.string().min(1).optional(),
    /** Default: the bundled rubric for the year. */
    rubric: RubricRef.optional(),
  })
  .strict();
export type ExportRequest = z.infer<typeof ExportRequest>;

/** The export of one county·year (what the review compares a reviewed workbook against, too). */
export const CountyExportRequest = ExportRequest.extend({ county: z.string().min(1) }).strict();
export type CountyExportRequest = z.infer<typeof CountyExportRequest>;

export const ExportResponse = z
  .object({
    key: z.string(),
    url: z.string(),
    rubric: RubricRef,
    /** Ranked; a year-wide export lists every county's, with the county and the province-wide place. */
    results: z.array(
      z
        .object({
          rank: z.number().int().nullable(),
          township: z.string().nullable(),
          total: z.number(),
          grade: z.string(),
          county: z.string().nullable().optional(),
          /** Year-wide only: the place among the same group's units of every county (ties share it); null when unranked. */
          provinceRank: z.number().int().nullable().optional(),
        })
        .strict(),
    ),
    failures: z.array(Failure),
    /** Uploads not yet scored with this rubric (still being processed, or never scored with it). */
    pending: z.array(z.object({ source: z.string(), status: z.string() }).strict()),
    /** Year-wide only: per county, how many were ranked, failed and still pending. */
    counties: z.array(z.object({ county: z.string(), results: z.number().int(), failures: z.number().int(), pending: z.number().int() }).strict()).optional(),
  })
  .strict();
export type ExportResponse = z.infer<typeof ExportResponse>;

/** Rescore request (direct invoke): score every normalised report of a year (optionally one county) again. */
export const RescoreRequest = z
  .object({
    year: Year,
    county: z.string().min(1).optional(),
    /** Default: the score function picks the bundled rubric for each report's year. */
    rubric: RubricRef.optional(),
  })
  .strict();
export type RescoreRequest = z.infer<typeof RescoreRequest>;

export const RescoreResponse = z
  .object({
    year: Year,
    /** Score commands sent: one per upload that has a normalised report (the same bytes under two names are two). */
    queued: z.number().int().nonnegative(),
    failed: z.array(z.object({ normalizedKey: z.string(), reason: z.string() }).strict()),
    /** Uploads not sent because they have no normalised report yet (received) or never will (failed). */
    skipped: z.array(z.object({ source: z.string(), status: z.string() }).strict()),
  })
  .strict();
export type RescoreResponse = z.infer<typeof RescoreResponse>;

/** Reconcile request (schedule or direct invoke): compare what S3 holds and what the queues lost with the table. */
export const ReconcileRequest = z
  .object({
    /** Report what would be done, change nothing. */
    dryRun: z.boolean().optional(),
    /** Work untouched for this long is presumed lost (default: the stack's setting, from the queues' retry window). */
    staleAfterSeconds: z.number().int().nonnegative().optional(),
  })
  .strict();
export type ReconcileRequest = z.infer<typeof ReconcileRequest>;

export const ReconcileAction = z
  .object({
    source: z.string(),
    /** review: a reviewed workbook (its source is the workbook's key). */
    stage: z.enum(['ingest', 'score', 'review']),
    /** redriven: its work was sent again; failed: marked failed with `reason`; cleared: a dead letter about work since done. */
    action: z.enum(['redriven', 'failed', 'cleared']),
    why: z.enum(['no-status', 'stalled', 'dead-letter', 'gone', 'gave-up', 'superseded']),
    reason: z.string().optional(),
  })
  .strict();
export type ReconcileAction = z.infer<typeof ReconcileAction>;

export const ReconcileReport = z
  .object({
    /** Objects under reports/ and status items compared. */
    objects: z.number().int().nonnegative(),
    items: z.number().int().nonnegative(),
    /** Dead letters of the three queues (ingest, score, review). */
    deadLetters: z.number().int().nonnegative(),
    actions: z.array(ReconcileAction),
    /** Unfinished uploads left alone because their work may still be queued (young, or the stage's queue is busy). */
    waiting: z.array(z.object({ source: z.string(), status: z.string() }).strict()),
    dryRun: z.boolean(),
  })
  .strict();
export type ReconcileReport = z.infer<typeof ReconcileReport>;

/** The body of one queue message, classified. */
export type QueueMessage = { kind: 's3'; notification: S3EventNotification } | { kind: 'test'; event: S3TestEvent } | { kind: 'score'; command: ScoreCommand };

/** A message body that is none of the shapes we accept: a batch-item failure (it ends in the DLQ for a person to see). */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** Parses an SQS message body: an S3 notification, the s3:TestEvent, or (when allowed) a score command. */
export function parseQueueMessage(body: string, accept: { scoreCommands: boolean }): QueueMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('message body is not JSON');
  }
  if (typeof json === 'object' && json !== null) {
    if ('Event' in json) {
      const test = S3TestEvent.safeParse(json);
      if (test.success) return { kind: 'test', event: test.data };
      throw new MalformedMessageError(`not an s3:TestEvent: ${issues(test.error)}`);
    }
    if ('type' in json && accept.scoreCommands) {
      const command = ScoreCommand.safeParse(json);
      if (command.success) return { kind: 'score', command: command.data };
      throw new MalformedMessageError(`not a score command: ${issues(command.error)}`);
    }
  }
  const notification = S3EventNotification.safeParse(json);
  if (notification.success) return { kind: 's3', notification: notification.data };
  throw new MalformedMessageError(`not an S3 event notification: ${issues(notification.error)}`);
}

/** Keys in S3 notifications are URL-encoded with `+` for a space (a literal `+` arrives as %2B). */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** The inverse, as S3 writes keys into notifications (slashes kept); the local stack uses it to build AWS's shape. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export interface ObjectCreated {
  bucket: string;
  key: string;
  eventTime: string;
  sequencer: string;
  size?: number;
  eTag?: string;
  versionId?: string;
  region?: string;
  eventName?: string;
  /** Who caused it (`AWS:LOCAL` for the local S3 server, `fazhi-reconciler` for a re-drive). */
  principal?: string;
  configurationId?: string;
}

/**
 * The SQS message body S3 sends for one ObjectCreated event (key URL-encoded with `+` for spaces). The local stack
 * builds its messages with it, and the reconciler re-drives an upload whose message was lost with it.
 */
export function s3NotificationBody(event: ObjectCreated): string {
  const region = event.region ?? 'us-east-1';
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: event.eventTime,
        eventName: event.eventName ?? 'ObjectCreated:Put',
        userIdentity: { principalId: event.principal ?? 'AWS:LOCAL' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'LOCAL', 'x-amz-id-2': 'LOCAL' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: event.configurationId ?? 'fazhi',
          bucket: { name: event.bucket, ownerIdentity: { principalId: 'LOCAL' }, arn: `arn:aws:s3:::${event.bucket}` },
          object: {
            key: encodeS3EventKey(event.key),
            ...(event.size !== undefined ? { size: event.size } : {}),
            ...(event.eTag ? { eTag: event.eTag } : {}),
            ...(event.versionId ? { versionId: event.versionId } : {}),
            sequencer: event.sequencer,
          },
        },
      },
    ],
  });
}
