import type { NormalizedReport } from '../../schemas/report.ts';
import type { DimensionScore, Evidence, IndicatorScore, ScoreResult } from '../../schemas/score.ts';
import type { CopiedParagraphs } from '../score/context.ts';
import { resultIndicators } from '../score/indicators.ts';
import { cappedScore, round2 } from '../score/numbers.ts';

/**
 * Copied text is not evidence of the copier's work. Once the cross-report checks know that a report copied some of
 * its paragraphs from another report (or from its own report of last year), every indicator whose points cite one of
 * those paragraphs is scored again without them (the scorer's `copied` option) and takes that score; indicators that
 * cite nothing copied keep theirs. The copy penalty comes on top, as the rubric says.
 *
 * The same computation, not applied, is what confirming an undecided copy would cost: the pending copy deduction
 * carries it (PendingDecision.voided).
 */

export interface VoidedIndicator {
  id: string;
  name: string;
  from: number;
  to: number;
}

export interface CopiedEvidenceOutcome {
  /** The result with the voided indicators re-scored and the dimension and bonus sums recomputed. */
  result: ScoreResult;
  voided: VoidedIndicator[];
  /** Points the dimensions and bonus lose (after their caps). */
  lost: number;
}

/** Whether a cited sentence lies inside one of the copied paragraphs (by offset into the report's text). */
function citesCopied(spans: readonly { start: number; end: number }[]): (evidence: Evidence) => boolean {
  return (evidence) => spans.some((span) => evidence.offset >= span.start && evidence.offset < span.end);
}

function copiedSpans(report: NormalizedReport, offsets: CopiedParagraphs): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (const section of report.sections)
    for (const p of section.paragraphs) if (offsets.has(p.offset)) spans.push({ start: p.offset, end: p.offset + p.text.length });
  return spans;
}

/**
 * The indicators of `result` whose evidence cites one of the copied paragraphs: the only ones voidCopiedEvidence can
 * change, so the only ones a re-scoring without those paragraphs needs to score (none: no re-scoring at all).
 */
export function indicatorsCiting(report: NormalizedReport, result: ScoreResult, copied: CopiedParagraphs): string[] {
  const cites = citesCopied(copiedSpans(report, copied));
  return resultIndicators(result)
    .filter((indicator) => indicator.evidence.some(cites))
    .map((indicator) => indicator.id);
}

/**
 * Indicators of `result` whose evidence cites a copied paragraph take their score, note and evidence from `rescored`
 * (the same indicators scored without the copied paragraphs; indicatorsCiting names the ones it must hold).
 */
export function voidCopiedEvidence(
  report: NormalizedReport,
  result: ScoreResult,
  rescored: readonly IndicatorScore[],
  copied: CopiedParagraphs,
): CopiedEvidenceOutcome {
  const cites = citesCopied(copiedSpans(report, copied));
  const again = new Map(rescored.map((indicator) => [indicator.id, indicator]));
  const voided: VoidedIndicator[] = [];
  const revise = (indicator: IndicatorScore): IndicatorScore => {
    const replacement = again.get(indicator.id);
    if (!replacement || replacement.score >= indicator.score || !indicator.evidence.some(cites)) return indicator;
    voided.push({ id: indicator.id, name: indicator.name, from: indicator.score, to: replacement.score });
    return {
      ...replacement,
      note: `${replacement.note}（照搬他人或上年报告的段落不作为得分依据，原计 ${indicator.score} 分）`,
      pointsWithCopied: indicator.score,
    };
  };
  const dimensions: DimensionScore[] = result.dimensions.map((d) => {
    const indicators = d.indicators.map(revise);
    return {
      ...d,
      indicators,
      score: cappedScore(d.max, indicators),
    };
  });
  const bonusIndicators = result.bonus.indicators.map(revise);
  const bonus = {
    ...result.bonus,
    indicators: bonusIndicators,
    score: cappedScore(result.bonus.max, bonusIndicators),
  };
  const sum = (r: Pick<ScoreResult, 'dimensions' | 'bonus'>): number => r.dimensions.reduce((s, d) => s + d.score, 0) + r.bonus.score;
  const lost = round2(sum(result) - sum({ dimensions, bonus }));
  return { result: voided.length > 0 ? { ...result, dimensions, bonus } : result, voided, lost };
}
