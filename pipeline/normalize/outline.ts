import type { BlockHint, PageBreak } from '../../schemas/extracted.ts';
import { fold } from '../text/fold.ts';
import type { CleanLine } from './clean.ts';
import { isHeadingPhrase, markerOf, runInHead } from './markers.ts';

/**
 * The outline: which lines are the title block, which start sections (and at what depth), which are body paragraphs,
 * and which close the document (特此报告, the signature, the date). Parts are assigned afterwards (parts.ts).
 */

export interface OutlineLine {
  text: string;
  folded: string;
  offset: number;
  hint: BlockHint;
  page?: number;
  pageBreaks?: PageBreak[];
}

export interface DraftSection {
  level: number;
  number: string;
  heading: string;
  headingSource: 'marker' | 'style' | 'run-in' | 'preamble';
  offset: number;
  /** Index of the enclosing section in the draft list, or null for top-level ones. */
  parent: number | null;
  paragraphs: OutlineLine[];
}

export interface Outline {
  text: string;
  titleBlock: OutlineLine[];
  sections: DraftSection[];
  closing: OutlineLine[];
}

const DOC_NUMBER = /[〔[(]\d{4}[〕\])]\s*\d+\s*号/u;
const SIGNER = /^签发人\s*[:：]/u;
const ISSUER_END = /(委员会|人民政府|办事处|政府|局|办公室|委|领导小组)$/u;
const TITLE_WORDS = /报\s?告|情况|总结/u;
const ADDRESSEE = /^[^。；]{2,60}[:：]$/u;
const ADDRESSEE_WORDS = /(委|政府|办|局|领导小组|委员会|同志)/u;
const CLOSING =
  /^(特此报告|专此报告|特此报告如下)[。.]?$|^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$|^[(（]此件(公开发布|主动公开|依申请公开)[)）]$|^(联系人|联系电话)[:：]/u;

/** A title block line is one or two printed lines; anything longer is prose, whatever style it was given. */
const MAX_TITLE_BLOCK_LINE = 80;

function isTitleBlockLine(line: OutlineLine, index: number): boolean {
  const text = line.folded;
  if (text.length > MAX_TITLE_BLOCK_LINE) return false;
  if (/[。；]/u.test(text.replace(/[。]$/u, ''))) return false;
  // Prose ("2024年，东岭镇…现将有关情况报告如下：") is the first paragraph, not part of the title block, even when a
  // template styled it as a title (Word's Title style, a large font in a PDF, <p class="title">).
  if (/现将|如下[:：]?$/u.test(text) || ((text.match(/[，,]/gu) ?? []).length > 0 && !/[:：]$/u.test(text) && text.length > 30)) return false;
  if (line.hint.title) return true;
  if (SIGNER.test(text)) return true;
  if (DOC_NUMBER.test(text) && text.length <= 30) return true;
  if (ADDRESSEE.test(text) && ADDRESSEE_WORDS.test(text)) return true;
  if (TITLE_WORDS.test(text) && !/[。]$/u.test(text) && text.length <= 70) return true;
  if (index < 4 && ISSUER_END.test(text.replace(/\s+/gu, '')) && text.length <= 50) return true;
  if (index < 6 && /^(中共|中国共产党)/u.test(text) && text.length <= 50) return true;
  if (/^(密级|紧急程度|签发|抄送|印发)/u.test(text)) return true;
  return false;
}

interface HeadingDecision {
  level: number | null; // null: depth decided by the outline around it
  number: string;
  heading: string;
  source: DraftSection['headingSource'];
  /** The line is a heading of its own (not also the first paragraph of its section). */
  standalone: boolean;
}

function trimHeading(text: string): string {
  return text.replace(/[。：:；;，,\s]+$/u, '').trim();
}

function decideHeading(line: OutlineLine): HeadingDecision | null {
  const marker = markerOf(line.folded);
  if (marker) {
    const rest = line.text.slice(marker.length);
    const restFolded = line.folded.slice(marker.length);
    if (marker.level <= 4 && isHeadingPhrase(restFolded)) {
      return { level: marker.level, number: marker.number, heading: trimHeading(rest), source: 'marker', standalone: true };
    }
    const bold = line.hint.leadingBold ? trimHeading(line.hint.leadingBold.slice(marker.length)) : '';
    // 一是 enumerations carry a head only when it is a short phrase closed by 。 (一是深化制度保障。…).
    const head = marker.level === 5 ? (/^(.{2,20}?)。/u.exec(rest)?.[1] ?? '') : bold || runInHead(rest);
    return { level: marker.level, number: marker.number, heading: trimHeading(head), source: 'marker', standalone: false };
  }
  if (line.hint.headingLevel !== undefined && line.folded.length <= 80) {
    return { level: line.hint.headingLevel, number: '', heading: trimHeading(line.text), source: 'style', standalone: true };
  }
  if (line.hint.allBold && isHeadingPhrase(line.folded) && line.folded.length <= 40) {
    return { level: null, number: '', heading: trimHeading(line.text), source: 'style', standalone: true };
  }
  if (line.hint.leadingBold && line.hint.leadingBold.length <= 40 && line.text.length > line.hint.leadingBold.length) {
    return { level: null, number: '', heading: trimHeading(line.hint.leadingBold), source: 'run-in', standalone: false };
  }
  return null;
}

export function buildOutline(lines: readonly CleanLine[]): Outline {
  let offset = 0;
  const all: OutlineLine[] = lines.map((line) => {
    const entry: OutlineLine = { text: line.text, folded: fold(line.text), offset, hint: line.hint };
    if (line.page !== undefined) entry.page = line.page;
    if (line.pageBreaks) entry.pageBreaks = line.pageBreaks;
    offset += line.text.length + 1;
    return entry;
  });
  const text = lines.map((l) => l.text).join('\n');

  let start = 0;
  while (start < all.length && start < 12) {
    const line = all[start];
    if (!line || markerOf(line.folded) || !isTitleBlockLine(line, start)) break;
    start++;
  }
  const titleBlock = all.slice(0, start);

  let end = all.length;
  while (end > start) {
    const line = all[end - 1];
    if (!line) break;
    const closingLine =
      CLOSING.test(line.folded) || (end > all.length - 4 && ISSUER_END.test(line.folded) && line.folded.length <= 40 && !markerOf(line.folded));
    if (!closingLine) break;
    end--;
  }
  const closing = all.slice(end);

  const sections: DraftSection[] = [];
  // Levels of the currently open sections, innermost last, so unnumbered heads nest under numbered ones.
  const open: number[] = [];
  for (const line of all.slice(start, end)) {
    const decision = decideHeading(line);
    if (!decision) {
      const current = sections[sections.length - 1];
      if (current) current.paragraphs.push(line);
      else sections.push({ level: 0, number: '', heading: '', headingSource: 'preamble', offset: line.offset, parent: null, paragraphs: [line] });
      continue;
    }
    const innermost = open.length > 0 ? sections[open[open.length - 1] ?? 0] : undefined;
    const level = decision.level ?? Math.min((innermost?.level ?? 0) + 1, 6);
    while (open.length > 0 && (sections[open[open.length - 1] ?? 0]?.level ?? 0) >= level) open.pop();
    const parent = open.length > 0 ? (open[open.length - 1] ?? null) : null;
    const section: DraftSection = {
      level,
      number: decision.number,
      heading: decision.heading,
      headingSource: decision.source,
      offset: line.offset,
      parent,
      paragraphs: decision.standalone ? [] : [line],
    };
    sections.push(section);
    open.push(sections.length - 1);
  }
  return { text, titleBlock, sections, closing };
}
