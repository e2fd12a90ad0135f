import type { Indicator, Rubric } from '../../schemas/rubric.ts';
import type { IndicatorScore, ScoreResult } from '../../schemas/score.ts';

/**
 * The indicators of a rubric and of a result, in one place. Types only: the score and export Lambdas, the workbook and
 * the cross-report checks import it without loading the scorer.
 */

/** Every indicator of a rubric, the dimensions' in order and then the bonus's (enabled or not). */
export function rubricIndicators(rubric: Rubric): Indicator[] {
  return [...rubric.dimensions.flatMap((d) => d.indicators), ...rubric.bonus.indicators];
}

/** Every scored indicator of a result, the dimensions' in order and then the bonus's. */
export function resultIndicators(result: Pick<ScoreResult, 'dimensions' | 'bonus'>): IndicatorScore[] {
  return [...result.dimensions.flatMap((d) => d.indicators), ...result.bonus.indicators];
}
