import type { NormalizedReport } from '../../schemas/report.ts';
import type { Evidence, ScoreResult } from '../../schemas/score.ts';

/**
 * A report and its result copied across threads (structured clone) arrive with every string copied: the paragraph
 * texts and the evidence sentences are copies of parts of the report's text. Pointing each back into the text (V8
 * keeps a slice of a string as a reference to it) frees about 12 KB per report of the thread that holds every report
 * through the cross-report checks (≈ 0.15 GB at 10,000 reports). Only a string equal to the text at its offset is
 * replaced, so nothing any reader sees changes.
 */
export function shareReportText(report: NormalizedReport, result: ScoreResult): void {
  for (const section of report.sections) for (const paragraph of section.paragraphs) paragraph.text = sliceOf(report.text, paragraph.text, paragraph.offset);
  for (const evidence of evidenceOf(result)) evidence.text = sliceOf(report.text, evidence.text, evidence.offset);
}

/** `copy` as a slice of `text` when it is the same characters found at `offset`, else `copy` itself. */
function sliceOf(text: string, copy: string, offset: number): string {
  const slice = text.slice(offset, offset + copy.length);
  return slice === copy ? slice : copy;
}

/** Every evidence a result carries: its indicators (bonus included), penalties, flags, pending decisions, follow-through. */
function* evidenceOf(result: ScoreResult): Generator<Evidence> {
  for (const dimension of result.dimensions) for (const indicator of dimension.indicators) yield* indicator.evidence;
  for (const indicator of result.bonus.indicators) yield* indicator.evidence;
  for (const penalty of result.penalties) yield* penalty.evidence;
  for (const flag of result.flags) yield* flag.evidence ?? [];
  for (const decision of result.pending ?? []) yield* decision.evidence ?? [];
  for (const item of result.followThrough?.items ?? []) if (item.evidence) yield item.evidence;
}
