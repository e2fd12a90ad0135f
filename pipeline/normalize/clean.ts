import type { Block, BlockHint, PageBreak } from '../../schemas/extracted.ts';
import { fold, isHan } from '../text/fold.ts';
import { nonSpaceLength, pageAt } from '../text/pages.ts';
import { startsWithMarker, isStandaloneHeading } from './markers.ts';

/**
 * Cleaning: blocks as extracted → lines a reader would see. Removes markdown and HTML debris that survived in text
 * files, invisible characters and typographic spaces between Chinese characters, and joins paragraphs that a PDF,
 * a text export or a careless copy broke in the middle of a sentence.
 */

export interface CleanLine {
  text: string;
  hint: BlockHint;
  /** PDF only: the page the line starts on, and the later pages it runs onto (see pipeline/text/pages.ts). */
  page?: number;
  pageBreaks?: PageBreak[];
}

/** Sentence-final punctuation (after width folding): a line ending in one of these is a finished paragraph. */
const TERMINAL = /[。！？；!?;：:…」』”"）)]$/u;

/** Lines longer than this are never a heading (isStandaloneHeading allows 70 characters after the marker). */
const LINE_HEAD_CHARS = 120;
/** How much of a line's end is read to see how it ends. */
const LINE_END_CHARS = 40;

/** Lines that end like a title or an issuing body are never the first half of a sentence. */
const TITLE_OR_ISSUER_END = /(报告|报\s告|情况|人民政府|委员会|办事处|局|办公室|领导小组)$/u;

const INVISIBLE = /[\u200b-\u200d\u2060\ufeff\u00ad]/gu;
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/gu;
const HTML_TAG = /<\/?[a-zA-Z][^<>]{0,200}>/gu;
const HTML_ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  ldquo: '“',
  rdquo: '”',
  mdash: '—',
  hellip: '…',
  middot: '·',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,6}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/gu, (whole, body: string) => {
    if (body.startsWith('#x')) return safeCodePoint(parseInt(body.slice(2), 16)) ?? whole;
    if (body.startsWith('#')) return safeCodePoint(parseInt(body.slice(1), 10)) ?? whole;
    return HTML_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

function safeCodePoint(code: number): string | null {
  return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : null;
}

/** The characters markdown syntax is made of (headings, quotes, lists, emphasis, links, code, tables, rules). */
const MARKDOWN_CHARS = /[#>\-*+)_[!`|~]/u;

/**
 * Strips markdown syntax from one line and reports what it said about layout (a `#` heading, a bold run-in head).
 */
function stripMarkdown(text: string, hint: BlockHint): { text: string; hint: BlockHint } {
  const next: BlockHint = { ...hint };
  // Every rule below needs one of these characters; most lines of a report have none of them.
  if (!MARKDOWN_CHARS.test(text)) return { text, hint: next };
  let line = text;
  const heading = /^(#{1,6})\s+/u.exec(line);
  if (heading?.[1]) {
    next.headingLevel ??= heading[1].length;
    line = line.slice(heading[0].length).replace(/\s+#+\s*$/u, '');
  }
  line = line.replace(/^>\s?/u, '').replace(/^\s*(?:[-*+]|\d+\))\s+(?=\S)/u, '');
  // A bold run at the very start is a run-in head (**（一）加强理论学习。**全镇…): keep what it said.
  const leadingBold = /^(\*\*|__)(.+?)\1/u.exec(line);
  if (leadingBold?.[2]) next.leadingBold ??= leadingBold[2].trim();
  if (/^(\*\*|__)(.+)\1$/u.test(line.trim())) next.allBold ??= true;
  line = line
    .replace(/!\[[^\]]*\]\([^)]*\)/gu, '') // images
    .replace(/\[([^\]]+)\]\([^)]*\)/gu, '$1') // links keep their text
    .replace(/(\*\*|__)(.+?)\1/gu, '$2')
    .replace(/(?<![\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/gu, '$1')
    .replace(/`([^`]+)`/gu, '$1')
    .replace(/\*\*|__/gu, '');
  if (/^\s*\|.*\|\s*$/u.test(line)) {
    if (/^\s*\|?\s*:?-{2,}/u.test(line)) return { text: '', hint: next }; // table rule
    line = line
      .replace(/^\s*\|/u, '')
      .replace(/\|\s*$/u, '')
      .split('|')
      .map((c) => c.trim())
      .join('\u3000');
  }
  if (/^\s*(```|~~~|-{3,}|\*{3,}|_{3,})\s*$/u.test(line)) return { text: '', hint: next };
  return { text: line, hint: next };
}

/**
 * Spaces inside Chinese text are typographic (报 告, 刘 兵, 开展宣讲 20 余次) and break matching; spaces between
 * Latin words are real. A run of two or more spaces between Chinese is a column gap (two issuers side by side), so it
 * is kept as one space.
 */
function collapseSpaces(text: string): string {
  const squeezed = text.replace(/[\t\u00a0\u3000 ]+/gu, (run, at: number, whole: string) => {
    const before = whole[at - 1];
    const after = whole[at + run.length];
    const chineseSide = (c: string | undefined) => isHan(c) || (c !== undefined && /[，。、；：！？“”《》（）【】0-9.%]/u.test(c));
    if (chineseSide(before) && chineseSide(after) && (isHan(before) || isHan(after))) {
      return run.length >= 2 && isHan(before) && isHan(after) ? ' ' : '';
    }
    return ' ';
  });
  return squeezed.trim();
}

export function cleanBlockText(raw: string, hint: BlockHint = {}): CleanLine {
  let text = raw.replace(INVISIBLE, '').replace(CONTROL, '').replace(/\r/gu, '');
  text = decodeEntities(text.replace(HTML_TAG, ''));
  const markdown = stripMarkdown(text, hint);
  return { text: collapseSpaces(markdown.text), hint: markdown.hint };
}

/** What `continues` reads of the line before: its start, its end and its length (never all of a long line). */
interface LineView {
  head: string;
  tail: string;
  length: number;
  hint: BlockHint;
}

/**
 * Joins a paragraph broken mid-sentence with the next one. Only prose is joined: the previous line must be long,
 * must not end a sentence and must not be a heading; the next must not start a heading.
 */
function continues(previous: LineView, next: CleanLine): boolean {
  const prev = fold(previous.tail);
  const following = fold(next.text.slice(0, LINE_HEAD_CHARS));
  if (previous.hint.headingLevel !== undefined || previous.hint.title || next.hint.headingLevel !== undefined) return false;
  if (next.hint.title || (previous.hint.allBold && !previous.hint.leadingBold) || next.hint.allBold) return false;
  if (TERMINAL.test(prev)) return false;
  if (previous.length < 24) return false; // titles, issuer lines, signatures
  if (TITLE_OR_ISSUER_END.test(prev)) return false;
  if (previous.length <= LINE_HEAD_CHARS && isStandaloneHeading(fold(previous.head))) return false;
  if (startsWithMarker(following) || next.hint.leadingBold) return false;
  // A date line or a signature after the body is not a continuation.
  if (/^\d{4}年\d{1,2}月\d{1,2}日$/u.test(following)) return false;
  return isHan(following[0]) || /^[\d（(“"《]/u.test(following);
}

/** The pages of one line of a block (blocks from PDFs have one line; others carry no pages). */
function piecePages(block: Block, pieceStart: number, piece: string): Pick<CleanLine, 'page' | 'pageBreaks'> {
  if (block.page === undefined) return {};
  const page = pageAt(block.text, pieceStart, block.page, block.pageBreaks);
  const from = nonSpaceLength(block.text, pieceStart);
  const to = from + nonSpaceLength(piece);
  const breaks = (block.pageBreaks ?? []).filter((b) => b.at > from && b.at < to).map((b) => ({ at: b.at - from, page: b.page }));
  return breaks.length > 0 ? { page, pageBreaks: breaks } : { page };
}

/**
 * A line being rejoined from broken pieces. The pieces are joined once, when the line is complete: appending to a
 * string and reading its end again for every piece is quadratic on a long text without sentence ends.
 */
interface OpenLine extends LineView {
  line: CleanLine;
  pieces: string[];
  /** Non-space characters so far, where a page turning inside the paragraph is recorded (see text/pages.ts). */
  nonSpace: number;
  lastPage: number | undefined;
}

function open(line: CleanLine): OpenLine {
  return {
    line,
    pieces: [line.text],
    head: line.text.slice(0, LINE_HEAD_CHARS),
    tail: line.text.slice(-LINE_END_CHARS),
    length: line.text.length,
    hint: line.hint,
    nonSpace: line.page !== undefined ? nonSpaceLength(line.text) : 0,
    lastPage: line.pageBreaks?.at(-1)?.page ?? line.page,
  };
}

function append(into: OpenLine, line: CleanLine): void {
  if (line.page !== undefined) {
    const breaks = into.line.pageBreaks ?? [];
    if (into.lastPage !== undefined && line.page !== into.lastPage) breaks.push({ at: into.nonSpace, page: line.page });
    for (const brk of line.pageBreaks ?? []) breaks.push({ at: brk.at + into.nonSpace, page: brk.page });
    if (breaks.length > 0) into.line.pageBreaks = breaks;
    into.line.page ??= line.page;
    into.lastPage = line.pageBreaks?.at(-1)?.page ?? line.page;
    into.nonSpace += nonSpaceLength(line.text);
  }
  into.pieces.push(line.text);
  into.length += line.text.length;
  into.tail = (into.tail + line.text).slice(-LINE_END_CHARS);
}

function close(line: OpenLine): CleanLine {
  if (line.pieces.length > 1) line.line.text = line.pieces.join('');
  return line.line;
}

export function cleanBlocks(blocks: readonly Block[]): CleanLine[] {
  const lines: CleanLine[] = [];
  let current: OpenLine | null = null;
  for (const block of blocks) {
    let pieceStart = 0;
    for (const piece of block.text.split('\n')) {
      const line: CleanLine = { ...cleanBlockText(piece, block.hint ?? {}), ...piecePages(block, pieceStart, piece) };
      pieceStart += piece.length + 1;
      if (line.text.length === 0) continue;
      if (current && continues(current, line)) {
        append(current, line);
      } else {
        if (current) lines.push(close(current));
        current = open(line);
      }
    }
  }
  if (current) lines.push(close(current));
  return lines;
}
