import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RemovalPolicy } from 'aws-cdk-lib';
import { buildSync } from 'esbuild';
import { esbuildOptions } from '../infra/constructs/esbuild-bundle.ts';
import { pipelineFunctionProps, type FunctionName } from '../infra/fazhi-stack.ts';
import { makeS3Client, LOCAL_CREDENTIALS, LOCAL_REGION } from '../functions/aws/clients.ts';
import { S3ObjectStore } from '../functions/aws/object-store.ts';
import { notificationsFor, sequencerSource } from '../cli/local/notifications.ts';
import { LocalQueue } from '../cli/local/queue.ts';
import { DynamoDBClient, ensureBucket, ensureTable } from '../cli/local/resources.ts';
import { startServers } from '../cli/local/servers.ts';
import { startSqsEndpoint } from '../cli/local/sqs-endpoint.ts';
import { KEY_PREFIX, uploadKey } from '../schemas/storage.ts';
import { percentile, ROOT } from './corpus.ts';
import type { Row, SectionResult } from './sections.ts';

/**
 * The Lambda bundles exactly as the CDK stack builds them (infra: esbuild with code splitting, the isolated worker
 * beside ingest and score, pdf.js data beside ingest), and their cold start measured as Lambda pays it: a fresh Node
 * process that imports index.mjs (the init) and handles one real first event (which loads the lazy chunks and starts
 * the worker thread that event needs), against S3 and DynamoDB servers on 127.0.0.1 (s3rver, dynalite) and a local
 * SQS endpoint. Each run is a new upload, so every ingest really parses and every score really scores.
 */

const FUNCTIONS: readonly FunctionName[] = ['ingest', 'score', 'export', 'review', 'rescore', 'reconcile'];
const RUNS = 5;
const PROBE = join(ROOT, 'bench/lambda-cold-start.mjs');
const BUCKET = 'fazhi-bench-lambda';
const TABLE = 'fazhi-bench-lambda';
const COUNTY = '临澜县';
const REPORT = '望江镇2024年法治政府建设情况报告.docx';

interface Probe {
  /** Process start → handler module imported (the init). */
  readyMs: number;
  /** Process start → the first event handled. */
  doneMs: number;
  /** Spawn → exit, timed from outside (Node's own start-up before its clock, and its exit, included). */
  wallMs: number;
  result: unknown;
}

const kb = (bytes: number) => Math.round(bytes / 1024);

/** Bundles one function as the stack does; returns its folder. */
function bundle(name: FunctionName, out: string): string {
  const props = pipelineFunctionProps(name, {}, RemovalPolicy.DESTROY);
  const dir = join(out, name);
  buildSync(esbuildOptions(props.entry, dir, props.extraEntries));
  for (const { from, to } of props.copy ?? []) cpSync(from, join(dir, to), { recursive: true });
  return dir;
}

/** One cold start; asynchronous, since the servers it talks to run in this process. */
async function probe(dir: string, event: unknown, env: NodeJS.ProcessEnv): Promise<Probe> {
  const started = performance.now();
  const child = spawn(process.execPath, [PROBE, pathToFileURL(join(dir, 'index.mjs')).href, JSON.stringify(event)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const wallMs = performance.now() - started;
  const line = /FAZHI_COLD_START (.+)/u.exec(stdout)?.[1];
  if (status !== 0 || !line) throw new Error(`cold-start probe of ${dir} failed (exit ${status}): ${stderr.slice(-2000)}`);
  const parsed = JSON.parse(line) as Omit<Probe, 'wallMs'> & { error: string | null };
  if (parsed.error) throw new Error(`${dir}: the first invocation threw: ${parsed.error}`);
  const failures = (parsed.result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures ?? [];
  if (failures.length > 0) throw new Error(`${dir}: the first event failed (${JSON.stringify(failures)}): ${stdout.slice(-2000)}`);
  return { ...parsed, wallMs };
}

const sqsRecord = (body: string) => ({
  Records: [
    {
      messageId: `bench-${Math.random().toString(36).slice(2)}`,
      receiptHandle: 'bench',
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'BENCH', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
      awsRegion: 'us-east-1',
    },
  ],
});

export async function lambda(): Promise<SectionResult> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const out = mkdtempSync(join(tmpdir(), 'fazhi-bench-lambda-'));
  const servers = await startServers({ dataDir: join(out, 'data'), persistent: false });
  // Queues that accept what rescore and the reconciler send (nothing consumes it here).
  const queue = (name: string) => new LocalQueue({ name, handler: async () => {}, batchSize: 10, maxReceiveCount: 4, visibilityTimeoutMs: 60_000 });
  const queues = { 'bench-ingest': queue('bench-ingest'), 'bench-score': queue('bench-score'), 'bench-review': queue('bench-review') };
  const sqs = await startSqsEndpoint(queues);
  const s3 = makeS3Client({ s3Endpoint: servers.s3.endpoint });
  const dynamo = new DynamoDBClient({ endpoint: servers.dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await ensureBucket(s3, BUCKET);
    await ensureTable(dynamo, TABLE);
    const store = new S3ObjectStore(s3, BUCKET);
    const dirs = Object.fromEntries(FUNCTIONS.map((name) => [name, bundle(name, join(out, 'bundles'))])) as Record<FunctionName, string>;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: LOCAL_REGION,
      BUCKET_NAME: BUCKET,
      TABLE_NAME: TABLE,
      FAZHI_S3_ENDPOINT: servers.s3.endpoint,
      FAZHI_DYNAMODB_ENDPOINT: servers.dynamodb.endpoint,
      FAZHI_SQS_ENDPOINT: sqs.endpoint,
      DEFAULT_RUBRIC: '2024',
      MAX_RECEIVE_COUNT: '4',
      URL_TTL_SECONDS: '900',
      SCORE_QUEUE_URL: sqs.queueUrl('bench-score'),
      SCORE_DLQ_URL: sqs.queueUrl('bench-score-dlq'),
      INGEST_QUEUE_URL: sqs.queueUrl('bench-ingest'),
      INGEST_DLQ_URL: sqs.queueUrl('bench-ingest-dlq'),
      REVIEW_QUEUE_URL: sqs.queueUrl('bench-review'),
      REVIEW_DLQ_URL: sqs.queueUrl('bench-review-dlq'),
      STALE_AFTER_SECONDS: '2244',
      LOG_LEVEL: 'WARN',
    };
    const nextSequencer = sequencerSource();
    const notification = (key: string, size: number) =>
      sqsRecord(
        notificationsFor(
          { Records: [{ eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { bucket: { name: BUCKET }, object: { key, size } } }] },
          nextSequencer,
        )[0]!.body,
      );
    const report = readFileSync(join(ROOT, 'samples', REPORT));

    const probes = new Map<FunctionName, Probe[]>(FUNCTIONS.map((name) => [name, []]));
    const record = async (name: FunctionName, event: unknown): Promise<Probe> => {
      const result = await probe(dirs[name], event, env);
      probes.get(name)!.push(result);
      return result;
    };
    for (let run = 0; run < RUNS; run++) {
      // A new upload each run: ingest parses it (mammoth, in the worker thread), score scores what ingest wrote.
      const key = uploadKey(2024, COUNTY, `bench-${run}-${REPORT}`);
      const before = new Set((await store.list(KEY_PREFIX.normalized)).map((o) => o.key));
      await store.put(key, report, { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' });
      await record('ingest', notification(key, report.length));
      const normalized = (await store.list(KEY_PREFIX.normalized)).map((o) => o.key).filter((k) => !before.has(k));
      if (normalized.length !== 1) throw new Error(`ingest wrote ${normalized.length} normalised reports for ${key}`);
      await record('score', notification(normalized[0]!, 1));
      // The workbook (exceljs), then that workbook handed back unchanged as the assessor's review.
      const exported = (await record('export', { year: 2024, county: COUNTY })).result as { key: string };
      const reviewKey = `${KEY_PREFIX.reviews}2024/${COUNTY}/bench-${run}.xlsx`;
      await store.put(reviewKey, (await store.get(exported.key)).bytes, { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      await record('review', notification(reviewKey, 1));
      await record('rescore', { year: 2024, county: COUNTY });
      await record('reconcile', { dryRun: true });
    }

    const rows: Row[] = FUNCTIONS.map((name) => {
      const dir = dirs[name];
      const runs = probes.get(name)!;
      const chunks = existsSync(join(dir, 'chunks'))
        ? readdirSync(join(dir, 'chunks'))
            .filter((f) => f.endsWith('.mjs'))
            .map((f) => statSync(join(dir, 'chunks', f)).size)
        : [];
      const gzip = Number(
        execFileSync('sh', ['-c', `gzip -9 -c '${join(dir, 'index.mjs')}' | wc -c`])
          .toString()
          .trim(),
      );
      const median = (pick: (p: Probe) => number) => Math.round(percentile(runs.map(pick), 0.5));
      return {
        function: name,
        'entry KB': kb(statSync(join(dir, 'index.mjs')).size),
        'entry gzip KB': kb(gzip),
        'lazy chunks KB': kb(chunks.reduce((s, x) => s + x, 0)),
        'start → handler ready ms': median((p) => p.readyMs),
        'first event ms': median((p) => p.doneMs - p.readyMs),
        'start → first event done ms': median((p) => p.doneMs),
        'process wall ms': median((p) => p.wallMs),
      };
    });
    return {
      title: 'Lambda bundles and cold start',
      note:
        `bundled as the CDK stack bundles them; each figure the median of ${RUNS} fresh Node ${process.version} processes: import index.mjs (init), then one real first event ` +
        `(ingest: a new .docx upload, parsed in isolated-worker.mjs; score: what ingest wrote; export: the workbook; review: that workbook handed back; rescore; reconcile --dry-run) ` +
        'against s3rver and dynalite on 127.0.0.1 (local I/O, so the AWS calls cost less than on Lambda); Lambda runs nodejs24.x on arm64 by default',
      rows,
    };
  } finally {
    s3.destroy();
    dynamo.destroy();
    for (const q of Object.values(queues)) q.close();
    await sqs.close();
    await servers.close();
    rmSync(out, { recursive: true, force: true });
  }
}
