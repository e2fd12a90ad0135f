// `npm run bench:burst [-- --files 1000 --concurrency 32]`: a burst of uploads through the local pipeline, as
// `fazhi local` runs it (s3rver + dynalite on disk in their own thread, journaled queues, documents parsed and scored
// in worker threads stopped at their budgets, the statuses polled as `fazhi local` polls them). Every upload must end
// final (scored or failed with a reason), none stuck; prints the time, the throughput, the CPU time per upload (all
// threads: the servers, the queues and the workers all run in this process; on a shared machine the figure that
// depends least on what else runs), how much of it the main thread and the servers' thread carry, and the peak memory. Target (issue 13): ≥ 40 uploads/s. Profile with
// `node --expose-gc --cpu-prof --cpu-prof-dir=prof bin/run-ts.js bench/burst.ts` (one profile per thread).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from '../cli/local/stack.ts';
import { useBundledWorkers } from '../pipeline/parallel/pool.ts';
import { threadCpuMs } from '../cli/local/thread-cpu.ts';
import { waitForUploads } from '../cli/local/wait.ts';
import { planUploads, uploadAll, type PlannedUpload } from '../cli/uploads.ts';
import { uploadKey } from '../schemas/storage.ts';
import { ROOT } from './corpus.ts';

// The threads run what `fazhi local` runs: the prebuilt CLI's worker entries (dist/cli/*-worker.mjs), when that build
// is current (bin/prebuilt.js, as bin/fazhi.js decides); else the TypeScript sources through tsx, whose loader in
// every thread adds to each dynamic import (mammoth, per .docx) what the prebuilt CLI does not pay.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- `as string` keeps tsc from resolving bin/prebuilt.js, which has no declarations (TS7016)
const prebuilt = ((await import('../bin/prebuilt.js' as string)) as { prebuiltCli(): { main?: string; reason?: string } }).prebuiltCli();
if (prebuilt.main && !process.env.FAZHI_SOURCE) useBundledWorkers(new URL('./', prebuilt.main));
const threadCode =
  prebuilt.main && !process.env.FAZHI_SOURCE
    ? 'prebuilt CLI (dist/cli), as fazhi local'
    : `sources through tsx (${process.env.FAZHI_SOURCE ? 'FAZHI_SOURCE is set' : prebuilt.reason})`;

const { values } = parseArgs({
  options: { files: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '32' }, counties: { type: 'string', default: '10' } },
});
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
  const loadBefore = loadavg()[0] ?? 0;
  const cpuBefore = process.cpuUsage();
  const mainBefore = threadCpuMs();
  const serversBefore = await stack.serversCpuMs();
  const started = Date.now();
  let uploadedAt = 0;
  const uploading = uploadAll(stack.store, uploads, () => {}, CONCURRENCY).then(() => (uploadedAt = Date.now()));
  const idle = () => stack.queues.ingest.idle && stack.queues.score.idle;
  const activity = () => stack.queues.ingest.delivered + stack.queues.score.delivered;
  let polls = 0;
  await uploading;
  const outcome = await waitForUploads(stack.records, uploads, { since: started, idle, activity, onProgress: () => polls++ });
  const finished = Date.now();
  const cpu = process.cpuUsage(cpuBefore);
  const mainAfter = threadCpuMs();
  const serversAfter = await stack.serversCpuMs();
  const perUpload = (before: number | null, after: number | null) => (before === null || after === null ? 'n/a' : ((after - before) / FILES).toFixed(1));
  const reconciled = await stack.reconcile();
  const seconds = (finished - started) / 1000;
  const deadLetters = stack.queues.ingest.deadLetters.length + stack.queues.score.deadLetters.length;
  const rows = [
    ['uploads', FILES],
    ['worker threads run', threadCode],
    ['upload concurrency', CONCURRENCY],
    ['county·years', new Set(uploads.map((u) => `${u.county}|${u.year}`)).size],
    ['uploaded in (s)', ((uploadedAt - started) / 1000).toFixed(1)],
    ['all final in (s)', seconds.toFixed(1)],
    ['uploads/s (end to end)', (FILES / seconds).toFixed(1)],
    ['CPU time per upload, all threads (ms)', ((cpu.user + cpu.system) / 1000 / FILES).toFixed(1)],
    ['… of it on the main thread (handlers, SDK clients, queues)', perUpload(mainBefore, mainAfter)],
    ["… of it on the servers' thread (s3rver, dynalite)", perUpload(serversBefore, serversAfter)],
    ['status reads while waiting', polls],
    ['scored', outcome.scored],
    ['failed (with a reason)', outcome.failed],
    ['stuck', outcome.stuck.length],
    ['dead letters', deadLetters],
    ['reconciler afterwards: actions', reconciled.actions.length],
    ['peak memory, whole process (MB)', Math.round(process.resourceUsage().maxRSS / 1024)],
    ['load average before / after (2 cores, shared)', `${loadBefore.toFixed(1)} / ${(loadavg()[0] ?? 0).toFixed(1)}`],
  ];
  console.log(`Burst through the local pipeline — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.arch}\n`);
  console.log('| measure | value |\n|---|---|');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  if (outcome.stuck.length > 0) {
    console.error(
      `STUCK: ${outcome.stuck
        .slice(0, 20)
        .map((s) => `${s.key} (${s.status})`)
        .join(', ')}`,
    );
    process.exitCode = 1;
  }
} finally {
  await stack.close();
  rmSync(dataDir, { recursive: true, force: true });
}
