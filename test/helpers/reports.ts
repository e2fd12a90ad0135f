import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NormalizedReport, SubmissionInfo } from '../../schemas/report.ts';
import { normalizeReport } from '../../pipeline/normalize/index.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';

/**
 * Test helpers: the repository root, the shared seed reports (read at test time, never copied into the project),
 * and a quick text → NormalizedReport path that skips file-format extraction.
 */

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SEEDS_DIR = join(ROOT, '..', 'shared', 'seeds');
export const SAMPLES_DIR = join(ROOT, 'samples');
export const haveSeeds = existsSync(SEEDS_DIR);

if (!haveSeeds) {
  console.warn(`[fazhi tests] ${SEEDS_DIR} not found: tests over the five real seed reports are SKIPPED in this clone; samples/ still covers the pipeline.`);
}

/** Seed files by township, so tests read as "均口镇 has no 第一责任人 part". */
export const SEED_FILES: Record<string, string> = {
  双柳树镇: '000_df8b75ed874c050d.txt',
  均口镇: '001_9aca989e7bab02b7.txt',
  渤海镇: '002_6c631a5b9d166406.txt',
  明通镇: '003_1d0618469a5ad25b.txt',
  沙窝镇: '004_30feef353e3222d7.txt',
};

/** A seed report's text, by township (SEED_FILES) or by file name. */
export function seedText(township: string): string {
  return readFileSync(join(SEEDS_DIR, SEED_FILES[township] ?? township), 'utf8');
}

export function seedPaths(): string[] {
  return haveSeeds
    ? readdirSync(SEEDS_DIR)
        .filter((f) => f.endsWith('.txt'))
        .sort()
        .map((f) => join(SEEDS_DIR, f))
    : [];
}

export const rubric2024: LoadedRubric = bundledRubricFor(2024);

/** Plain text (one paragraph per line) → NormalizedReport, as the .txt extractor would hand it over. */
export function reportFromText(
  text: string,
  options: { key?: string; submission?: SubmissionInfo; location?: { year?: number; county?: string } } = {},
): NormalizedReport {
  const bytes = Buffer.from(text, 'utf8');
  return normalizeReport(
    { format: 'txt', encoding: 'utf-8', blocks: text.split('\n').map((line) => ({ text: line })), warnings: [] },
    { key: options.key ?? 'test.txt', format: 'txt', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
    {
      metrics: rubric2024.rubric.metrics,
      ...(options.submission ? { submission: options.submission } : {}),
      ...(options.location ? { location: options.location } : {}),
    },
  );
}

export function sampleText(name: string): string {
  return readFileSync(join(SAMPLES_DIR, name), 'utf8');
}
