// `npm run bench:burst [-- --files 1000 --concurrency 32]`: a burst of uploads through the local pipeline, as
// `fazhi local` runs it (s3rver + dynalite on disk, journaled queues, documents parsed and scored in worker threads
// stopped at their budgets). Every upload must end final (scored or failed with a reason), none stuck; prints the
// time, the throughput and this process's peak memory (the servers, the queues and the workers all run in it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from '../cli/local/stack.ts';
import { waitForUploads } from '../cli/local/wait.ts';
import { planUploads, uploadAll, type PlannedUpload } from '../cli/uploads.ts';
import { uploadKey } from '../schemas/storage.ts';
import { ROOT } from './corpus.ts';

const { values } = parseArgs({ options: { files: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '32' }, counties: { type: 'string', default: '10' } } });
const FILES = Number(values.files);
const CONCURRENCY = Number(values.concurrency);
const COUNTIES = Number(values.counties);

// The samples (2024 and 2023 reports with their sidecars), each copy under its own name and one of COUNTIES counties.
const plan = await planUploads([join(ROOT, 'samples')]);
const uploads: PlannedUpload[] = Array.from({ length: FILES }, (_, i) => {
  const sample = plan.uploads[i % plan.uploads.length]!;
  const county = `压测${i % COUNTIES}县`;
  return { ...sample, county, key: uploadKey(sample.year, county, `${String(i).padStart(4, '0')}-${basename(sample.key)}`) };
});

const dataDir = mkdtempSync(join(tmpdir(), 'fazhi-burst-'));
const stack = await startLocalStack({ dataDir, persistent: true, journal: true, testEvents: false });
try {
  const started = Date.now();
  let uploadedAt = 0;
  const uploading = uploadAll(stack.store, uploads, () => {}, CONCURRENCY).then(() => (uploadedAt = Date.now()));
  const idle = () => stack.queues.ingest.idle && stack.queues.score.idle;
  await uploading;
  const outcome = await waitForUploads(stack.records, uploads, { since: started, idle, timeoutMs: 60 * 60_000, pollMs: 500 });
  const finished = Date.now();
  const reconciled = await stack.reconcile();
  const seconds = (finished - started) / 1000;
  const deadLetters = stack.queues.ingest.deadLetters.length + stack.queues.score.deadLetters.length;
  const rows = [
    ['uploads', FILES],
    ['upload concurrency', CONCURRENCY],
    ['county·years', new Set(uploads.map((u) => `${u.county}|${u.year}`)).size],
    ['uploaded in (s)', ((uploadedAt - started) / 1000).toFixed(1)],
    ['all final in (s)', seconds.toFixed(1)],
    ['uploads/s (end to end)', (FILES / seconds).toFixed(1)],
    ['scored', outcome.scored],
    ['failed (with a reason)', outcome.failed],
    ['stuck', outcome.stuck.length],
    ['dead letters', deadLetters],
    ['reconciler afterwards: actions', reconciled.actions.length],
    ['peak memory, whole process (MB)', Math.round(process.resourceUsage().maxRSS / 1024)],
  ];
  console.log(`Burst through the local pipeline — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.arch}\n`);
  console.log('| measure | value |\n|---|---|');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  if (outcome.stuck.length > 0) {
    console.error(`STUCK: ${outcome.stuck.slice(0, 20).map((s) => `${s.key} (${s.status})`).join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  await stack.close();
  rmSync(dataDir, { recursive: true, force: true });
}
