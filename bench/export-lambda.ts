import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { ExportResponse } from '../schemas/events.ts';
import {
  countyYearPk,
  normalizedKey,
  padSequencer,
  rankingPk,
  reportSk,
  reportsByYearPk,
  rubricTag,
  scoreResultKey,
  scoreSk,
  uploadIdOf,
  uploadKey,
  type ReportItem,
} from '../schemas/storage.ts';
import { normalizeReport } from '../pipeline/normalize/index.ts';
import { encodeSignature, reportSignature } from '../pipeline/rank/similarity.ts';
import { bundledRubricFor } from '../pipeline/score/bundled-rubrics.ts';
import { scoreReport } from '../pipeline/score/index.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, makeDocumentClient, makeS3Client } from '../functions/aws/clients.ts';
import { S3ObjectStore } from '../functions/aws/object-store.ts';
import { DynamoTable } from '../functions/aws/table.ts';
import { layoutScoreItem } from '../functions/score/score.ts';
import { DynamoDBClient, ensureBucket, ensureTable } from '../cli/local/resources.ts';
import { startServers } from '../cli/local/servers.ts';
import { esbuildOptions } from '../infra/constructs/esbuild-bundle.ts';
import { FUNCTION_SPECS } from '../infra/fazhi-stack.ts';
import { ROOT } from './corpus.ts';
import type { Row, SectionResult } from './sections.ts';
import { distinctReports } from './synthetic.ts';
import { measuredNodeAsync } from './workbook.ts';

/**
 * `npm run bench -- export-lambda`: the export function's memory at a province's scale. A local S3 and DynamoDB
 * (s3rver, dynalite, in this process) are filled as the pipeline would leave them — 10,000 synthetic reports filed in
 * 100 counties of one year, each with its status item, score item (result and copy signature) and normalised
 * report — then the export function's bundle (built as the CDK stack builds it) runs in a fresh Node process with its
 * heap capped below the function's 1,024 MB, invoked as Lambda would: the year-wide export, and one county's export.
 * Nothing here is asserted by tests.
 */

const YEAR = 2024;
/** 100 × 100 (a trial run can ask for less: FAZHI_BENCH_COUNTIES, FAZHI_BENCH_PER_COUNTY). */
const COUNTIES = Number(process.env.FAZHI_BENCH_COUNTIES ?? 100);
const PER_COUNTY = Number(process.env.FAZHI_BENCH_PER_COUNTY ?? 100);
/** Heap cap for the function's process: its memory less what Node, the code and buffers outside the heap take. */
const HEAP_MB = 896;
/** Uploads seeded at once (S3 and DynamoDB writes in flight). */
const SEED_CONCURRENCY = 16;

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** The stored state of one scored upload, as ingest and score write it. */
async function seed(store: S3ObjectStore, table: DynamoTable, county: string, index: number, file: { name: string; text: string }): Promise<void> {
  const rubric = bundledRubricFor(YEAR);
  const key = uploadKey(YEAR, county, file.name);
  const sequencer = padSequencer((0x1000000 + index).toString(16));
  const uploadId = uploadIdOf(key, sequencer);
  const bytes = Buffer.byteLength(file.text);
  const report = normalizeReport(
    { format: 'txt', blocks: file.text.split('\n').map((line) => ({ text: line })), warnings: [] },
    { key, format: 'txt', bytes, sha256: sha(file.text) },
    { metrics: rubric.rubric.metrics, location: { county, year: YEAR } },
  );
  const result = { ...scoreReport(report, rubric), source: key };
  const now = new Date(Date.UTC(YEAR + 1, 2, 1) + index * 1000).toISOString();
  const upload: ReportItem = {
    pk: countyYearPk(YEAR, county),
    sk: reportSk(key),
    kind: 'report',
    sourceKey: key,
    year: YEAR,
    county,
    status: 'scored',
    sequencer,
    uploadId,
    uploadedAt: now,
    bytes,
    reportId: report.id,
    township: report.meta.township,
    scoredWith: [rubricTag(rubric.rubric)],
    receivedAt: now,
    updatedAt: now,
    gsi1pk: reportsByYearPk(YEAR),
    gsi1sk: Date.parse(now),
  };
  const json = JSON.stringify(result);
  const resultKey = scoreResultKey(uploadId, rubric.rubric);
  const { item, offloaded } = layoutScoreItem(
    {
      pk: upload.pk,
      sk: scoreSk(rubric.rubric, key),
      kind: 'score',
      sourceKey: key,
      uploadId,
      reportId: result.reportId,
      year: YEAR,
      county,
      township: result.township,
      rubric: result.rubric,
      sequencer,
      gsi1pk: rankingPk(YEAR, rubric.rubric),
      gsi1sk: result.total,
      total: result.total,
      max: result.max,
      grade: result.grade,
      scoredAt: now,
    },
    json,
    encodeSignature(reportSignature(report, rubric.rubric.similarity.shingle)),
    resultKey,
  );
  await store.putJson(normalizedKey({ year: YEAR, county, uploadId }), report);
  if (offloaded) await store.put(resultKey, json, { contentType: 'application/json; charset=utf-8' });
  await table.put(upload);
  await table.put(item);
}

/** The export function's bundle, invoked once in a fresh process with a capped heap; its response and figures. */
async function invoke(
  bundle: string,
  env: Record<string, string>,
  event: unknown,
): Promise<{ wallMs: number; peakMb: number; response: ExportResponse; logged: Record<string, unknown>[] }> {
  const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)}); const response = await handler(${JSON.stringify(event)}); process.stdout.write('\\nFAZHI_RESPONSE ' + JSON.stringify(response) + '\\n');`;
  // Asynchronous: the servers it talks to run in this process.
  const run = await measuredNodeAsync([`--max-old-space-size=${HEAP_MB}`, '--input-type=module', '-e', script], { env });
  const response = ExportResponse.parse(JSON.parse(/^FAZHI_RESPONSE (.*)$/mu.exec(run.stdout)?.[1] ?? 'null'));
  // The function's own log lines (JSON, one per line): its timings.
  const logged = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { wallMs: run.wallMs, peakMb: run.peakMb, response, logged };
}

export async function exportLambda(): Promise<SectionResult> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dir = mkdtempSync(join(tmpdir(), 'fazhi-bench-export-'));
  const servers = await startServers({ dataDir: join(dir, 'data'), persistent: false });
  const bucket = 'fazhi-bench';
  const tableName = 'fazhi-bench';
  const s3 = makeS3Client({ s3Endpoint: servers.s3.endpoint });
  const dynamo = new DynamoDBClient({ endpoint: servers.dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const rows: Row[] = [];
  let seedMs: number;
  try {
    await ensureBucket(s3, bucket);
    await ensureTable(dynamo, tableName);
    const store = new S3ObjectStore(s3, bucket);
    const table = new DynamoTable(makeDocumentClient({ dynamodbEndpoint: servers.dynamodb.endpoint }), tableName);
    const counties = Array.from({ length: COUNTIES }, (_, i) => `第${String(i + 1).padStart(3, '0')}县`);
    const files = distinctReports(COUNTIES * PER_COUNTY);
    const started = performance.now();
    for (let at = 0; at < files.length; at += SEED_CONCURRENCY) {
      await Promise.all(
        files.slice(at, at + SEED_CONCURRENCY).map((file, k) => seed(store, table, counties[Math.floor((at + k) / PER_COUNTY)]!, at + k, file)),
      );
    }
    seedMs = performance.now() - started;

    const bundleDir = join(dir, 'export');
    buildSync(esbuildOptions(join(ROOT, 'functions/export/handler.ts'), bundleDir));
    const env = {
      BUCKET_NAME: bucket,
      TABLE_NAME: tableName,
      URL_TTL_SECONDS: '900',
      LOG_LEVEL: 'INFO',
      AWS_REGION: LOCAL_REGION,
      FAZHI_S3_ENDPOINT: servers.s3.endpoint,
      FAZHI_DYNAMODB_ENDPOINT: servers.dynamodb.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const limit = FUNCTION_SPECS.export.memorySize;
    for (const [label, event] of [
      [`the year: ${COUNTIES} counties, ${(COUNTIES * PER_COUNTY).toLocaleString('en')} reports`, { year: YEAR }],
      [`one county: ${PER_COUNTY} reports`, { year: YEAR, county: counties[0] }],
    ] as const) {
      const run = await invoke(join(bundleDir, 'index.mjs'), env, event);
      const object = await store.get(run.response.key);
      const timings = run.logged.find((l) => l.message === 'year-wide workbook exported');
      rows.push({
        export: label,
        ranked: run.response.results.length,
        'wall s': round(run.wallMs / 1000),
        'ranking s': timings ? round(Number(timings.rankMs) / 1000) : '',
        'workbook s': timings ? round(Number(timings.workbookMs) / 1000) : '',
        'peak RSS MB': round(run.peakMb, 0),
        'workbook MB': round(object.bytes.byteLength / 1024 / 1024),
        target: `within ${limit} MB: ${run.peakMb <= limit ? 'met' : 'NOT met'}`,
      });
    }
  } finally {
    s3.destroy();
    dynamo.destroy();
    await servers.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: 'Export function at a province’s scale',
    note: `the export function's bundle (esbuild, as the stack builds it) invoked in a fresh Node ${process.version} process with --max-old-space-size=${HEAP_MB}, against s3rver and dynalite in the benchmark's process (seeded in ${round(seedMs / 1000, 0)} s: status item, score item and normalised report per upload, as ingest and score leave them); wall time includes start-up, the Queries, reading ${PER_COUNTY} results and reports per county, the cross-report checks per county, and the workbook streamed to S3 in parts; peak RSS is the function's process only. Lambda at ${FUNCTION_SPECS.export.memorySize} MB has about 0.6 of a vCPU (a full one from 1,769 MB), so expect its wall time to be longer than here`,
    rows,
  };
}
