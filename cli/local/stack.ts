import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, makeDocumentClient, makeS3Client, type ClientOptions } from '../../functions/aws/clients.ts';
import { S3ObjectStore } from '../../functions/aws/object-store.ts';
import { DynamoTable } from '../../functions/aws/table.ts';
import type { ExportDeps } from '../../functions/export/export.ts';
import { makeIngestHandler } from '../../functions/ingest/ingest.ts';
import { makeScoreHandler } from '../../functions/score/score.ts';
import { createLogger, type Logger, type LogLevel } from '../../functions/shared/log.ts';
import { Records } from '../../functions/shared/records.ts';
import { notificationsFor, sequencerSource, testEventBody, type QueueName, type S3rverEvent } from './notifications.ts';
import { LocalQueue } from './queue.ts';
import { ensureBucketCors } from './cors.ts';
import { ensureBucket, ensureTable } from './resources.ts';
import { startServers, type LocalServers } from './servers.ts';
import { startSqsEndpoint, type SqsEndpoint } from './sqs-endpoint.ts';

/**
 * The whole pipeline on this machine: s3rver and dynalite on 127.0.0.1, the bucket and table created from the
 * definitions the CDK stack uses, S3 object events turned into the SQS messages AWS sends (same filters, same body),
 * and in-process queues (visibility timeout, receive counts, maxReceiveCount, partial batch failures, dead letters)
 * invoking the same handler factories the Lambda entries use. Export and rescore are invoked on demand.
 */

export const LOCAL_BUCKET = 'fazhi-local';
export const LOCAL_TABLE = 'fazhi-local';

export interface LocalStackOptions {
  /** Where the servers keep their data; default a fresh temporary directory, removed on close. */
  dataDir?: string;
  /** Keep the data after close (`fazhi local --keep` uses `.fazhi/`): dynalite on disk, s3rver not reset. */
  persistent?: boolean;
  bucket?: string;
  table?: string;
  /** Where the handlers' JSON log lines go (default: nowhere). */
  logSink?: (line: string) => void;
  logLevel?: LogLevel;
  /** Retry delay of a failed message; AWS uses 6 × the function timeout, locally short so a run ends soon. */
  visibilityTimeoutMs?: number;
  /** As the CDK stack's queues (4). */
  maxReceiveCount?: number;
  urlTtlSeconds?: number;
  /** Send the s3:TestEvent S3 sends when a notification is configured (default true). */
  testEvents?: boolean;
}

export interface LocalStack {
  bucket: string;
  table: string;
  dataDir: string;
  endpoints: { s3: string; dynamodb: string; sqs: string };
  queueUrls: Record<QueueName, string>;
  queues: Record<QueueName, LocalQueue>;
  clientOptions: ClientOptions;
  store: S3ObjectStore;
  records: Records;
  log: Logger;
  exportDeps(): ExportDeps;
  /** Variables that point `fazhi upload/status/export/rescore` (or a handler module) at this stack. */
  env(): Record<string, string>;
  /** Resolves once both queues are empty and no handler is running. */
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // The SDK warns on Node 20 (it will need 22 from 2027): the local stack runs on the developer's Node, Lambda on 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const bucket = options.bucket ?? LOCAL_BUCKET;
  const tableName = options.table ?? LOCAL_TABLE;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'fazhi-local-')));
  await mkdir(dataDir, { recursive: true });
  const persistent = options.persistent ?? false;

  let servers: LocalServers | undefined;
  let sqs: SqsEndpoint | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    if (ownDir && !persistent) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    servers = await startServers({ dataDir, persistent });
    cleanups.push(() => servers?.close());
    const clientOptions: ClientOptions = { region: LOCAL_REGION, s3Endpoint: servers.s3.endpoint, dynamodbEndpoint: servers.dynamodb.endpoint };
    const s3Client = makeS3Client(clientOptions);
    const rawDynamo = new DynamoDBClient({ endpoint: servers.dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const documentClient = makeDocumentClient(clientOptions);
    cleanups.push(() => {
      s3Client.destroy();
      rawDynamo.destroy();
      documentClient.destroy();
    });
    await Promise.all([ensureBucket(s3Client, bucket), ensureTable(rawDynamo, tableName)]);
    // The upload pages (fazhi invite) POST and read their status from a browser: the bucket's CORS rule, as on AWS.
    await ensureBucketCors(s3Client, bucket);

    const store = new S3ObjectStore(s3Client, bucket);
    const records = new Records(new DynamoTable(documentClient, tableName));
    const sink = options.logSink ?? (() => {});
    const level = options.logLevel ?? 'INFO';
    const log = createLogger({ service: 'fazhi-local', level, sink });
    const maxReceiveCount = options.maxReceiveCount ?? 4;
    const visibilityTimeoutMs = options.visibilityTimeoutMs ?? 500;

    const ingest = makeIngestHandler({ store, records, log: createLogger({ service: 'fazhi-ingest', level, sink }), maxReceiveCount });
    const score = makeScoreHandler({ store, records, log: createLogger({ service: 'fazhi-score', level, sink }), maxReceiveCount, defaultRubric: bundledRubricFor(null) });
    const onInvocationError = (error: unknown) => log.error('handler invocation failed', { error });
    // Sizes as in infra/fazhi-stack.ts (FUNCTION_SPECS); concurrency lower, since here all stages share one process.
    const queues: Record<QueueName, LocalQueue> = {
      ingest: new LocalQueue({ name: `${bucket}-ingest`, handler: ingest, batchSize: 5, maxReceiveCount, visibilityTimeoutMs, concurrency: 2, onInvocationError }),
      score: new LocalQueue({ name: `${bucket}-score`, handler: score, batchSize: 10, maxReceiveCount, visibilityTimeoutMs, concurrency: 2, onInvocationError }),
    };
    cleanups.push(() => Object.values(queues).forEach((q) => q.close()));
    sqs = await startSqsEndpoint({ [queues.ingest.options.name]: queues.ingest, [queues.score.options.name]: queues.score });
    cleanups.push(() => sqs?.close());

    const nextSequencer = sequencerSource();
    servers.s3.onObjectEvent((event) => {
      const s3Event = event as S3rverEvent;
      // Only the pipeline bucket has notifications (tests use a second bucket to drive handlers by hand).
      if (s3Event.Records[0]?.s3.bucket.name !== bucket) return;
      for (const notification of notificationsFor(s3Event, nextSequencer)) queues[notification.queue].send(notification.body);
    });
    if (options.testEvents ?? true) for (const queue of Object.values(queues)) queue.send(testEventBody(bucket, new Date()));

    const endpoints = { s3: servers.s3.endpoint, dynamodb: servers.dynamodb.endpoint, sqs: sqs.endpoint };
    const queueUrls = { ingest: sqs.queueUrl(queues.ingest.options.name), score: sqs.queueUrl(queues.score.options.name) };
    return {
      bucket,
      table: tableName,
      dataDir,
      endpoints,
      queueUrls,
      queues,
      clientOptions,
      store,
      records,
      log,
      exportDeps: () => ({ store, records, log, urlTtlSeconds: options.urlTtlSeconds ?? 900 }),
      env: () => ({
        FAZHI_BUCKET: bucket,
        FAZHI_TABLE: tableName,
        FAZHI_S3_ENDPOINT: endpoints.s3,
        FAZHI_DYNAMODB_ENDPOINT: endpoints.dynamodb,
        FAZHI_SCORE_QUEUE_URL: queueUrls.score,
        AWS_REGION: LOCAL_REGION,
      }),
      whenIdle: async () => {
        while (!(queues.ingest.idle && queues.score.idle)) {
          await queues.ingest.whenIdle();
          await queues.score.whenIdle();
        }
      },
      close,
    };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
