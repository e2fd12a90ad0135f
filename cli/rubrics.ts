import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseRubricText, type LoadedRubric } from '../pipeline/score/rubric.ts';
import { UsageError } from './usage.ts';

/** Rubric files for the CLI: `--rubric FILE`, or scoring-rules/<year>.json picked by the reports' year. */

export const RUBRICS_DIR = fileURLToPath(new URL('../scoring-rules/', import.meta.url));

export async function loadRubricFile(path: string): Promise<LoadedRubric> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`读不到评分细则 ${path}：${error.code === 'ENOENT' ? '文件不存在' : error.message}`);
  });
  return parseRubricText(text, path);
}

export async function rubricYears(): Promise<number[]> {
  const names = await readdir(RUBRICS_DIR);
  return names.map((n) => /^(\d{4})\.json$/u.exec(n)?.[1]).filter((y): y is string => !!y).map(Number).sort((a, b) => a - b);
}

/** The rubric file for a year: its own, else the latest before it, else the earliest. */
export async function rubricPathFor(year: number | null): Promise<string> {
  const years = await rubricYears();
  const chosen = year === null ? years[years.length - 1] : ([...years].reverse().find((y) => y <= year) ?? years[0]);
  if (chosen === undefined) throw new UsageError(`${RUBRICS_DIR} 中没有评分细则（<年度>.json）`);
  return join(RUBRICS_DIR, `${chosen}.json`);
}
