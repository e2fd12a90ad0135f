import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Rubric } from '../schemas/rubric.ts';
import { parseRubricText, type LoadedRubric } from '../pipeline/score/rubric.ts';
import { VALIDATED_RUBRICS } from './validated-rubrics.ts';
import { UsageError } from './usage.ts';

/** Rubric files for the CLI: `--rubric FILE`, or scoring-rules/<year>.json picked by the reports' year. */

export const RUBRICS_DIR = fileURLToPath(new URL('../scoring-rules/', import.meta.url));

/**
 * Rubrics loaded by this process, by path, with the size, modification time and inode the file had when it was read:
 * `fazhi score` asks for its year's rubric once per report, and a `stat` is a fraction of reading and hashing the file.
 */
const loadedRubrics = new Map<string, { seen: string; loaded: LoadedRubric }>();

const fileState = (info: Stats): string => `${info.size}:${info.mtimeMs}:${info.ino}`;

/** SHA-256 of a rubric file's text: the key of VALIDATED_RUBRICS (scripts/build-cli.ts computes it the same way). */
export const rubricTextHash = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const unreadable = (path: string) => (error: NodeJS.ErrnoException) => {
  throw new UsageError(`读不到评分细则 ${path}：${error.code === 'ENOENT' ? '文件不存在' : error.message}`);
};

/**
 * A rubric file, validated. A file whose text is exactly one the prebuilt CLI validated when it was built (the
 * bundled scoring-rules/*.json) is not validated again: its result is in VALIDATED_RUBRICS (≈ 0.3 ms against
 * ≈ 30–80 ms for zod's first parse in a fresh process). Any other text, an edited file included, is validated in full;
 * a file this process loaded before is read again once its size, modification time or inode changed.
 */
export async function loadRubricFile(path: string): Promise<LoadedRubric> {
  const seen = fileState(await stat(path).catch(unreadable(path)));
  const known = loadedRubrics.get(path);
  if (known?.seen === seen) return known.loaded;
  const text = await readFile(path, 'utf8').catch(unreadable(path));
  const validated = VALIDATED_RUBRICS.get(rubricTextHash(text));
  const loaded = validated ? { rubric: JSON.parse(validated.json) as Rubric, sha256: validated.sha256, origin: path } : parseRubricText(text, path);
  loadedRubrics.set(path, { seen, loaded });
  return loaded;
}

export async function rubricYears(): Promise<number[]> {
  const names = await readdir(RUBRICS_DIR);
  return names
    .map((n) => /^(\d{4})\.json$/u.exec(n)?.[1])
    .filter((y): y is string => !!y)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The rubric file for a year: its own, else the latest before it, else the earliest. */
export async function rubricPathFor(year: number | null): Promise<string> {
  const years = await rubricYears();
  const chosen = year === null ? years[years.length - 1] : ([...years].reverse().find((y) => y <= year) ?? years[0]);
  if (chosen === undefined) throw new UsageError(`${RUBRICS_DIR} 中没有评分细则（<年度>.json）`);
  return join(RUBRICS_DIR, `${chosen}.json`);
}

/** rubricPathFor with one look at scoring-rules/ per year: for a run that asks for every report's year. */
export function memoRubricPathFor(): (year: number | null) => Promise<string> {
  const paths = new Map<number | null, Promise<string>>();
  return (year) => {
    let path = paths.get(year);
    if (!path) paths.set(year, (path = rubricPathFor(year)));
    return path;
  };
}
