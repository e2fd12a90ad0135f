import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WORKER_RUN_FLAGS } from '../cli/pool/jit.ts';
import { buildCli } from '../scripts/build-cli.ts';
import { percentile, ROOT } from './corpus.ts';
import type { Row, SectionResult } from './sections.ts';
import { distinctReports, nearDuplicateReports, writeCorpus } from './synthetic.ts';

/**
 * The whole `fazhi score` process, as a user runs it: a fresh Node process through bin/fazhi.js running the prebuilt
 * CLI that `npm ci` builds (start-up, reading, all cores, the cross-report checks, the ranking, writing the output),
 * timed from outside. Beside each figure, the read-and-decode floor measured in the same run: a fresh Node process
 * that only reads the same files and decodes them to text. Targets (issue 13) are printed as met or not met; nothing
 * here is asserted by tests.
 */

const USAGE_HOOK = join(ROOT, 'bench/report-usage.mjs');
const BIN = join(ROOT, 'bin/fazhi.js');

/** Reads every report file under a folder and decodes it to text: the least any scorer must do. */
const FLOOR_SCRIPT = `
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const decoder = new TextDecoder('utf-8', { fatal: true });
let chars = 0;
const walk = (dir) => { for (const e of readdirSync(dir, { withFileTypes: true })) { if (/^\\.|\\.json$/u.test(e.name)) continue; const p = join(dir, e.name); if (e.isDirectory()) walk(p); else chars += decoder.decode(readFileSync(p)).length; } };
walk(process.argv[1]);
if (chars === 0) process.exit(3);
`;

interface ChildRun {
  wallMs: number;
  cpuMs: number;
  peakMb: number;
  status: number | null;
  outBytes: number;
  stderr: string;
}

/** One fresh Node process; its CPU time and peak RSS (all threads) come from bench/report-usage.mjs at exit. */
function runNode(args: readonly string[], options: { outFile?: string; env?: NodeJS.ProcessEnv } = {}): ChildRun {
  const out = options.outFile ? openSync(options.outFile, 'w') : 'ignore';
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', USAGE_HOOK, ...args], {
    cwd: ROOT,
    stdio: ['ignore', out, 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ...options.env },
  });
  const wallMs = performance.now() - started;
  if (typeof out === 'number') closeSync(out);
  return childRun(wallMs, child.status, child.stderr ?? '', options.outFile);
}

/** A finished child's figures: its CPU time and peak RSS as bench/report-usage.mjs printed them at exit. */
function childRun(wallMs: number, status: number | null, stderr: string, outFile: string | undefined): ChildRun {
  const usage = JSON.parse(/FAZHI_USAGE (\{.*\})/u.exec(stderr)?.[1] ?? '{"maxRssKb":0,"cpuMs":0}') as { maxRssKb: number; cpuMs: number };
  return { wallMs, cpuMs: usage.cpuMs, peakMb: usage.maxRssKb / 1024, status, outBytes: outFile ? statSync(outFile).size : 0, stderr };
}

/** Fresh Node processes started at once, each writing stdout to its file; each one's figures, wall time to its own end. */
function runNodesAtOnce(runs: readonly { args: readonly string[]; outFile: string }[], env: NodeJS.ProcessEnv): Promise<ChildRun[]> {
  const started = performance.now();
  return Promise.all(
    runs.map(
      ({ args, outFile }) =>
        new Promise<ChildRun>((resolve, reject) => {
          const out = openSync(outFile, 'w');
          const child = spawn(process.execPath, ['--import', USAGE_HOOK, ...args], {
            cwd: ROOT,
            stdio: ['ignore', out, 'pipe'],
            env: { ...process.env, ...env },
          });
          let stderr = '';
          child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
          child.on('error', reject);
          child.on('close', (status) => {
            closeSync(out);
            resolve(childRun(performance.now() - started, status, stderr, outFile));
          });
        }),
    ),
  );
}

/** The fastest of `runs` read-and-decode passes over `dir`, in ms. */
function floorMs(dir: string, runs = 3): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const run = runNode(['-e', FLOOR_SCRIPT, dir]);
    if (run.status !== 0) throw new Error(`the read-and-decode floor failed on ${dir}: ${run.stderr}`);
    best = Math.min(best, run.wallMs);
  }
  return best;
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const verdict = (met: boolean) => (met ? 'met' : 'NOT met');

/** `fazhi score DIR --json` (and `--out` for a county) on synthetic county·years of 100 to 10,000 reports. */
export async function endToEnd(): Promise<SectionResult> {
  const cli = await benchCli('bench-e2e');
  const root = mkdtempSync(join(tmpdir(), 'fazhi-bench-e2e-'));
  const loadBefore = loadavg()[0] ?? 0;
  const rows: Row[] = [];
  let distinctBytesPerReport = 0;
  try {
    const cases = [
      {
        label: 'county: 30 distinct, --out workbook',
        files: () => distinctReports(30),
        out: 'xlsx' as const,
        target: (r: ChildRun) => ({ text: '≤ 1 s wall', met: r.wallMs <= 1000 }),
      },
      { label: '100 distinct', files: () => distinctReports(100), out: 'json' as const },
      {
        label: '2,000 distinct',
        files: () => distinctReports(2000),
        out: 'json' as const,
        target: (r: ChildRun) => ({ text: '≥ 400 reports/s incl. start-up', met: 2000 / (r.wallMs / 1000) >= 400 }),
      },
      { label: '2,000 distinct, --jobs 1 (no worker)', files: () => distinctReports(2000), out: 'json' as const, args: ['--jobs', '1'] },
      {
        label: '2,000 near-duplicates of 16 texts',
        files: () => nearDuplicateReports(2000),
        out: 'json' as const,
        target: (r: ChildRun) => {
          const perReport = r.outBytes / 2000;
          const linear = distinctBytesPerReport > 0 && perReport <= 2 * distinctBytesPerReport;
          return {
            text: `≥ 250 reports/s, output ≤ 2 × a distinct report's (${round(perReport / 1024, 0)} KB vs ${round(distinctBytesPerReport / 1024, 0)} KB)`,
            met: 2000 / (r.wallMs / 1000) >= 250 && linear,
          };
        },
      },
      {
        label: '10,000 distinct',
        files: () => distinctReports(10_000),
        out: 'json' as const,
        target: (r: ChildRun) => ({ text: '≤ 90 s, ≤ 1.5 GB (the issue sets it with the workbook; here --json)', met: r.wallMs <= 90_000 && r.peakMb <= 1536 }),
      },
    ];
    for (const [index, c] of cases.entries()) {
      const dir = writeCorpus(join(root, `corpus-${index}`), c.files());
      const count = c.label.startsWith('county') ? 30 : Number(c.label.replace(/,/gu, '').split(' ')[0]);
      const floor = floorMs(dir);
      const outFile = join(root, `out-${index}.${c.out}`);
      // The machine is shared: the fastest of three runs is what it can do, the median what a user may see.
      const runs = Array.from({ length: count > 2000 ? 1 : 3 }, () => {
        const extra = 'args' in c ? (c.args ?? []) : [];
        const run =
          c.out === 'json'
            ? runNode([BIN, 'score', dir, '--json', ...extra], { outFile, env: cli.env })
            : runNode([BIN, 'score', dir, '--out', outFile, ...extra], { env: cli.env });
        if (run.status !== 0) throw new Error(`fazhi score failed on ${c.label} (exit ${run.status}): ${run.stderr.slice(-2000)}`);
        return run;
      });
      const run = runs.reduce((best, r) => (r.wallMs < best.wallMs ? r : best));
      if (c.label === '2,000 distinct') distinctBytesPerReport = run.outBytes / count;
      const target = c.target?.(run);
      rows.push({
        run: c.label,
        'wall s': round(run.wallMs / 1000, 2),
        'median wall s':
          runs.length > 1
            ? round(
                percentile(
                  runs.map((r) => r.wallMs),
                  0.5,
                ) / 1000,
                2,
              )
            : '',
        'reports/s': round(count / (run.wallMs / 1000), 0),
        'CPU s': round(run.cpuMs / 1000, 1),
        'peak RSS MB': round(run.peakMb, 0),
        'output MB': round(statSync(outFile).size / 1024 / 1024, 1),
        'read+decode floor s': round(floor / 1000, 2),
        '× floor': round(run.wallMs / floor, 1),
        target: target?.text ?? '',
        met: target ? verdict(target.met) : '',
      });
      rmSync(dir, { recursive: true, force: true });
      rmSync(outFile, { force: true });
    }
    for (const c of TWO_PROCESS_CASES) rows.push(await twoProcessRow(join(root, `two-processes-${rows.length}`), c, cli.env));
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(dirname(cli.dir), { recursive: true, force: true });
  }
  return {
    title: 'fazhi score end to end (a fresh process through bin/fazhi.js running the prebuilt CLI, start-up included)',
    note: `load average ${round(loadBefore, 1)} before and ${round(loadavg()[0] ?? 0, 1)} after (the machine is shared: with fewer free cores than threads, --jobs 1 wins); Node ${process.version} (V8 ${process.versions.v8}); synthetic county·years (bench/synthetic.ts) written to a temp folder; ${availableParallelism()} cores, --jobs left to its default (this thread and a worker from 200 files: MIN_FILES_PER_THREAD; V8's compiler tuned for workers: cli/pool/jit.ts); the fastest of 3 runs (1 for 10,000) with that run's CPU time (user + system, all threads) and peak RSS; the floor is the fastest of 3 fresh Node processes that only read and decode the same files; the two-process rows split the 2,000 in two halves scored by two one-thread processes at once with the pool's V8 flags (nothing sent between threads, but two rankings of 1,000 instead of one of 2,000), peak RSS the larger process's`,
    rows,
  };
}

/**
 * The same work with nothing shared: the 2,000 split in two halves, each scored by its own process in one thread
 * (`--jobs 1`) with the V8 flags a pool sets (cli/pool/jit.ts), both at once. What a pool pays and these do not: one
 * ranking over all the reports (its checks and JSON on one thread after the last file), and copying each report and
 * result from the worker to the main thread. Their wall time is what a pool would take with no such cost. (A half still
 * holds each planted copy with its original, and copies of all 16 texts.)
 */
const TWO_PROCESS_CASES = [
  { label: 'two processes: 2,000 distinct as 2 × 1,000 at once, one thread each', files: () => distinctReports(2000) },
  { label: 'two processes: 2,000 near-duplicates as 2 × 1,000 at once, one thread each', files: () => nearDuplicateReports(2000) },
];

/** The pool's V8 flags on the command line of a one-thread process (a one-thread run does not set them itself). */
const POOL_FLAGS = WORKER_RUN_FLAGS.map(({ name, value }) => `${name}=${value}`);

async function twoProcessRow(root: string, c: (typeof TWO_PROCESS_CASES)[number], env: NodeJS.ProcessEnv): Promise<Row> {
  const files = c.files();
  const halves = [files.slice(0, files.length / 2), files.slice(files.length / 2)].map((half, i) => writeCorpus(join(root, `half-${i}`), half));
  const floor = floorMs(root);
  const attempts: ChildRun[][] = [];
  for (let i = 0; i < 3; i++) {
    const runs = await runNodesAtOnce(
      halves.map((dir, h) => ({ args: [...POOL_FLAGS, BIN, 'score', dir, '--json', '--jobs', '1'], outFile: join(root, `out-${h}.json`) })),
      env,
    );
    for (const run of runs) if (run.status !== 0) throw new Error(`fazhi score failed on ${c.label} (exit ${run.status}): ${run.stderr.slice(-2000)}`);
    attempts.push(runs);
  }
  const wall = (runs: readonly ChildRun[]) => Math.max(...runs.map((r) => r.wallMs));
  const best = attempts.reduce((a, b) => (wall(b) < wall(a) ? b : a));
  const row: Row = {
    run: c.label,
    'wall s': round(wall(best) / 1000, 2),
    'median wall s': round(percentile(attempts.map(wall), 0.5) / 1000, 2),
    'reports/s': round(files.length / (wall(best) / 1000), 0),
    'CPU s': round(best.reduce((sum, r) => sum + r.cpuMs, 0) / 1000, 1),
    'peak RSS MB': round(Math.max(...best.map((r) => r.peakMb)), 0),
    'output MB': round(best.reduce((sum, r) => sum + r.outBytes, 0) / 1024 / 1024, 1),
    'read+decode floor s': round(floor / 1000, 2),
    '× floor': round(wall(best) / floor, 1),
    target: 'none: the pool with no cost of its own',
    met: '',
  };
  rmSync(root, { recursive: true, force: true });
  return row;
}

/** The prebuilt CLI as `npm ci` builds it, in a folder of the bench's own (inside the project: node_modules resolves). */
async function benchCli(name: string): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = join(ROOT, '.fazhi', name, 'cli');
  rmSync(dirname(dir), { recursive: true, force: true });
  await buildCli(dir);
  return { dir, env: { FAZHI_CLI_DIR: dir, FAZHI_SOURCE: '' } };
}

/**
 * Where `fazhi`'s start-up goes, and what the prebuilt CLI saves: each command through tsx (the sources, as before the
 * build existed, and as a developer runs them after an edit) and from the prebuilt CLI (what `npm ci` builds).
 */
export async function startup(): Promise<SectionResult> {
  const cli = await benchCli('bench-startup');
  const source = { FAZHI_SOURCE: '1' };
  const root = mkdtempSync(join(tmpdir(), 'fazhi-bench-startup-'));
  const county = writeCorpus(join(root, 'county'), distinctReports(30));
  const workbook = join(root, 'county.xlsx');
  const cases: { step: string; args: string[]; env?: NodeJS.ProcessEnv }[] = [
    { step: 'node -e 0 (Node itself)', args: ['-e', '0'] },
    { step: 'node + tsx registered, no project code', args: ['--input-type=module', '-e', "const { register } = await import('tsx/esm/api'); register();"] },
    { step: 'fazhi --help, sources through tsx (transpile cache warm)', args: [BIN, '--help'], env: source },
    { step: 'fazhi --help, sources through tsx, cache off (transpiling)', args: [BIN, '--help'], env: { ...source, TSX_DISABLE_CACHE: '1' } },
    { step: 'fazhi --help, prebuilt CLI', args: [BIN, '--help'], env: cli.env },
    { step: 'fazhi score --help, sources through tsx', args: [BIN, 'score', '--help'], env: source },
    { step: 'fazhi score --help, prebuilt CLI', args: [BIN, 'score', '--help'], env: cli.env },
    { step: 'fazhi score, county of 30, --json, sources through tsx', args: [BIN, 'score', county, '--json'], env: source },
    { step: 'fazhi score, county of 30, --json, prebuilt CLI', args: [BIN, 'score', county, '--json'], env: cli.env },
    { step: 'fazhi score, county of 30, --out workbook, sources through tsx', args: [BIN, 'score', county, '--out', workbook], env: source },
    { step: 'fazhi score, county of 30, --out workbook, prebuilt CLI', args: [BIN, 'score', county, '--out', workbook], env: cli.env },
  ];
  try {
    // One untimed run each first: the transpile cache is filled and files are in the page cache.
    for (const c of cases) runNode(c.args, c.env ? { env: c.env, outFile: join(root, 'out') } : { outFile: join(root, 'out') });
    const rows: Row[] = cases.map((c) => {
      const runs = Array.from({ length: 5 }, () => runNode(c.args, c.env ? { env: c.env, outFile: join(root, 'out') } : { outFile: join(root, 'out') }));
      for (const run of runs) if (run.status !== 0) throw new Error(`${c.step} failed: ${run.stderr.slice(-1000)}`);
      return {
        step: c.step,
        'wall ms (median of 5)': round(
          percentile(
            runs.map((r) => r.wallMs),
            0.5,
          ),
          0,
        ),
        'CPU ms (median of 5)': round(
          percentile(
            runs.map((r) => r.cpuMs),
            0.5,
          ),
          0,
        ),
        'peak RSS MB': round(
          percentile(
            runs.map((r) => r.peakMb),
            0.5,
          ),
          0,
        ),
      };
    });
    return {
      title: 'Start-up of the fazhi command: sources through tsx vs the prebuilt CLI',
      note: `load average ${round(loadavg()[0] ?? 0, 1)}; Node ${process.version}; each a fresh process through bin/fazhi.js timed from outside (CPU = user + system of all threads); "prebuilt CLI" = dist/cli/ as npm ci builds it (scripts/build-cli.ts), "sources through tsx" = FAZHI_SOURCE=1, what runs when the build is missing or older than the sources; the county is 30 synthetic distinct reports (bench/synthetic.ts), one thread (a worker joins from 200 files)`,
      rows,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(dirname(cli.dir), { recursive: true, force: true });
  }
}
