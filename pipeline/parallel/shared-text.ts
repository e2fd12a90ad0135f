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

/**
 * One copy of each label that results repeat: indicator and penalty ids, names and notes ("1 个要点见于不同句子 × 1
 * 分"), evidence sections, parts and locations ("一、第1段"). Each result builds its own strings for them, and a
 * result copied across threads brings copies of every one; the thread that holds every result through the
 * cross-report checks keeps one. Measured on 1,000 synthetic reports: 5.8 KB freed per report (≈ 60 MB at 10,000),
 * against one map entry per distinct label (≈ 10 per report, mostly section headings).
 */
export class SharedLabels {
  private readonly labels = new Map<string, string>();

  /** The first copy of `label` this holder saw (`label` itself the first time). */
  of<T extends string>(label: T): T {
    const shared = this.labels.get(label);
    if (shared !== undefined) return shared as T;
    this.labels.set(label, label);
    return label;
  }
}

/** Points every label of `result` at the copy `labels` holds; nothing a reader sees changes. */
export function shareResultLabels(result: ScoreResult, labels: SharedLabels): void {
  for (const dimension of result.dimensions) {
    dimension.id = labels.of(dimension.id);
    dimension.name = labels.of(dimension.name);
    for (const indicator of dimension.indicators) shareLabelsOf(indicator, labels);
  }
  for (const indicator of result.bonus.indicators) shareLabelsOf(indicator, labels);
  for (const penalty of result.penalties) shareLabelsOf(penalty, labels);
  for (const evidence of evidenceOf(result)) {
    evidence.section = labels.of(evidence.section);
    if (evidence.part !== undefined) evidence.part = labels.of(evidence.part);
    if (evidence.location !== undefined) evidence.location = labels.of(evidence.location);
  }
}

function shareLabelsOf(scored: { id: string; name: string; note: string }, labels: SharedLabels): void {
  scored.id = labels.of(scored.id);
  scored.name = labels.of(scored.name);
  scored.note = labels.of(scored.note);
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
