// Rewrites test/golden/golden.json from the current scores of samples/ and ../shared/seeds.
// Run: node bin/run-ts.js scripts/update-golden.ts — then say in the commit message WHY the scores changed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runScore } from '../cli/commands/score.ts';
import { goldenEntry, GOLDEN_PATH, type GoldenEntry } from '../test/golden/golden.ts';

const root = join(import.meta.dirname, '..');
const previous = existsSync(GOLDEN_PATH) ? (JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as GoldenEntry[]) : [];
const why = new Map(previous.map((e) => [e.source, e.why]));
const quality = JSON.parse(readFileSync(join(root, 'samples/quality.json'), 'utf8')) as { file: string; why: string }[];
for (const q of quality) if (!why.has(`samples/${q.file}`)) why.set(`samples/${q.file}`, q.why);

const entries: GoldenEntry[] = [];
const samples = await runScore([join(root, 'samples')], {});
for (const result of samples.results) entries.push(goldenEntry(result, `samples/${result.source.replace(/^.*?samples\//u, '')}`, why));
const seeds = join(root, '..', 'shared', 'seeds');
if (existsSync(seeds)) {
  const run = await runScore([seeds], {});
  for (const result of run.results) entries.push(goldenEntry(result, `seeds/${basename(result.source)}`, why));
} else console.warn('../shared/seeds not found: seed entries kept as they were');
const kept = previous.filter((e) => e.source.startsWith('seeds/') && !existsSync(seeds));
writeFileSync(GOLDEN_PATH, `${JSON.stringify([...entries, ...kept], null, 2)}\n`);
console.log(`wrote ${entries.length + kept.length} entries to ${GOLDEN_PATH}`);
