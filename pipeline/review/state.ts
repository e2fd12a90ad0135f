import type { ReviewChange } from '../../schemas/review.ts';
import type { ScoreResult } from '../../schemas/score.ts';

/**
 * Whether the review still fits the machine's results: a re-score (a new rubric version, a re-upload, a new report
 * that turns up a copy) keeps every review item, but a change whose target the machine now scores differently needs
 * another look — the assessor decided against a number that is no longer the machine's.
 */

export interface StaleChange {
  change: ReviewChange;
  /** The machine's value now (null when the report or item is gone). */
  now: number | null;
  /** In Chinese, for `fazhi status`. */
  why: string;
}

export type ReviewState = StaleChange[];

function machineValue(change: ReviewChange, result: ScoreResult): number | null {
  const target = change.target;
  switch (target.kind) {
    case 'total':
      return result.total;
    case 'indicator': {
      for (const d of result.dimensions) for (const i of d.indicators) if (i.id === target.id) return i.score;
      return result.bonus.indicators.find((i) => i.id === target.id)?.score ?? null;
    }
    case 'penalty':
      return result.penalties.find((p) => p.id === target.id)?.points ?? null;
    case 'decision':
      return (result.pending ?? []).find((p) => p.id === target.id)?.points ?? null;
  }
}

/** The changes of the review in force whose target the current machine results no longer match. */
export function reviewState(changes: readonly ReviewChange[], current: readonly ScoreResult[]): ReviewState {
  const bySource = new Map(current.map((r) => [r.source, r]));
  const stale: StaleChange[] = [];
  for (const change of changes) {
    const result = bySource.get(change.source);
    if (!result) {
      stale.push({ change, now: null, why: '该报告已不在当前评分中（被替换或删除）' });
      continue;
    }
    const now = machineValue(change, result);
    if (now === null) stale.push({ change, now, why: change.target.kind === 'decision' ? '重新评分后已没有这一待定事项' : '重新评分后已没有这一项' });
    else if (Math.abs(now - change.machine) >= 0.005) stale.push({ change, now, why: `复核时机器为 ${change.machine}，重新评分后为 ${now}` });
  }
  return stale;
}
