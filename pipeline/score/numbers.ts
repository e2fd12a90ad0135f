/** Small numeric helpers the rules, penalties and totals share. */

/** Scores are kept to hundredths at every step, so sums are exact and the JSON is the same on every run. */
export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** A dimension's or the bonus's score: its indicators' points in order, capped at its maximum, to hundredths. */
export const cappedScore = (max: number, indicators: readonly { score: number }[]): number =>
  round2(
    Math.min(
      max,
      indicators.reduce((sum, i) => sum + i.score, 0),
    ),
  );

/** The points of the best band a value falls in (`min` inclusive, `max` exclusive); 0 when none. */
export function bandPoints(value: number, bands: readonly { min?: number; max?: number; points: number }[]): number {
  let best = 0;
  for (const band of bands) {
    if ((band.min === undefined || value >= band.min) && (band.max === undefined || value < band.max)) best = Math.max(best, band.points);
  }
  return best;
}
