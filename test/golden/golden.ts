import { join } from 'node:path';
import type { ScoreResult } from '../../schemas/score.ts';

/**
 * The golden scores: what each sample and seed report scores today, with the reason it scores there. They change
 * only on purpose: re-run `node bin/run-ts.js scripts/update-golden.ts` and say in the commit message why.
 */

export const GOLDEN_PATH = join(import.meta.dirname, 'golden.json');

export interface GoldenEntry {
  source: string;
  unit: string | null;
  year: number | null;
  rubric: string;
  total: number;
  grade: string;
  rank: number | null;
  dimensions: Record<string, number>;
  penalties: Record<string, number>;
  flags: string[];
  /** Why the report is where it is: the author's note (samples) or the assessor's reading (seeds). */
  why: string;
}

export function goldenEntry(result: ScoreResult, source: string, why: ReadonlyMap<string, string>): GoldenEntry {
  return {
    source,
    unit: result.township,
    year: result.year,
    rubric: `${result.rubric.id}@${result.rubric.version}`,
    total: result.total,
    grade: result.grade,
    rank: result.rank,
    dimensions: Object.fromEntries(result.dimensions.map((d) => [d.id, d.score])),
    penalties: Object.fromEntries(result.penalties.filter((p) => p.points > 0).map((p) => [p.id, p.points])),
    flags: [...new Set(result.flags.map((f) => (f.part ? `${f.code}:${f.part}` : f.code)))].sort(),
    why: why.get(source) ?? '',
  };
}
