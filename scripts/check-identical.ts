import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractDocument } from '../pipeline/extract/index.ts';
import { normalizeReport } from '../pipeline/normalize/index.ts';
import { bundledRubricFor } from '../pipeline/score/bundled-rubrics.ts';
import { scoreReport } from '../pipeline/score/index.ts';
import { digits, nestedNumbering, runOnLine, runOnLines } from '../test/pipeline/score/hostile-text-fixtures.ts';
import { distinctReports, nearDuplicateReports, writeCorpus } from '../bench/synthetic.ts';

/**
 * Proves that a change to the parser or the scorer changes no result: records what `fazhi parse --json` and
 * `fazhi score --json` print for the samples, the seeds, synthetic county·years and hostile texts, and later compares
 * a new run with that record byte for byte.
 *
 *   node bin/run-ts.js scripts/check-identical.ts record  [DIR]   # before the change (default DIR: /tmp/fazhi-identical)
 *   node bin/run-ts.js scripts/check-identical.ts compare [DIR]   # after it; exit 1 on any difference
 *
 * The record holds report text (the seeds, and synthetic reports built from their clauses): keep it outside the
 * repository.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SEEDS = join(ROOT, '..', 'shared', 'seeds');
const BIN = join(ROOT, 'bin', 'fazhi.js');

/** Sizes of the synthetic sets: big enough for copy clusters and the name check, small enough to run after every change. */
const DISTINCT_REPORTS = 400;
const NEAR_DUPLICATES = 200;

interface Output {
  name: string;
  bytes: string;
}

function reportFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.') || entry.name.endsWith('.json') || /^README/iu.test(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...reportFiles(path));
    else out.push(path);
  }
  return out;
}

/** One CLI run; its stdout is the output compared. The exit code is part of it (1 = some file failed). */
function cli(name: string, args: readonly string[], cwd = ROOT): Output {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`${name}: fazhi ${args.slice(0, 2).join(' ')} exited ${run.status}: ${run.stderr}`);
  return { name, bytes: `exit ${run.status}\n${run.stdout}` };
}

/** The hostile texts, parsed and scored in process (the CLI refuses some of them before scoring). */
async function hostile(): Promise<Output[]> {
  const loaded = bundledRubricFor(2024);
  const outputs: Output[] = [];
  for (const [name, text] of [
    ['run-on-lines', runOnLines()],
    ['run-on-line', runOnLine()],
    ['nested-numbering', nestedNumbering()],
    ['digits', digits()],
  ] as const) {
    const bytes = Buffer.from(text);
    const source = { key: `${name}.txt`, format: 'txt' as const, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    // Straight from lines, past the extract stage's line limit, so the scorer sees these texts whole.
    const document = { format: 'txt' as const, blocks: text.split('\n').map((line) => ({ text: line })), warnings: [] };
    const report = normalizeReport(document, source, { metrics: loaded.rubric.metrics });
    outputs.push({ name: `hostile/${name}.parse.json`, bytes: JSON.stringify(report) });
    outputs.push({ name: `hostile/${name}.score.json`, bytes: JSON.stringify(scoreReport(report, loaded)) });
  }
  // And once through extraction, as an upload would arrive.
  const report = normalizeReport(
    await extractDocument(Buffer.from(nestedNumbering())),
    { key: 'n.txt', format: 'txt', bytes: 0, sha256: '0' },
    { metrics: loaded.rubric.metrics },
  );
  outputs.push({ name: 'hostile/nested-numbering.extracted.json', bytes: JSON.stringify(report) });
  return outputs;
}

function folderOutputs(label: string, dir: string): Output[] {
  const files = reportFiles(dir);
  return [
    cli(`${label}/parse.json`, ['parse', ...files, '--json']),
    cli(`${label}/score.json`, ['score', dir, '--json', '--jobs', '1']),
    // Worker threads must not change a result either.
    cli(`${label}/score.jobs2.json`, ['score', dir, '--json', '--jobs', '2']),
  ];
}

async function allOutputs(): Promise<Output[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'fazhi-identical-'));
  try {
    const outputs = [
      ...folderOutputs('samples', join(ROOT, 'samples')),
      ...folderOutputs('fixtures-formats', join(ROOT, 'test/fixtures/formats')),
      ...folderOutputs('fixtures-units', join(ROOT, 'test/fixtures/units')),
    ];
    if (existsSync(SEEDS)) outputs.push(...folderOutputs('seeds', SEEDS));
    else console.error(`(no seeds at ${SEEDS}: compared without them)`);
    // Run from the scratch folder, so the sources (relative paths) do not name the temporary folder.
    writeCorpus(join(scratch, 'distinct'), distinctReports(DISTINCT_REPORTS));
    writeCorpus(join(scratch, 'near'), nearDuplicateReports(NEAR_DUPLICATES));
    outputs.push(cli('synthetic-distinct/score.json', ['score', 'distinct', '--json'], scratch));
    outputs.push(cli('synthetic-near/score.json', ['score', 'near', '--json'], scratch));
    outputs.push(...(await hostile()));
    return outputs;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at character ${i}: recorded …${JSON.stringify(a.slice(Math.max(0, i - 80), i + 80))}… now …${JSON.stringify(b.slice(Math.max(0, i - 80), i + 80))}…`;
}

async function main(): Promise<number> {
  const [mode, dir = join(tmpdir(), 'fazhi-identical')] = process.argv.slice(2);
  if (mode !== 'record' && mode !== 'compare') {
    console.error('usage: node bin/run-ts.js scripts/check-identical.ts record|compare [DIR]');
    return 2;
  }
  const started = performance.now();
  const outputs = await allOutputs();
  if (mode === 'record') {
    for (const output of outputs) {
      mkdirSync(join(dir, output.name, '..'), { recursive: true });
      writeFileSync(join(dir, output.name), output.bytes);
    }
    console.log(`recorded ${outputs.length} outputs in ${relative(process.cwd(), dir) || dir} (${Math.round(performance.now() - started)} ms)`);
    return 0;
  }
  let differ = 0;
  for (const output of outputs) {
    const path = join(dir, output.name);
    const recorded = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (recorded === output.bytes) continue;
    differ++;
    console.log(`DIFFERENT ${output.name}: ${recorded === undefined ? 'not recorded' : firstDifference(recorded, output.bytes)}`);
  }
  const bytes = outputs.reduce((n, o) => n + o.bytes.length, 0);
  console.log(
    `${outputs.length - differ} of ${outputs.length} outputs identical (${(bytes / 1e6).toFixed(1)} M characters compared, ${Math.round(performance.now() - started)} ms)`,
  );
  return differ === 0 ? 0 : 1;
}

process.exitCode = await main();
