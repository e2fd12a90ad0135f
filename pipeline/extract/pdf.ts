import type { getDocumentProxy } from 'unpdf';
import type { Block, BlockHint, PageBreak } from '../../schemas/extracted.ts';
import { nonSpaceLength } from '../text/pages.ts';
import { cleanBlockText, makeBlock, MAX_TITLE_CHARS } from './blocks.ts';
import type { ExtractWarning, ExtractedContent } from './blocks.ts';
import type { ExtractLimits } from './limits.ts';
import { pdfDataOptions } from './pdf-data.ts';
import { rejectEncrypted, rejectGarbledPdf, rejectScannedPdf, rejectTooManyPages, rejectUnreadable } from './rejections.ts';

/**
 * PDF → blocks via unpdf's pdf.js. Text items are grouped into lines by baseline, running headers/footers and page
 * numbers are dropped, and lines broken by the page layout are joined back into paragraphs using the geometry (a line
 * that reaches the right margin continues into the next one unless that one is indented, set in another size, or
 * farther below than that size's own leading allows). Blocks carry fontSize, centered, title/headingLevel where a
 * larger size marks a heading, and the page they start on (and any page they run onto).
 */

export interface Deadline {
  /** True once the caller has given up (timeout); extraction stops at the next page. */
  readonly expired: boolean;
}

interface TextRun {
  text: string;
  x: number;
  /** Baseline, from the top of the page (viewport space). */
  y: number;
  width: number;
  size: number;
}

interface Line {
  page: number;
  text: string;
  x0: number;
  x1: number;
  y: number;
  size: number;
  /** The same glyphs printed twice at a small offset: the usual "fake bold" of Chinese office PDFs. */
  overprinted: boolean;
}

interface PageLines {
  lines: Line[];
  height: number;
  width: number;
}

/** The part of a pdf.js text item this reader uses. */
interface TextItem {
  str: string;
  transform: number[];
  width: number;
}

/** Pages with fewer visible characters than this count as having no text layer. */
const MIN_PAGE_CHARS = 10;
/** Fraction of the page height at the top and bottom where running heads and page numbers live. */
const MARGIN_ZONE = 0.12;

export async function extractPdf(bytes: Uint8Array, limits: ExtractLimits, deadline: Deadline): Promise<ExtractedContent> {
  const warnings: ExtractWarning[] = [];
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js may transfer (detach) the buffer it is given: hand it a copy so the caller's bytes stay usable.
    // Loaded on first use: pdf.js is most of the ingest bundle and only PDFs need it (a separate chunk in Lambda).
    const { getDocumentProxy: openPdf } = await import('unpdf');
    pdf = await openPdf(new Uint8Array(bytes), {
      ...pdfDataOptions(),
      verbosity: 0,
      isEvalSupported: false,
      stopAtErrors: false,
    });
  } catch (error) {
    throw mapPdfError(error);
  }
  try {
    if (pdf.numPages > limits.maxPdfPages) throw rejectTooManyPages(pdf.numPages, limits.maxPdfPages);
    const pages: PageLines[] = [];
    let firstPageError: unknown;
    for (let number = 1; number <= pdf.numPages; number++) {
      if (deadline.expired) return { blocks: [], warnings };
      let items: TextItem[];
      let viewport: { transform: number[]; width: number; height: number };
      try {
        const page = await pdf.getPage(number);
        viewport = page.getViewport({ scale: 1 });
        items = (await page.getTextContent()).items.filter((item): item is TextItem & typeof item => 'str' in item && item.str.length > 0);
        page.cleanup();
      } catch (error) {
        // One broken page (a bad font, a damaged content stream) should not cost the whole report.
        firstPageError ??= error;
        pages.push({ lines: [], height: 842, width: 595 });
        warnings.push({ code: 'pdf-page-unreadable', message: `第 ${number} 页无法读取 / page ${number} could not be read` });
        continue;
      }
      const runs: TextRun[] = [];
      for (const item of items) {
        const run = toRun(item, viewport.transform);
        if (run) runs.push(run);
      }
      pages.push({ lines: groupLines(runs, number), height: viewport.height, width: viewport.width });
    }
    if (pages.every((p) => p.lines.length === 0) && firstPageError !== undefined) throw mapPdfError(firstPageError);

    const pagesWithText = pages.filter((p) => visibleChars(p.lines) >= MIN_PAGE_CHARS).length;
    if (pagesWithText === 0) throw rejectScannedPdf();
    if (pagesWithText < pages.length) {
      warnings.push({
        code: 'pdf-pages-without-text',
        message: `${pages.length - pagesWithText} 页没有文字层（扫描页？）/ ${pages.length - pagesWithText} of ${pages.length} pages have no text layer`,
      });
    }
    const allText = pages.flatMap((p) => p.lines.map((l) => l.text)).join('');
    // Private-use and control characters are what unmapped glyphs come out as.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const garbled = (allText.match(/[\ue000-\uf8ff\ufffd\u0000-\u0008\u000e-\u001f]/g) ?? []).length;
    const visible = allText.replace(/\s/g, '').length;
    if (visible >= 20 && garbled / visible > 0.2) throw rejectGarbledPdf(garbled, visible);

    const bodyLines = dropRunningHeadsAndPageNumbers(pages);
    return { blocks: linesToBlocks(bodyLines, pages), warnings };
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}

function mapPdfError(error: unknown): Error {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'PasswordException') return rejectEncrypted('PDF');
  return rejectUnreadable('PDF', `${name}: ${message}`);
}

function toRun(item: TextItem, viewportTransform: number[]): TextRun | undefined {
  const m = multiply(viewportTransform, item.transform);
  const size = Math.hypot(m[2]!, m[3]!);
  if (!(size > 0)) return undefined;
  return { text: item.str, x: m[4]!, y: m[5]!, width: item.width * Math.hypot(viewportTransform[0]!, viewportTransform[1]!), size };
}

function multiply(a: number[], b: number[]): number[] {
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4, b5] = b as [number, number, number, number, number, number];
  return [a0 * b0 + a2 * b1, a1 * b0 + a3 * b1, a0 * b2 + a2 * b3, a1 * b2 + a3 * b3, a0 * b4 + a2 * b5 + a4, a1 * b4 + a3 * b5 + a5];
}

const HAN_OR_CJK_PUNCT = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;

/** Groups runs into lines by baseline and orders them top to bottom, left to right. */
function groupLines(runs: TextRun[], page: number): Line[] {
  const visible = runs.filter((r) => r.text.trim().length > 0);
  visible.sort((a, b) => a.y - b.y || a.x - b.x);
  const groups: TextRun[][] = [];
  for (const run of visible) {
    const last = groups.at(-1);
    const anchor = last?.[0];
    if (last && anchor && Math.abs(run.y - anchor.y) <= 0.4 * Math.max(run.size, anchor.size)) last.push(run);
    else groups.push([run]);
  }
  return groups.map((group) => buildLine(group, page));
}

function buildLine(group: TextRun[], page: number): Line {
  group.sort((a, b) => a.x - b.x);
  const kept: TextRun[] = [];
  let overprinted = false;
  for (const run of group) {
    const twin = kept.slice(-3).find((k) => k.text === run.text && Math.abs(k.x - run.x) < 0.3 * run.size && Math.abs(k.y - run.y) < 0.3 * run.size);
    if (twin) {
      overprinted = true;
      continue;
    }
    kept.push(run);
  }
  let text = '';
  let previous: TextRun | undefined;
  const weights = new Map<number, number>();
  for (const run of kept) {
    if (previous) {
      const gap = run.x - (previous.x + previous.width);
      const before = text.at(-1) ?? '';
      const after = run.text.trimStart()[0] ?? '';
      if (gap > 1.5 * run.size) text += ' ';
      else if (gap > 0.2 * run.size && !HAN_OR_CJK_PUNCT.test(before) && !HAN_OR_CJK_PUNCT.test(after) && !/\s/.test(before)) text += ' ';
    }
    text += run.text;
    const size = Math.round(run.size * 2) / 2;
    weights.set(size, (weights.get(size) ?? 0) + run.text.length);
    previous = run;
  }
  const first = kept[0]!;
  const last = kept.at(-1)!;
  return {
    page,
    text: tidyPdfText(text),
    x0: first.x,
    x1: kept.reduce((max, r) => Math.max(max, r.x + r.width), last.x + last.width),
    y: first.y,
    size: [...weights.entries()].sort((a, b) => b[1] - a[1])[0]![0],
    overprinted,
  };
}

/**
 * Spaces pdf.js derives from glyph gaps that Chinese text does not have: between Han characters, and the
 * "autospace" gap Word and LibreOffice put between Han characters and Latin letters or digits.
 */
function tidyPdfText(text: string): string {
  return text
    .replace(/(?<=[\p{Script=Han}\u3000-\u303f\uff00-\uffef])[ \t]+(?=[\p{Script=Han}\u3000-\u303f\uff00-\uffef])/gu, '')
    .replace(/(?<=[\p{Script=Han}\u3000-\u303f\uff00-\uffef])[ \t]+(?=[A-Za-z0-9%])/gu, '')
    .replace(/(?<=[A-Za-z0-9%.])[ \t]+(?=[\p{Script=Han}\u3000-\u303f\uff00-\uffef])/gu, '');
}

function visibleChars(lines: Line[]): number {
  return lines.reduce((sum, line) => sum + line.text.replace(/\s/g, '').length, 0);
}

const PAGE_NUMBER = [
  /^[-—–－_~·\s]*\d{1,4}[-—–－_~·\s]*$/,
  /^第\s*\d{1,4}\s*页(\s*[，,/、]?\s*共\s*\d{1,4}\s*页)?$/,
  /^(共\s*\d{1,4}\s*页\s*)?第\s*\d{1,4}\s*页$/,
  /^\d{1,4}\s*\/\s*\d{1,4}$/,
  /^page\s*\d{1,4}(\s*of\s*\d{1,4})?$/i,
  /^[-—–\s]*[ivxlc]{1,6}[-—–\s]*$/i,
];

/**
 * Drops page numbers and running headers/footers: lines at the top or bottom edge of a page (the first/last two
 * lines, inside the margin zone) that look like a page number, are in small print, or whose text (digits ignored)
 * recurs at that edge on at least half of the pages.
 */
function dropRunningHeadsAndPageNumbers(pages: PageLines[]): Line[] {
  const all = pages.flatMap((p) => p.lines);
  const bodySize = dominantSize(all);
  const gap = typicalLineGap(all, bodySize);
  const edgeKey = (line: Line, edge: 'top' | 'bottom'): string => `${edge}:${line.size}:${line.text.replace(/\d+/g, '#').replace(/\s+/g, '')}`;
  const edges = pages.map((page) => {
    const lines = page.lines;
    // Furniture sits in the margin and is set apart from the body by more than the usual line spacing.
    const apart = (a: Line | undefined, b: Line | undefined): boolean => !a || !b || b.y - a.y > gap * 1.4;
    let top: Line[] = [];
    for (let k = 0; k < Math.min(2, lines.length); k++) {
      const head = lines.slice(0, k + 1);
      if (head.every((l) => l.y < page.height * MARGIN_ZONE) && apart(lines[k], lines[k + 1])) top = head;
    }
    let bottom: Line[] = [];
    for (let k = 0; k < Math.min(2, lines.length); k++) {
      const tail = lines.slice(lines.length - k - 1);
      if (tail.every((l) => l.y > page.height * (1 - MARGIN_ZONE)) && apart(lines[lines.length - k - 2], lines[lines.length - k - 1])) bottom = tail;
    }
    return { top, bottom: bottom.filter((l) => !top.includes(l)) };
  });
  const recurring = new Map<string, number>();
  for (const { top, bottom } of edges) {
    const keys = new Set([...top.map((l) => edgeKey(l, 'top')), ...bottom.map((l) => edgeKey(l, 'bottom'))]);
    for (const key of keys) recurring.set(key, (recurring.get(key) ?? 0) + 1);
  }
  const needed = Math.max(2, Math.ceil(pages.length / 2));
  const dropped = new Set<Line>();
  edges.forEach(({ top, bottom }) => {
    for (const [edge, lines] of [
      ['top', top],
      ['bottom', bottom],
    ] as const) {
      for (const line of lines) {
        // Large text at the top of a page is a title, whatever it repeats.
        if (line.size > bodySize * 1.1) continue;
        const compact = line.text.replace(/\s+/g, ' ').trim();
        // Small print in the margin is a running head even on a one-page document.
        const smallPrint = line.size <= bodySize * 0.75;
        if (smallPrint || PAGE_NUMBER.some((p) => p.test(compact)) || (recurring.get(edgeKey(line, edge)) ?? 0) >= needed) dropped.add(line);
      }
    }
  });
  return all.filter((line) => !dropped.has(line));
}

/** The usual distance between baselines of body text, capped: body text is never more than double-spaced. */
function typicalLineGap(lines: Line[], bodySize: number): number {
  const gaps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [a, b] = [lines[i - 1]!, lines[i]!];
    if (a.page === b.page && a.size === bodySize && b.size === bodySize && b.y > a.y) gaps.push(b.y - a.y);
  }
  return Math.min(median(gaps) ?? bodySize * 1.5, bodySize * 2.5);
}

interface Layout {
  bodySize: number;
  /** Baseline distance of body text; other sizes are expected at a leading in proportion (see leadingFor). */
  lineGap: number;
  left: Map<number, number>;
  right: Map<number, number>;
}

/** The font size carrying most characters: the body text's. */
function dominantSize(lines: Line[]): number {
  const sizeWeights = new Map<number, number>();
  for (const line of lines) sizeWeights.set(line.size, (sizeWeights.get(line.size) ?? 0) + line.text.length);
  return [...sizeWeights.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 12;
}

function measureLayout(lines: Line[], pages: PageLines[]): Layout {
  const bodySize = dominantSize(lines);
  const lineGap = typicalLineGap(lines, bodySize);
  // Margins per page (mirrored margins differ between odd and even pages) where a page shows them; a page with
  // only short lines borrows the document's, or assumes margins as wide on the right as on the left.
  const byPage = new Map<number, Line[]>();
  for (const line of lines) {
    const pageLines = byPage.get(line.page);
    if (pageLines) pageLines.push(line);
    else byPage.set(line.page, [line]);
  }
  const observed = [...byPage.entries()].map(([page, pageLines]) => {
    const body = pageLines.filter((l) => l.text.length >= 4);
    const source = body.length > 0 ? body : pageLines;
    // reduce, not Math.min(...spread): a hostile page can hold more lines than a call can take arguments.
    const left = source.reduce((min, l) => Math.min(min, l.x0), Infinity);
    const right = source.reduce((max, l) => Math.max(max, l.x1), -Infinity);
    const atLeft = source.filter((l) => l.x0 <= left + 0.5 * l.size).length;
    const atRight = source.filter((l) => l.x1 >= right - 0.5 * l.size).length;
    return { page, left, right, leftShown: atLeft >= 3, rightShown: atRight >= 3 };
  });
  const documentLeft = mostCommon(observed.filter((o) => o.leftShown).map((o) => o.left));
  const documentRight = mostCommon(observed.filter((o) => o.rightShown).map((o) => o.right));
  const left = new Map<number, number>();
  const right = new Map<number, number>();
  for (const o of observed) {
    const pageLeft = o.leftShown ? o.left : Math.min(o.left, documentLeft ?? o.left);
    const width = pages[o.page - 1]?.width ?? 595;
    left.set(o.page, pageLeft);
    right.set(o.page, o.rightShown ? o.right : (documentRight ?? Math.max(o.right, width - pageLeft)));
  }
  return { bodySize, lineGap, left, right };
}

function mostCommon(values: number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(Math.round(value), (counts.get(Math.round(value)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Lines broken inside Latin text are joined with a space; digits are not (a number broken by a naive layout stays
// one number).
const LATIN_END = /[A-Za-z,.;:)]$/;
const LATIN_START = /^[A-Za-z(]/;

function linesToBlocks(lines: Line[], pages: PageLines[]): Block[] {
  if (lines.length === 0) return [];
  const layout = measureLayout(lines, pages);
  const lastOnPage = new Map<number, Line>();
  for (const line of lines) lastOnPage.set(line.page, line);

  const paragraphs: Line[][] = [];
  let current: Line[] = [];
  for (const line of lines) {
    const previous = current.at(-1);
    if (previous && continues(previous, line, layout, lastOnPage)) current.push(line);
    else {
      if (current.length > 0) paragraphs.push(current);
      current = [line];
    }
  }
  if (current.length > 0) paragraphs.push(current);

  const firstPage = lines[0]!.page;
  const drafts = paragraphs.map((group) => {
    const text = group.reduce((joined, line) => (LATIN_END.test(joined) && LATIN_START.test(line.text) ? `${joined} ${line.text}` : joined + line.text), '');
    const first = group[0]!;
    const left = layout.left.get(first.page) ?? first.x0;
    const right = layout.right.get(first.page) ?? pages[first.page - 1]?.width ?? first.x1;
    // Centred: every line symmetric about the text area, and some line clearly away from the left margin (a full
    // one-line paragraph is symmetric too).
    const centered = group.some((l) => l.x0 > left + 1.5 * l.size) && group.every((l) => Math.abs((l.x0 + l.x1) / 2 - (left + right) / 2) < 1.5 * l.size);
    return {
      text: cleanBlockText(text),
      size: first.size,
      page: first.page,
      pageBreaks: pageBreaksOf(group),
      centered,
      bold: group.every((l) => l.overprinted),
    };
  });

  // Title: among the first blocks of the first page, text above body size and larger than anything after it.
  const opening = drafts.slice(0, 5).filter((d) => d.page === firstPage);
  const titleSize = opening.reduce((max, d) => Math.max(max, d.size), 0);
  const largestLater = drafts.reduce((max, d) => (opening.includes(d) ? max : Math.max(max, d.size)), 0);
  const hasTitle = titleSize >= layout.bodySize * 1.1 && titleSize > largestLater;
  const isTitle = (d: (typeof drafts)[number]): boolean => hasTitle && opening.includes(d) && d.size === titleSize && d.text.length <= MAX_TITLE_CHARS;
  // Heading levels: the distinct sizes above body size used by short blocks, largest first.
  const headingSizes = [...new Set(drafts.filter((d) => !isTitle(d) && d.size >= layout.bodySize * 1.05 && d.text.length <= 60).map((d) => d.size))].sort(
    (a, b) => b - a,
  );

  return drafts
    .filter((d) => d.text.length > 0)
    .map((d) => {
      const hint: BlockHint = { fontSize: d.size, centered: d.centered, allBold: d.bold };
      if (isTitle(d)) hint.title = true;
      else if (d.text.length <= 60 && headingSizes.includes(d.size)) hint.headingLevel = Math.min(6, headingSizes.indexOf(d.size) + 1);
      return makeBlock(d.text, hint, { page: d.page, pageBreaks: d.pageBreaks });
    });
}

/** Where a paragraph's lines move to the next page, counted in non-space characters of the joined text. */
function pageBreaksOf(group: readonly Line[]): PageBreak[] {
  const breaks: PageBreak[] = [];
  let before = 0;
  let page = group[0]?.page ?? 1;
  for (const line of group) {
    if (line.page !== page) {
      breaks.push({ at: before, page: line.page });
      page = line.page;
    }
    before += nonSpaceLength(line.text);
  }
  return breaks;
}

/**
 * How far below the previous baseline a line of this size may sit and still continue the paragraph. Leading grows
 * with the font size (Word's "1.5 倍行距" gives a 22pt heading a third more space than 16pt body text), so a wrapped
 * large heading is measured against its own size; text smaller than the body keeps the body's leading (fixed
 * line spacing gives footnote-sized text the same distance).
 */
function leadingFor(size: number, layout: Layout): number {
  return layout.lineGap * Math.max(1, size / layout.bodySize);
}

/** Slack over the expected leading before a gap counts as a paragraph break (space before/after paragraphs is more). */
const LEADING_SLACK = 1.35;

/**
 * Estimated width of what a line starts with that cannot be split: a run of Latin letters/digits (≈0.55 em each), or
 * a Chinese character with the closing punctuation that may not start a line (1 em each).
 */
function firstTokenWidth(line: Line): number {
  const latin = /^[A-Za-z0-9%.,:/-]+/.exec(line.text);
  if (latin) return latin[0].length * 0.55 * line.size;
  const cjk = /^.[，。、；：！？”’）》」』】\],.;:!?)]*/u.exec(line.text);
  return (cjk?.[0].length ?? 1) * line.size;
}

/** Whether `line` continues the paragraph whose last line is `previous`. */
function continues(previous: Line, line: Line, layout: Layout, lastOnPage: Map<number, Line>): boolean {
  if (Math.abs(previous.size - line.size) > 0.6) return false;
  if (previous.overprinted !== line.overprinted) return false;
  const right = layout.right.get(previous.page) ?? previous.x1;
  const left = layout.left.get(line.page) ?? line.x0;
  // The previous line must run to the right margin (or stop short only because the next line's first word or
  // character-plus-punctuation would not have fitted), and this one must start at the left margin.
  if (previous.x1 + firstTokenWidth(line) < right - 0.5 * previous.size) return false;
  // A wrapped centred title ends in a short centred line rather than one at the left margin.
  const centredTail = line.size > layout.bodySize * 1.1 && Math.abs((line.x0 + line.x1) / 2 - (left + right) / 2) < line.size;
  if (line.x0 > left + 0.6 * line.size && !centredTail) return false;
  if (line.page === previous.page) return line.y > previous.y && line.y - previous.y <= leadingFor(line.size, layout) * LEADING_SLACK;
  // Across a page break: only from the last body line of one page to the first of the next.
  return line.page === previous.page + 1 && lastOnPage.get(previous.page) === previous;
}
