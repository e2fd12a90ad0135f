/**
 * Micro benchmark of the extract stage: node bin/run-ts.js scripts/bench-extract.ts DIR [RUNS]
 * Extracts every file in DIR once to warm up, then RUNS times (default 5), and prints per-extension mean, p95 and
 * documents per second. Make inputs with scripts/make-format-fixtures.ts. Timing lives here, not in pipeline code.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { extractDocument } from '../pipeline/extract/index.ts';
import { isDocumentRejected } from '../pipeline/failure.ts';

const [dir, runsArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bin/run-ts.js scripts/bench-extract.ts DIR [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const files = readdirSync(dir)
  .filter((f) => !f.startsWith('.'))
  .sort()
  .map((f) => ({ name: f, kind: f.replace(/^[^.]*\./, '') || extname(f), bytes: readFileSync(join(dir, f)) }));

async function once(bytes: Uint8Array): Promise<number> {
  const started = performance.now();
  try {
    await extractDocument(bytes);
  } catch (error) {
    if (!isDocumentRejected(error)) throw error;
  }
  return performance.now() - started;
}

const cold = new Map<string, number[]>();
for (const file of files) cold.set(file.kind, [...(cold.get(file.kind) ?? []), await once(file.bytes)]);
const warm = new Map<string, number[]>();
for (let run = 0; run < runs; run++) {
  for (const file of files) warm.set(file.kind, [...(warm.get(file.kind) ?? []), await once(file.bytes)]);
}
const stats = (times: number[]): string => {
  const sorted = [...times].sort((a, b) => a - b);
  const mean = sorted.reduce((s, t) => s + t, 0) / sorted.length;
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
  return `mean ${mean.toFixed(1).padStart(7)} ms  p95 ${p95.toFixed(1).padStart(7)} ms  ${(1000 / mean).toFixed(0).padStart(5)} docs/s`;
};
console.log(`${files.length} files, ${runs} warm runs each`);
for (const [kind, times] of [...warm.entries()].sort()) {
  console.log(`${kind.padEnd(28)} warm ${stats(times)}   | first pass ${stats(cold.get(kind)!)}`);
}
