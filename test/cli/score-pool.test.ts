import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScoreRun } from '../../schemas/score.ts';
import { runJsonLines, runScore, threadCount, MIN_FILES_PER_THREAD } from '../../cli/commands/score.ts';
import { listInputFiles, loadInputs } from '../../cli/inputs.ts';
import { loadRubricFile, rubricPathFor } from '../../cli/rubrics.ts';
import { parseFiles, planRanking, scoreEntry } from '../../pipeline/batch.ts';
import { rescoreCopied } from '../../pipeline/rank/index.ts';
import { ScorePool } from '../../cli/pool/score-pool.ts';
import { distinctReports, nearDuplicateReports, writeCorpus } from '../../bench/synthetic.ts';
import { ROOT, SAMPLES_DIR } from '../helpers/reports.ts';

const json = (run: ScoreRun): string => JSON.stringify({ results: run.results, failures: run.failures }, null, 2);

/** A county of fictional reports mixed from real ones: distinct ones, planted copies and a copy ring of 20. */
function syntheticCounty(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fazhi-pool-'));
  return writeCorpus(dir, [...distinctReports(60), ...nearDuplicateReports(20, 1).map((f) => ({ ...f, name: `ring-${f.name}` }))]);
}

describe('fazhi score on worker threads', () => {
  it('gives byte-identical JSON to the single-thread run, on the samples and on a synthetic county with copies', async () => {
    const county = syntheticCounty();
    try {
      for (const dir of [SAMPLES_DIR, county]) {
        // Act
        const single = await runScore([dir], { jobs: 1 });
        const pooled = await runScore([dir], { jobs: 2 });
        // Assess
        expect(pooled.results.length).toBeGreaterThan(5);
        expect(json(pooled)).toBe(json(single));
      }
    } finally {
      rmSync(county, { recursive: true, force: true });
    }
  }, 120_000);

  it('a file whose worker crashes fails alone with an internal-error reason; every other file is scored', async () => {
    // Prepare: the samples (2024 and last year's) and one file the test worker dies on.
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-crash-'));
    cpSync(SAMPLES_DIR, dir, { recursive: true });
    copyFileSync(join(SAMPLES_DIR, '龙口乡2024年法治政府建设工作总结.txt'), join(dir, 'crash-me.txt'));
    const { files } = await listInputFiles([dir]);
    const parsing = await rubricPathFor(2024);
    const pool = new ScorePool(2, { worker: new URL('./crashing-score-worker.ts', import.meta.url), thisThread: false });
    try {
      // Act
      const outcome = await pool.parseAndScore(files, parsing, null);
      // Assess
      expect(outcome.failures.map((f) => [f.source.split('/').pop(), f.code])).toEqual([['crash-me.txt', 'internal']]);
      expect(outcome.failures[0]!.message).toContain('不是文件的问题');
      expect(outcome.reports).toHaveLength(files.length - 1);
      expect([...outcome.scored.values()].map((s) => s.entry.result.source).sort()).toEqual(
        files
          .map((f) => f.key)
          .filter((k) => !k.includes('crash-me'))
          .sort(),
      );
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('re-scores the copiers of the cross-report checks in the threads exactly as in this thread', async () => {
    // Prepare: the synthetic county's copy ring, scored in this thread and planned; the pool has parsed and scored
    // the same files first, as a run's pool has when it keeps its workers for the re-scorings.
    const county = syntheticCounty();
    const pool = new ScorePool(2);
    try {
      const { files } = await loadInputs([county], { county: '临澜县', year: 2024 });
      const loaded = await loadRubricFile(await rubricPathFor(2024));
      const { reports } = await parseFiles(files, loaded);
      const entries = reports.map((report) => scoreEntry(report, loaded, undefined));
      const plan = planRanking(entries, loaded);
      const listed = await listInputFiles([county], { county: '临澜县', year: 2024 });
      expect((await pool.parseAndScore(listed.files, await rubricPathFor(2024), null)).reports.length).toBe(reports.length);
      // Act
      const threaded = await pool.rescoreCopied(plan.rescores, entries, loaded, await rubricPathFor(2024));
      // Assess
      expect(plan.rescores.length).toBeGreaterThanOrEqual(10);
      expect(JSON.stringify(threaded)).toBe(JSON.stringify(plan.rescores.map((r) => rescoreCopied(entries[r.entry]!.report, loaded, r))));
    } finally {
      await pool.close();
      rmSync(county, { recursive: true, force: true });
    }
  }, 60_000);

  it('uses workers only when there are enough files to pay for their start-up, unless told', () => {
    expect(threadCount(undefined, 10_000)).toBe(1);
    expect(threadCount('auto', MIN_FILES_PER_THREAD - 1)).toBe(1);
    expect(threadCount('auto', 100_000)).toBeGreaterThanOrEqual(1);
    expect(threadCount(3, 5)).toBe(3);
  });

  it('`fazhi score --jobs 2` from the bin (tsx in the workers) prints what the single-thread run prints', async () => {
    const single = await runScore(['samples'], { jobs: 1 });
    // The sources, whether or not a prebuilt CLI is current (prebuilt.test.ts runs the bundle's workers).
    const env = { ...process.env, FAZHI_SOURCE: '1' };
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/fazhi.js'), 'score', 'samples', '--json', '--jobs', '2'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${json(single)}\n`);
  }, 60_000);
});

describe('fazhi score on worker threads from a prebuilt bundle', () => {
  it('starts score-worker.mjs beside the bundle and gives the same results', async () => {
    // Prepare: the score run and its worker bundled as a prebuilt CLI would ship them (node_modules resolved as usual).
    mkdirSync(join(ROOT, '.scratch'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, '.scratch', 'bundle-'));
    try {
      buildSync({
        entryPoints: { run: join(ROOT, 'test/cli/bundle-entry.ts'), 'score-worker': join(ROOT, 'cli/pool/score-worker.ts') },
        outdir: dir,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outExtension: { '.js': '.mjs' },
        packages: 'external',
        logLevel: 'error',
      });
      const rubric = join(ROOT, 'scoring-rules/2024.json');
      const single = await runScore(['samples'], { jobs: 1, rubricPath: rubric });
      // Act
      const run = spawnSync(process.execPath, [join(dir, 'run.mjs'), 'samples', rubric], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      // Assess
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toBe(json(single));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('fazhi score --json, streamed', () => {
  it('is JSON.stringify(run, null, 2) piece by piece, whatever is empty', async () => {
    const run = await runScore([SAMPLES_DIR], {});
    const failure = { source: 'x.xlsx', code: 'not-a-report' as const, message: '不是报告' };
    for (const shape of [run, { results: run.results, failures: [failure, failure] }, { results: [], failures: [failure] }, { results: [], failures: [] }]) {
      expect([...runJsonLines(shape)].join('\n')).toBe(json(shape));
    }
  });

  it('stops quietly when the reader goes away (`fazhi score --json | head`)', async () => {
    // Prepare: enough reports that the output is far larger than a pipe's buffer.
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-epipe-'));
    writeCorpus(dir, distinctReports(40));
    expect(readdirSync(dir).length).toBeGreaterThan(40);
    // Act: read the first chunk, then close the pipe.
    const child = spawn(process.execPath, [join(ROOT, 'bin/fazhi.js'), 'score', dir, '--json', '--jobs', '1'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
    // Assess
    expect(first.startsWith('{')).toBe(true);
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Error|内部错误/u);
  }, 60_000);
});
