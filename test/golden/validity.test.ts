import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScore } from '../../cli/commands/score.ts';
import { ROOT } from '../helpers/reports.ts';

/**
 * Validity: the samples were written at known quality levels (samples/quality.json, recorded before the rubric was
 * calibrated). The ranking the system gives the townships and subdistricts must agree with it: Spearman ρ ≥ 0.8.
 */

interface Quality {
  file: string;
  unit: string;
  rank: number | null;
}

/** Spearman's rank correlation for two rankings without ties: 1 − 6 Σd² / (n(n² − 1)). */
export function spearman(expected: readonly number[], actual: readonly number[]): number {
  const n = expected.length;
  const d2 = expected.reduce((sum, e, i) => sum + (e - (actual[i] ?? 0)) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe('validity against the intended quality of the samples', () => {
  it('spearman() is 1 for the same order and −1 for the reverse', () => {
    expect(spearman([1, 2, 3, 4], [1, 2, 3, 4])).toBe(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
  });

  it('ranks the 2024 township reports in the intended order (Spearman ρ ≥ 0.8)', async () => {
    const quality = JSON.parse(readFileSync(join(ROOT, 'samples/quality.json'), 'utf8')) as Quality[];
    const intended = quality.filter((q) => q.rank !== null);
    const run = await runScore([join(ROOT, 'samples')], {});
    const ranked = run.results.filter((r) => r.year === 2024 && r.rankGroup === 'township');
    const actual = intended.map((q) => ranked.find((r) => r.source.endsWith(q.file))?.rank ?? NaN);
    const rho = spearman(
      intended.map((q) => q.rank!),
      actual,
    );
    console.info(
      `[validity] Spearman ρ = ${rho.toFixed(3)} over ${intended.length} reports; intended ${intended.map((q) => q.unit).join(' > ')}; actual ${[...ranked].map((r) => r.township).join(' > ')}`,
    );
    expect(actual.every(Number.isFinite)).toBe(true);
    expect(rho).toBeGreaterThanOrEqual(0.8);
  });
});
