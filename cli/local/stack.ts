import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decodeS3EventKey, parseQueueMessage, type ReconcileReport, type ReconcileRequest } from '../../schemas/events.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, makeDocumentClient, makeS3Client, type ClientOptions } from '../../functions/aws/clients.ts';
import { S3ObjectStore } from '../../functions/aws/object-store.ts';
import { DynamoTable } from '../../functions/aws/table.ts';
import type { ExportDeps } from '../../functions/export/export.ts';
import { makeIngestHandler } from '../../functions/ingest/ingest.ts';
import { makeReviewHandler } from '../../functions/review/review.ts';
import { runReconcile } from '../../functions/reconcile/reconcile.ts';
import { makeScoreHandler } from '../../functions/score/score.ts';
import { inProcessParser, inProcessScorer, sourceWorkerEntry, type WorkerEntry } from '../../functions/shared/isolated.ts';
import { bundledWorker } from '../../pipeline/parallel/pool.ts';
import { createLogger, type Logger, type LogLevel } from '../../functions/shared/log.ts';
import { Records } from '../../functions/shared/records.ts';
import { makeUnitStatusWriter } from '../../functions/shared/unit-status.ts';
import { ReviewRecords } from '../../functions/shared/review-records.ts';
import { QueueJournal } from './journal.ts';
import { notificationsFor, sequencerSource, testEventBody, type QueueName, type S3rverEvent } from './notifications.ts';
import { ensureBucketCors } from './cors.ts';
import { LocalQueue, LocalStageQueue } from './queue.ts';
import { RunnerPool } from './runners.ts';
import { ensureBucket, ensureTable } from './resources.ts';
import { startServers, type LocalServers } from './servers.ts';
import { startSqsEndpoint, type SqsEndpoint } from './sqs-endpoint.ts';

/**
 * The whole pipeline on this machine: s3rver and dynalite on 127.0.0.1 (in a thread of their own: servers.ts), the
 * bucket and table created from the definitions the CDK stack uses, S3 object events turned into the SQS messages AWS
 * sends (same filters, same body), and in-process queues (visibility timeout, receive counts, maxReceiveCount, partial
 * batch failures, dead letters) invoking the same handler factories the Lambda entries use, with documents parsed and
 * scored in worker threads stopped at their budgets as on Lambda (runners.ts: shared by both stages, one per core).
 * With a journal the queues survive a killed process; `reconcile()` runs the reconciler the scheduled Lambda runs.
 * Export and rescore are invoked on demand.
 */

export const LOCAL_BUCKET = 'fazhi-local';
export const LOCAL_TABLE = 'fazhi-local';
/** Batches each local queue hands out at once (the event source mapping's maxConcurrency, scaled to one process). */
export const LOCAL_CONCURRENCY = Number(process.env.FAZHI_LOCAL_CONCURRENCY ?? 4);

export interface LocalStackOptions {
  /** Where the servers keep their data; default a fresh temporary directory, removed on close. */
  dataDir?: string;
  /** Keep the data after close (`fazhi local` uses `.fazhi/`): dynalite on disk, s3rver not reset. */
  persistent?: boolean;
  /** Keep the queues' messages on disk (`<dataDir>/queues/`) so work survives a killed process; default: persistent. */
  journal?: boolean;
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
  /** Parse and score in worker threads stopped at their budgets, as the Lambdas do (default true). */
  isolate?: boolean;
  /**
   * Endpoints the pipeline's clients use instead of the servers' own, given the servers' (tests put a proxy there to
   * cut S3 or DynamoDB off for a while). The servers themselves, the bucket and the table are set up directly.
   */
  via?: (servers: { s3: string; dynamodb: string }) => Promise<{ s3?: string; dynamodb?: string }>;
}

export interface LocalStack {
  bucket: string;
  table: string;
  dataDir: string;
  endpoints: { s3: string; dynamodb: string; sqs: string };
  queueUrls: Record<QueueName | 'ingestDlq' | 'scoreDlq', string>;
  queues: Record<QueueName, LocalQueue>;
  clientOptions: ClientOptions;
  store: S3ObjectStore;
  records: Records;
  log: Logger;
  /** Messages each queue started with from its journal: work a killed run left unfinished. */
  restored: Record<QueueName, number>;
  /** What those messages were about: uploads (ingest), normalised reports (score) and reviewed workbooks (review). */
  restoredSubjects: Record<QueueName, string[]>;
  exportDeps(): ExportDeps;
  /** Variables that point `fazhi upload/status/export/rescore/reconcile` (or a handler module) at this stack. */
  env(): Record<string, string>;
  /** The reconciler on this stack (S3 listing vs the table, queued work, dead letters). */
  reconcile(request?: ReconcileRequest): Promise<ReconcileReport>;
  /** The uploads (ingest), normalised reports (score) and reviewed workbooks (review) whose messages are still queued. */
  queued(): Record<QueueName, string[]>;
  /** CPU time (ms) of the S3 and DynamoDB servers' thread, or null where it cannot be read: for the burst benchmark. */
  serversCpuMs(): Promise<number | null>;
  /** Resolves once every queue is empty and no handler is running. */
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}

/** The parse and score threads' module: the prebuilt CLI's isolated-worker.mjs when it runs, else the TypeScript source. */
function isolatedWorkerEntry(): WorkerEntry {
  const bundled = bundledWorker('isolated-worker');
  return bundled ? { kind: 'module', url: bundled } : sourceWorkerEntry();
}

/** The keys a queued message is about (for the shutdown summary). */
function subjects(body: string): string[] {
  try {
    const message = parseQueueMessage(body, { scoreCommands: true });
    if (message.kind === 'score') return [message.command.normalizedKey];
    if (message.kind === 's3') return message.notification.Records.map((r) => decodeS3EventKey(r.s3.object.key));
  } catch {
    // Not ours to name.
  }
  return [];
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // The SDK warns on Node 20 (it will need 22 from 2027): the local stack runs on the developer's Node, Lambda on 24.
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
    const setupS3 = makeS3Client({ region: LOCAL_REGION, s3Endpoint: servers.s3.endpoint });
    const setupDynamo = new DynamoDBClient({ endpoint: servers.dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    try {
      await Promise.all([ensureBucket(setupS3, bucket), ensureTable(setupDynamo, tableName)]);
      // The upload pages (fazhi invite) POST and read their status from a browser: the bucket's CORS rule, as on AWS.
      await ensureBucketCors(setupS3, bucket);
    } finally {
      setupS3.destroy();
      setupDynamo.destroy();
    }
    // The pipeline's own client talks to s3rver directly: the front (s3-front.ts) only adds the policy check of browser
    // uploads, and forwarding every request through it would cost a second HTTP exchange each. Other processes
    // (env(), the upload pages) get the front.
    const via = options.via ? await options.via({ s3: servers.s3rverEndpoint, dynamodb: servers.dynamodb.endpoint }) : {};
    const clientOptions: ClientOptions = {
      region: LOCAL_REGION,
      s3Endpoint: via.s3 ?? servers.s3rverEndpoint,
      dynamodbEndpoint: via.dynamodb ?? servers.dynamodb.endpoint,
    };
    const s3Client = makeS3Client(clientOptions);
    const documentClient = makeDocumentClient(clientOptions);
    cleanups.push(() => {
      s3Client.destroy();
      documentClient.destroy();
    });

    const store = new S3ObjectStore(s3Client, bucket);
    const table = new DynamoTable(documentClient, tableName);
    const records = new Records(table);
    const sink = options.logSink ?? (() => {});
    const level = options.logLevel ?? 'INFO';
    const log = createLogger({ service: 'fazhi-local', level, sink });
    const maxReceiveCount = options.maxReceiveCount ?? 4;
    const visibilityTimeoutMs = options.visibilityTimeoutMs ?? 500;

    const isolate = options.isolate ?? true;
    const runners = isolate ? new RunnerPool(isolatedWorkerEntry()) : undefined;
    if (runners) cleanups.push(() => runners.close());
    const parser = runners?.parser ?? inProcessParser;
    const scorer = runners?.scorer ?? inProcessScorer;
    const ingest = makeIngestHandler({ store, records, log: createLogger({ service: 'fazhi-ingest', level, sink }), parser, maxReceiveCount });
    const score = makeScoreHandler({
      store,
      records,
      log: createLogger({ service: 'fazhi-score', level, sink }),
      scorer,
      maxReceiveCount,
      defaultRubric: bundledRubricFor(null),
    });
    const review = makeReviewHandler({
      store,
      records,
      reviews: new ReviewRecords(table),
      log: createLogger({ service: 'fazhi-review', level, sink }),
      maxReceiveCount,
    });
    const onInvocationError = (error: unknown) => log.error('handler invocation failed', { error });
    const journal = (options.journal ?? persistent) ? (name: string) => new QueueJournal(join(dataDir, 'queues', `${name}.jsonl`)) : () => undefined;
    const queue = (name: QueueName, handler: typeof ingest, batchSize: number): LocalQueue => {
      const queueJournal = journal(name);
      return new LocalQueue({
        name: `${bucket}-${name}`,
        handler,
        batchSize,
        maxReceiveCount,
        visibilityTimeoutMs,
        concurrency: LOCAL_CONCURRENCY,
        onInvocationError,
        ...(queueJournal ? { journal: queueJournal } : {}),
      });
    };
    // Batch sizes as in infra (functions/shared/budgets.ts); concurrency lower, since here all stages share one process.
    const queues: Record<QueueName, LocalQueue> = { ingest: queue('ingest', ingest, 2), score: queue('score', score, 10), review: queue('review', review, 1) };
    // Stop the queues and let running deliveries finish before the servers they talk to go away.
    cleanups.push(async () => {
      for (const q of Object.values(queues)) q.close();
      await Promise.all(Object.values(queues).map((q) => q.settled()));
      for (const q of Object.values(queues)) q.options.journal?.close();
    });
    sqs = await startSqsEndpoint({
      [queues.ingest.options.name]: queues.ingest,
      [queues.score.options.name]: queues.score,
      [queues.review.options.name]: queues.review,
    });
    cleanups.push(() => sqs?.close());

    const nextSequencer = sequencerSource();
    servers.s3.onObjectEvent((event) => {
      const s3Event = event as S3rverEvent;
      // Only the pipeline bucket has notifications (tests use a second bucket to drive handlers by hand).
      if (s3Event.Records[0]?.s3.bucket.name !== bucket) return;
      for (const notification of notificationsFor(s3Event, nextSequencer)) {
        // A queue closed meanwhile (the stack is stopping): the upload is in the bucket, the reconciler finds it.
        if (!queues[notification.queue].open) log.warn('object event after the queues closed; not queued', { key: notification.key });
        else queues[notification.queue].send(notification.body);
      }
    });
    const restored = { ingest: queues.ingest.restored, score: queues.score.restored, review: queues.review.restored };
    if ((options.testEvents ?? true) && restored.ingest + restored.score + restored.review === 0)
      for (const q of Object.values(queues)) q.send(testEventBody(bucket, new Date()));

    const stages = { ingest: new LocalStageQueue(queues.ingest), score: new LocalStageQueue(queues.score), review: new LocalStageQueue(queues.review) };
    const reconcileLog = createLogger({ service: 'fazhi-reconcile', level, sink });
    const unitStatus = makeUnitStatusWriter({ store, records, log: reconcileLog });
    const endpoints = { s3: servers.s3.endpoint, dynamodb: servers.dynamodb.endpoint, sqs: sqs.endpoint };
    const queueUrls = {
      ingest: sqs.queueUrl(queues.ingest.options.name),
      score: sqs.queueUrl(queues.score.options.name),
      ingestDlq: sqs.queueUrl(`${queues.ingest.options.name}-dlq`),
      scoreDlq: sqs.queueUrl(`${queues.score.options.name}-dlq`),
      review: sqs.queueUrl(queues.review.options.name),
      reviewDlq: sqs.queueUrl(`${queues.review.options.name}-dlq`),
    };
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
      restored,
      restoredSubjects: {
        ingest: queues.ingest.restoredBodies.flatMap(subjects),
        score: queues.score.restoredBodies.flatMap(subjects),
        review: queues.review.restoredBodies.flatMap(subjects),
      },
      exportDeps: () => ({ store, records, log, urlTtlSeconds: options.urlTtlSeconds ?? 900 }),
      env: () => ({
        FAZHI_BUCKET: bucket,
        FAZHI_TABLE: tableName,
        FAZHI_S3_ENDPOINT: endpoints.s3,
        FAZHI_DYNAMODB_ENDPOINT: endpoints.dynamodb,
        FAZHI_INGEST_QUEUE_URL: queueUrls.ingest,
        FAZHI_INGEST_DLQ_URL: queueUrls.ingestDlq,
        FAZHI_SCORE_QUEUE_URL: queueUrls.score,
        FAZHI_SCORE_DLQ_URL: queueUrls.scoreDlq,
        FAZHI_REVIEW_QUEUE_URL: queueUrls.review,
        FAZHI_REVIEW_DLQ_URL: queueUrls.reviewDlq,
        AWS_REGION: LOCAL_REGION,
      }),
      // Locally the queues say exactly what they hold, so nothing needs to age before it is judged lost.
      reconcile: (request = {}) =>
        runReconcile(
          { lister: store, bucket, records, queues: stages, reviews: new ReviewRecords(table), unitStatus, log: reconcileLog, staleAfterMs: 0 },
          request,
        ),
      queued: () => ({
        ingest: queues.ingest.pendingBodies.flatMap(subjects),
        score: queues.score.pendingBodies.flatMap(subjects),
        review: queues.review.pendingBodies.flatMap(subjects),
      }),
      serversCpuMs: () => servers?.cpuMs() ?? Promise.resolve(null),
      whenIdle: async () => {
        while (!(queues.ingest.idle && queues.score.idle && queues.review.idle)) {
          await queues.ingest.whenIdle();
          await queues.score.whenIdle();
          await queues.review.whenIdle();
        }
      },
      close,
    };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
