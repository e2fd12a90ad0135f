import type { Block, BlockHint, PageBreak } from '../../schemas/extracted.ts';

/** A problem that did not stop extraction (ExtractedDocument.warnings). */
export interface ExtractWarning {
  code: string;
  message: string;
}

/** What a format-specific extractor returns; the entry point adds the format and checks the limits. */
export interface ExtractedContent {
  blocks: Block[];
  encoding?: string;
  warnings: ExtractWarning[];
}

// C0/C1 controls except tab, zero-width characters, BOMs and soft hyphens: never meaningful in report text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\u00ad\u200b\u200e\u200f\u2060\ufeff]/g;

/** Removes invisible characters and trims; internal spacing is kept as the source had it. */
export function cleanBlockText(text: string): string {
  return text.replace(INVISIBLE, '').trim();
}

/**
 * Longest text a title hint is kept for (characters). A report title runs to two lines (≤ 60 characters); a
 * "title" longer than this is an opening paragraph a template styled large, and must stay prose: it names the unit,
 * the year and the county.
 */
export const MAX_TITLE_CHARS = 80;

/** Where a block sits in a paged document (PDF): its first page and the later pages it runs onto. */
export interface BlockPages {
  page: number;
  pageBreaks?: readonly PageBreak[];
}

/** A block with only the hints that are set (no `undefined`/`false` keys), or no hint at all. */
export function makeBlock(text: string, hint: BlockHint = {}, pages?: BlockPages): Block {
  const compact: BlockHint = {};
  if (hint.headingLevel !== undefined) compact.headingLevel = hint.headingLevel;
  if (hint.title && text.length <= MAX_TITLE_CHARS) compact.title = true;
  if (hint.leadingBold) compact.leadingBold = hint.leadingBold;
  if (hint.allBold) compact.allBold = true;
  if (hint.fontSize !== undefined && hint.fontSize > 0) compact.fontSize = Math.round(hint.fontSize * 10) / 10;
  if (hint.centered) compact.centered = true;
  if (hint.indented) compact.indented = true;
  const block: Block = Object.keys(compact).length > 0 ? { text, hint: compact } : { text };
  if (pages) {
    block.page = pages.page;
    if (pages.pageBreaks && pages.pageBreaks.length > 0) block.pageBreaks = [...pages.pageBreaks];
  }
  return block;
}

/** A styled piece of a block's text (HTML inline content, a Word run). */
export interface Segment {
  text: string;
  bold: boolean;
  fontSize?: number;
}

/**
 * Bold hints from a block's segments: `allBold` when every visible character is bold, else `leadingBold` with the
 * bold text the block starts with (a run-in head such as “（一）加强理论学习。”).
 */
export function boldHints(segments: readonly Segment[]): Pick<BlockHint, 'allBold' | 'leadingBold'> {
  let leading = '';
  let inLead = true;
  let sawVisible = false;
  let allBold = true;
  for (const segment of segments) {
    const visible = /[^\s\u3000]/.test(segment.text);
    if (!visible) {
      if (inLead) leading += segment.text;
      continue;
    }
    sawVisible = true;
    if (segment.bold) {
      if (inLead) leading += segment.text;
    } else {
      allBold = false;
      inLead = false;
    }
  }
  if (!sawVisible) return {};
  if (allBold) return { allBold: true };
  const lead = collapseSpaces(leading).trim();
  // Bold punctuation or a bold digit alone is typesetting noise, not a head.
  return /[\p{L}\p{N}]{2,}/u.test(lead) ? { leadingBold: lead } : {};
}

/** The font size carrying most of a block's characters. */
export function dominantFontSize(segments: readonly Segment[]): number | undefined {
  const weights = new Map<number, number>();
  for (const segment of segments) {
    if (segment.fontSize === undefined) continue;
    const chars = segment.text.replace(/\s/g, '').length;
    if (chars > 0) weights.set(segment.fontSize, (weights.get(segment.fontSize) ?? 0) + chars);
  }
  let best: number | undefined;
  let bestWeight = 0;
  for (const [size, weight] of weights) {
    if (weight > bestWeight) [best, bestWeight] = [size, weight];
  }
  return best;
}

export function collapseSpaces(text: string): string {
  return text.replace(/[ \t\n\r\f]+/g, ' ');
}

export function countHan(text: string): number {
  let han = 0;
  for (const char of text) if (/\p{Script=Han}/u.test(char)) han++;
  return han;
}
