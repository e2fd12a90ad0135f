import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { ScoreResult } from '../schemas/score.ts';
import { bundledRubricFor } from '../pipeline/score/bundled-rubrics.ts';
import { PackedResults, writeWorkbookFile } from '../pipeline/workbook/index.ts';
import { ROOT } from './corpus.ts';
import type { Row, SectionResult } from './sections.ts';
import { distinctReports, writeCorpus } from './synthetic.ts';

/**
 * `npm run bench -- workbook`: the streamed workbook (pipeline/workbook/book.ts) at 10,000 reports. Every figure is a
 * fresh Node process measured from outside (its wall time, its own peak RSS at exit through bench/report-peak.mjs):
 *
 * - `fazhi score DIR --out` end to end on 10,000 distinct synthetic reports (start-up, parsing and scoring on all
 *   cores, the cross-report checks, the workbook): the issue's target, ≤ 90 s and ≤ 1.5 GB.
 * - The workbook alone, from the same 10,000 results: held as objects (what `fazhi score --out` holds) and packed
 *   (PackedResults, what the year-wide export holds); then 500 reports with their 500 feedback sheets (the old
 *   in-memory writer's benchmark size) and a county of 30.
 *
 * The results come from `fazhi score DIR --json` on the same corpus, saved one per line for the writing processes.
 */

const PEAK_HOOK = join(ROOT, 'bench/report-peak.mjs');
const BIN = join(ROOT, 'bin/fazhi.js');
const RUN_TS = join(ROOT, 'bin/run-ts.js');
const SELF = join(ROOT, 'bench/workbook.ts');
/** 10,000 (a trial run can ask for less: FAZHI_BENCH_REPORTS). */
const REPORTS = Number(process.env.FAZHI_BENCH_REPORTS ?? 10_000);

export interface Measured {
  wallMs: number;
  peakMb: number;
  stdout: string;
}

const peakKbOf = (stderr: string): number => (JSON.parse(/FAZHI_PEAK (\{.*\})/u.exec(stderr)?.[1] ?? '{"peakKb":0}') as { peakKb: number }).peakKb;

/** A fresh Node process, its wall time and its own peak RSS (bench/report-peak.mjs). */
export function measuredNode(args: readonly string[], options: { stdoutFile?: string; env?: NodeJS.ProcessEnv } = {}): Measured {
  const out = options.stdoutFile ? openSync(options.stdoutFile, 'w') : 'pipe';
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', PEAK_HOOK, ...args], {
    cwd: ROOT,
    stdio: ['ignore', out, 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...options.env },
  });
  const wallMs = performance.now() - started;
  if (typeof out === 'number') closeSync(out);
  if (child.status !== 0) throw new Error(`${args.join(' ')} failed (exit ${child.status}): ${(child.stderr ?? '').slice(-2000)}`);
  return { wallMs, peakMb: peakKbOf(child.stderr ?? '') / 1024, stdout: child.stdout ?? '' };
}

/**
 * The results of `fazhi score --json` (written piece by piece: cli/commands/score.ts runJsonLines, each result indented
 * under "results", its first and last lines at four spaces), one JSON line each, without holding the whole output.
 */
async function jsonOutputToLines(json: string, lines: string): Promise<number> {
  const out = createWriteStream(lines);
  let inResults = false;
  let item: string[] = [];
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(json) })) {
    if (line === '  "results": [') inResults = true;
    else if (inResults && (line === '  ],' || line === '  ]')) break;
    else if (inResults) {
      item.push(line);
      if (line === '    }' || line === '    },') {
        const text = item.join('\n');
        if (!out.write(`${JSON.stringify(JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text))}\n`))
          await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        item = [];
        count++;
      }
    }
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return count;
}

/**
 * The same, without blocking this process: for a child that talks to servers running here (bench/export-lambda.ts).
 */
export function measuredNodeAsync(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<Measured> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PEAK_HOOK, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${args.join(' ').slice(0, 200)} failed (exit ${code}): ${stderr.slice(-2000)}`));
      resolve({ wallMs: performance.now() - started, peakMb: peakKbOf(stderr) / 1024, stdout });
    });
  });
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

export async function workbook(): Promise<SectionResult> {
  const root = mkdtempSync(join(tmpdir(), 'fazhi-bench-workbook-'));
  const rows: Row[] = [];
  try {
    const dir = writeCorpus(join(root, 'corpus'), distinctReports(REPORTS));
    const xlsx = join(root, 'e2e.xlsx');
    const e2e = measuredNode([BIN, 'score', dir, '--out', xlsx]);
    const met = e2e.wallMs <= 90_000 && e2e.peakMb <= 1536;
    rows.push({
      run: `${REPORTS.toLocaleString('en')} distinct: fazhi score --out, end to end`,
      results: 'objects',
      'feedback sheets': 'no',
      'wall s': round(e2e.wallMs / 1000),
      'write s': '',
      'peak RSS MB': round(e2e.peakMb, 0),
      'file MB': round(statSync(xlsx).size / 1024 / 1024),
      target: `≤ 90 s, ≤ 1.5 GB: ${met ? 'met' : `NOT met (${e2e.wallMs <= 90_000 ? 'time met' : 'time not met'}, ${e2e.peakMb <= 1536 ? 'memory met' : 'memory not met'})`}`,
    });
    rmSync(xlsx);

    const json = join(root, 'results.json');
    measuredNode([BIN, 'score', dir, '--json'], { stdoutFile: json });
    rmSync(dir, { recursive: true, force: true });
    const lines = join(root, 'results.jsonl');
    const count = await jsonOutputToLines(json, lines);
    rmSync(json);
    if (count !== REPORTS) throw new Error(`fazhi score --json gave ${count} results, not ${REPORTS}`);

    const cases = [
      { run: `${REPORTS.toLocaleString('en')}: the workbook alone`, mode: 'objects', count: REPORTS },
      { run: `${REPORTS.toLocaleString('en')}: the workbook alone`, mode: 'packed', count: REPORTS },
      { run: '500 (the old benchmark size)', mode: 'objects', count: 500 },
      { run: 'a county of 30', mode: 'objects', count: 30 },
    ] as const;
    for (const c of cases) {
      const out = join(root, `${c.mode}-${c.count}.xlsx`);
      const run = measuredNode([RUN_TS, SELF, 'write', c.mode, lines, String(c.count), out]);
      const written = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { writeMs: number; rows: number; feedbackSheets: boolean };
      rows.push({
        run: c.run,
        results: c.mode,
        'feedback sheets': written.feedbackSheets ? String(c.count) : 'no',
        'wall s': round(run.wallMs / 1000),
        'write s': round(written.writeMs / 1000),
        'peak RSS MB': round(run.peakMb, 0),
        'file MB': round(statSync(out).size / 1024 / 1024),
        target: '',
      });
      rmSync(out);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return {
    title: 'Workbook (exceljs streaming writer)',
    note: `each row a fresh process (wall time and peak RSS of the whole process: start-up, reading the results, writing); "write s" is the workbook alone; ${REPORTS.toLocaleString('en')} distinct synthetic reports of one county (bench/synthetic.ts), results from fazhi score --json on the same corpus; objects = held as ScoreResult objects (fazhi score --out), packed = PackedResults (the year-wide export); a workbook of more than 500 units has no per-unit feedback sheets`,
    rows,
  };
}

/** The writing process: the first `count` results from the JSON lines, as objects or packed, to a workbook file. */
async function writeFromLines(mode: string, lines: string, count: number, out: string): Promise<void> {
  const objects: ScoreResult[] = [];
  const packed = new PackedResults();
  for await (const line of createInterface({ input: createReadStream(lines) })) {
    if (objects.length + packed.length >= count) break;
    const result = JSON.parse(line) as ScoreResult;
    if (mode === 'packed') packed.add(result);
    else objects.push(result);
  }
  const started = performance.now();
  const written = await writeWorkbookFile(out, {
    results: mode === 'packed' ? packed : objects,
    failures: [],
    rubric: bundledRubricFor(2024),
    scope: '临澜县 2024年度',
    generatedAt: '2025-04-01T00:00:00.000Z',
  });
  process.stdout.write(`${JSON.stringify({ writeMs: performance.now() - started, rows: written.results, feedbackSheets: written.feedbackSheets })}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === 'write') {
  const [, , , mode = 'objects', lines = '', count = '0', out = ''] = process.argv;
  await writeFromLines(mode, lines, Number(count), out);
}
