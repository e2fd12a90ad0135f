// Helpers for the integration tests: adapters on the servers the global setup started, and AWS-shaped events.
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { makeDocumentClient, makeS3Client } from '../../functions/aws/clients.ts';
import { S3ObjectStore, type ObjectStore } from '../../functions/aws/object-store.ts';
import { DynamoTable } from '../../functions/aws/table.ts';
import { createLogger, type Logger } from '../../functions/shared/log.ts';
import { Records } from '../../functions/shared/records.ts';
import { makeIngestHandler } from '../../functions/ingest/ingest.ts';
import { makeScoreHandler } from '../../functions/score/score.ts';
import { inProcessParser, inProcessScorer } from '../../functions/shared/isolated.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { notificationsFor, sequencerSource } from '../../cli/local/notifications.ts';
import { main } from '../../cli/main.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const SAMPLES = new URL('../../samples/', import.meta.url);
export const sample = (name: string): Promise<Buffer> => readFile(new URL(name, SAMPLES));

export const GOOD_REPORT = '望江镇2024年法治政府建设情况报告.docx';
export const SHORT_TXT = '龙口乡2024年法治政府建设工作总结.txt';

export interface Env {
  store: S3ObjectStore;
  table: DynamoTable;
  records: Records;
  logs: string[];
  log: Logger;
}

/** Adapters on the pipeline bucket/table (`pipeline`) or on the bucket/table without event wiring (`direct`). */
export function connectTo(which: 'pipeline' | 'direct'): Env {
  const env = inject('fazhi');
  const options = { s3Endpoint: env.s3Endpoint, dynamodbEndpoint: env.dynamodbEndpoint };
  const table = new DynamoTable(makeDocumentClient(options), which === 'pipeline' ? env.table : env.directTable);
  const logs: string[] = [];
  return {
    store: new S3ObjectStore(makeS3Client(options), which === 'pipeline' ? env.bucket : env.directBucket),
    table,
    records: new Records(table),
    logs,
    log: createLogger({ service: 'test', level: 'DEBUG', sink: (line) => logs.push(line) }),
  };
}

/** Where a `fazhi` command run by a test points: a bucket and table on S3- and DynamoDB-protocol servers. */
export interface CliTarget {
  bucket: string;
  table: string;
  s3Endpoint: string;
  dynamodbEndpoint: string;
}

/** `fazhi <argv>` in this process against `target` (default: the global setup's pipeline), with what it printed. */
export async function fazhiAgainst(argv: readonly string[], target: CliTarget = inject('fazhi')): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const flags = ['--bucket', target.bucket, '--table', target.table, '--s3-endpoint', target.s3Endpoint, '--dynamodb-endpoint', target.dynamodbEndpoint];
  const code = await main([...argv, ...flags], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Deliveries before a message is dead-lettered, as the stack sets it. */
const MAX_RECEIVES = 3;

/**
 * The ingest and score handlers on `env`'s servers, parsing and scoring in this process, with the bundled rubrics:
 * the one wiring every integration test drives by hand. `store` replaces env's (one that fails on purpose).
 */
export function handlersOn(env: Env, store: ObjectStore = env.store) {
  return {
    ingest: makeIngestHandler({ store, records: env.records, log: env.log, parser: inProcessParser, maxReceiveCount: MAX_RECEIVES }),
    score: makeScoreHandler({
      store,
      records: env.records,
      log: env.log,
      scorer: inProcessScorer,
      maxReceiveCount: MAX_RECEIVES,
      defaultRubric: bundledRubricFor(null),
    }),
  };
}

let counter = 0;
/** A county name no other test uses, so tests sharing a table never see each other's items. */
export const uniqueCounty = (label: string): string => `${label}${process.pid}${Date.now().toString(36)}${counter++}县`;

/** The SQS message body AWS sends for an upload (key URL-encoded, `+` for spaces), built by the local stack's code. */
export function uploadEventBody(
  bucket: string,
  key: string,
  options: { sequencer: string; size: number; eTag?: string; versionId?: string; eventName?: string },
): string {
  const [notification] = notificationsFor(
    {
      Records: [
        {
          eventName: options.eventName ?? 'ObjectCreated:Put',
          eventTime: new Date().toISOString(),
          s3: { bucket: { name: bucket }, object: { key, size: options.size, eTag: options.eTag ?? 'etag' } },
        },
      ],
    },
    () => options.sequencer,
  );
  if (!notification) throw new Error(`no notification rule matches ${key}`);
  if (!options.versionId) return notification.body;
  const body = JSON.parse(notification.body) as { Records: { s3: { object: Record<string, unknown> } }[] };
  body.Records[0]!.s3.object.versionId = options.versionId;
  return JSON.stringify(body);
}

let messages = 0;
/** An SQS event as the Lambda event source mapping delivers it. */
export function sqsEvent(bodies: readonly string[], receiveCount = 1): { Records: Record<string, unknown>[] } {
  return {
    Records: bodies.map((body) => ({
      messageId: `m-${messages++}`,
      receiptHandle: 'r',
      body,
      attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
      awsRegion: 'us-east-1',
    })),
  };
}

export const nextSequencer = sequencerSource();
