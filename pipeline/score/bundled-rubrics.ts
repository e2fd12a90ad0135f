import rubric2024 from '../../scoring-rules/2024.json' with { type: 'json' };
import rubric2025 from '../../scoring-rules/2025.json' with { type: 'json' };
import { parseRubric, type LoadedRubric } from './rubric.ts';

/**
 * The rubrics shipped with the code, by the year they apply to. Lambda functions cannot read scoring-rules/ from
 * disk, so the files are imported here and bundled; a test checks that every scoring-rules/<year>.json is listed.
 */
const BUNDLED: Readonly<Record<number, unknown>> = {
  2024: rubric2024,
  2025: rubric2025,
};

const cache = new Map<number, LoadedRubric>();

export const bundledRubricYears = (): number[] =>
  Object.keys(BUNDLED)
    .map(Number)
    .sort((a, b) => a - b);

/** The rubric for a year: its own file, else the latest one before it, else the earliest there is. */
export function bundledRubricFor(year: number | null): LoadedRubric {
  const years = bundledRubricYears();
  const chosen = year === null ? years[years.length - 1] : ([...years].reverse().find((y) => y <= year) ?? years[0]);
  if (chosen === undefined) throw new Error('no rubric is bundled');
  let loaded = cache.get(chosen);
  if (!loaded) {
    loaded = parseRubric(BUNDLED[chosen], `scoring-rules/${chosen}.json`);
    cache.set(chosen, loaded);
  }
  return loaded;
}

/** A bundled rubric by its id and version (e.g. a rescore command naming fazhi-2024@2024.1.0), or null. */
export function bundledRubricById(id: string, version?: string): LoadedRubric | null {
  for (const year of bundledRubricYears()) {
    const loaded = bundledRubricFor(year);
    if (loaded.rubric.id === id && (version === undefined || loaded.rubric.version === version)) return loaded;
  }
  return null;
}
