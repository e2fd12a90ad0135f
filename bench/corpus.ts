import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Inputs for the benchmarks: the five seed reports when ../shared is there, else the project's samples. */

export const ROOT = join(import.meta.dirname, '..');
export const SEEDS = join(ROOT, '..', 'shared', 'seeds');

export interface CorpusFile {
  name: string;
  bytes: Uint8Array;
}

export function seedOrSampleFiles(): { label: string; files: CorpusFile[] } {
  if (existsSync(SEEDS)) {
    return {
      label: 'the 5 seed reports (../shared/seeds)',
      files: readdirSync(SEEDS)
        .filter((f) => f.endsWith('.txt'))
        .sort()
        .map((f) => ({ name: f, bytes: readFileSync(join(SEEDS, f)) })),
    };
  }
  const dir = join(ROOT, 'samples');
  return {
    label: 'samples/ (no ../shared/seeds here)',
    files: readdirSync(dir)
      .filter((f) => /\.(txt|docx)$/u.test(f))
      .sort()
      .map((f) => ({ name: f, bytes: readFileSync(join(dir, f)) })),
  };
}

/** Plain texts of every report we have (seeds, samples and their Word sources), for synthetic corpora. */
export function allTexts(): string[] {
  const texts: string[] = [];
  if (existsSync(SEEDS)) for (const f of readdirSync(SEEDS).filter((n) => n.endsWith('.txt'))) texts.push(readFileSync(join(SEEDS, f), 'utf8'));
  for (const dir of ['samples', 'samples/2023', 'scripts/sample-sources']) {
    for (const f of readdirSync(join(ROOT, dir)).filter((n) => n.endsWith('.txt'))) texts.push(readFileSync(join(ROOT, dir, f), 'utf8'));
  }
  return texts;
}

/** A small deterministic random generator, so runs compare. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] ?? 0;
}
