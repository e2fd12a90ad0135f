import type { Block, BlockHint } from '../../schemas/extracted.ts';
import { boldHints, cleanBlockText, collapseSpaces, dominantFontSize, makeBlock } from './blocks.ts';
import type { Segment } from './blocks.ts';
import { decodeEntities, tokenizeMarkup } from './markup.ts';

/**
 * HTML → blocks, for uploaded web pages and for mammoth's rendering of a .docx. Block elements (and <br>) end a
 * block; h1–h6 give `headingLevel`; <strong>/<b> or a bold CSS weight give `leadingBold`/`allBold`; `text-align:
 * center`, <center> or align=center give `centered`; CSS font sizes give `fontSize`. Short table rows become one
 * block with cells separated by a tab; long rows and layout tables (tables inside tables) keep one block per cell
 * paragraph. Scripts, styles, comments, <title>, <nav> and hidden elements are dropped.
 */

const BLOCK_ELEMENTS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'center',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'html',
  'legend',
  'li',
  'main',
  'menu',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);
const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Elements whose whole content is dropped. */
const SKIPPED_ELEMENTS = new Set(['nav', 'select', 'svg', 'math', 'object', 'template', 'button']);

const IMPLICIT_CLOSE: Record<string, { closes: string[]; boundary: string[] }> = {
  p: { closes: ['p'], boundary: ['div', 'td', 'th', 'li', 'table', 'blockquote', 'section', 'article', 'body'] },
  li: { closes: ['li'], boundary: ['ul', 'ol', 'menu'] },
  td: { closes: ['td', 'th'], boundary: ['tr', 'table'] },
  th: { closes: ['td', 'th'], boundary: ['tr', 'table'] },
  tr: { closes: ['tr'], boundary: ['table'] },
};

/** A table row longer than this (characters) is a layout row: its cells stay separate blocks. */
const MAX_MERGED_ROW_CHARS = 300;

interface InheritedStyle {
  bold?: boolean;
  headingLevel?: number;
  title?: boolean;
  centered?: boolean;
  fontSize?: number;
}

interface OpenElement extends InheritedStyle {
  name: string;
  skip?: boolean;
  /** This element's style merged over its ancestors', computed once when it opens. */
  state?: InheritedStyle;
}

/** Deeper nesting than this is not tracked (tags still end blocks): keeps hostile markup linear. */
const MAX_DEPTH = 512;

interface Row {
  cells: Block[][];
  cell: Block[];
  layout: boolean;
}

export function htmlToBlocks(html: string): Block[] {
  return htmlToSourcedBlocks(html).blocks;
}

/**
 * htmlToBlocks that also reports, per block, the number in the first source marker found in its text (markers are
 * removed). The docx reader plants one marker per Word paragraph to find each block's paragraph again.
 */
export function htmlToSourcedBlocks(html: string, marker?: RegExp): { blocks: Block[]; sources: WeakMap<Block, number> } {
  const sources = new WeakMap<Block, number>();
  let pendingSource: number | undefined;
  const output: Block[] = [];
  const stack: OpenElement[] = [];
  // How many elements of each name are open: lets a stray closer be ignored without scanning the stack.
  const openCount = new Map<string, number>();
  const push = (element: OpenElement): void => {
    if (stack.length >= MAX_DEPTH) return;
    const parent = stack.at(-1)?.state ?? {};
    element.state = {
      bold: element.bold ?? parent.bold,
      headingLevel: element.headingLevel ?? parent.headingLevel,
      title: element.title || parent.title,
      centered: element.centered ?? parent.centered,
      fontSize: element.fontSize ?? parent.fontSize,
    };
    stack.push(element);
    openCount.set(element.name, (openCount.get(element.name) ?? 0) + 1);
    if (element.skip) skipDepth++;
    if (element.name === 'pre' && !element.skip) preDepth++;
  };
  let blockHasText = false;
  const rows: Row[] = [];
  let segments: Segment[] = [];
  let blockHint: BlockHint = {};
  let skipDepth = 0;
  let preDepth = 0;

  // Blocks of a row that may still merge wait in its cell; once a row is known to be layout they go out directly.
  const sink = (): Block[] => {
    const row = rows.at(-1);
    return row && !row.layout ? row.cell : output;
  };
  /** A table opened inside the innermost row: it and every ancestor row are layout; release what they held. */
  const markLayout = (): void => {
    let first = rows.length;
    while (first > 0 && !rows[first - 1]!.layout) first--;
    for (const row of rows.slice(first)) {
      row.layout = true;
      for (const cell of [...row.cells, row.cell]) for (const block of cell) output.push(block);
      row.cells = [];
      row.cell = [];
    }
  };
  const flush = (): void => {
    if (segments.length === 0) return;
    const text = cleanBlockText(collapseSpaces(segments.map((s) => s.text).join('')));
    if (text) {
      const block = makeBlock(text, { ...blockHint, ...boldHints(segments), fontSize: dominantFontSize(segments) });
      if (pendingSource !== undefined) sources.set(block, pendingSource);
      sink().push(block);
    }
    pendingSource = undefined;
    segments = [];
    blockHint = {};
    blockHasText = false;
  };
  const addText = (raw: string): void => {
    let text = raw;
    if (marker && text.length > 0) {
      marker.lastIndex = 0;
      text = text.replace(marker, (_whole, index: string) => {
        pendingSource ??= Number(index);
        return '';
      });
    }
    if (!text) return;
    const state = stack.at(-1)?.state ?? {};
    if (!blockHasText) {
      blockHint = { headingLevel: state.headingLevel, title: state.title, centered: state.centered };
      blockHasText = /\S/.test(text);
    }
    segments.push({ text, bold: state.bold ?? false, fontSize: state.fontSize });
  };
  const endRow = (): void => {
    flush();
    const row = rows.pop();
    if (!row || row.layout) return;
    if (row.cell.length > 0) row.cells.push(row.cell);
    const merged = row.cells
      .map((cell) => cell.map((b) => b.text).join(' '))
      .filter((t) => t.length > 0)
      .join('\t');
    const target = sink();
    if (merged.length <= MAX_MERGED_ROW_CHARS) {
      if (merged) target.push(makeBlock(merged));
    } else {
      for (const cell of row.cells) for (const block of cell) target.push(block);
    }
  };

  const closeAt = (index: number): void => {
    if (index < 0) return;
    // Innermost first; skipped elements added no text, so only the others can end a block, a cell or a row.
    const popped = stack.splice(index).reverse();
    for (const element of popped) openCount.set(element.name, (openCount.get(element.name) ?? 1) - 1);
    const visible = popped.filter((e) => !e.skip);
    skipDepth -= popped.length - visible.length;
    if (visible.some((e) => BLOCK_ELEMENTS.has(e.name))) flush();
    for (const element of visible) {
      if (element.name === 'pre') preDepth--;
      if (element.name === 'td' || element.name === 'th') {
        const row = rows.at(-1);
        if (row) {
          row.cells.push(row.cell);
          row.cell = [];
        }
      } else if (element.name === 'tr') {
        endRow();
      }
    }
  };
  /** Tag soup: an opening <p>, <li>, <td> or <tr> closes an open one of its kind inside the same container. */
  const closeImplicitly = (name: string): void => {
    const rule = IMPLICIT_CLOSE[name];
    if (!rule || !rule.closes.some((closes) => (openCount.get(closes) ?? 0) > 0)) return;
    for (let index = stack.length - 1; index >= 0; index--) {
      const open = stack[index]!.name;
      if (rule.boundary.includes(open)) return;
      if (rule.closes.includes(open)) return closeAt(index);
    }
  };

  for (const token of tokenizeMarkup(html, { html: true })) {
    if (token.type === 'rawtext') continue;
    if (token.type === 'text') {
      if (skipDepth > 0) continue;
      const text = token.raw ? token.text : decodeEntities(token.text);
      if (preDepth > 0 && text.includes('\n')) {
        const lines = text.split(/\r?\n/);
        lines.forEach((line, index) => {
          if (index > 0) flush();
          addText(line);
        });
      } else {
        addText(text);
      }
      continue;
    }
    const name = token.name;
    if (token.type === 'open') {
      const style = skipDepth > 0 ? {} : parseStyle(token.attrs.style);
      const footnoteBacklink = name === 'a' && /^#(foot|end)note-ref-/.test(token.attrs.href ?? '');
      if (skipDepth > 0 || SKIPPED_ELEMENTS.has(name) || style.hidden || token.attrs.hidden !== undefined || footnoteBacklink) {
        if (!VOID_ELEMENTS.has(name) && !token.selfClosing) push({ name, skip: true });
        continue;
      }
      if (name === 'br') {
        flush();
        continue;
      }
      if (name === 'img') continue;
      closeImplicitly(name);
      if (BLOCK_ELEMENTS.has(name)) flush();
      // Rows are tracked only while the stack is; a table inside a row makes that row (and, on close, its
      // ancestors) a layout row.
      if (name === 'tr' && stack.length < MAX_DEPTH) rows.push({ cells: [], cell: [], layout: false });
      if (name === 'table' && rows.length > 0) markLayout();
      if (VOID_ELEMENTS.has(name) || token.selfClosing) continue;
      const element: OpenElement = { name };
      if (name === 'b' || name === 'strong') element.bold = true;
      if (style.bold !== undefined) element.bold = style.bold;
      const heading = /^h([1-6])$/.exec(name);
      // mammoth renders Word's Title style as <h1 class="title"> (see the docx style map); government site templates
      // mark their title as <p class="title"> or <div class="title">. makeBlock keeps the hint for short text only.
      const titleClass = (token.attrs.class ?? '').split(/\s+/).includes('title');
      if (titleClass && (heading || name === 'p' || name === 'div')) element.title = true;
      else if (heading) element.headingLevel = Number(heading[1]);
      if (name === 'center' || style.centered || token.attrs.align?.toLowerCase() === 'center') element.centered = true;
      else if (style.centered === false || (token.attrs.align && BLOCK_ELEMENTS.has(name))) element.centered = false;
      if (style.fontSize !== undefined) element.fontSize = style.fontSize;
      push(element);
      continue;
    }

    // Closing tag: pop to the matching element if it is open; a stray closer is ignored.
    if ((openCount.get(name) ?? 0) > 0) closeAt(stack.findLastIndex((e) => e.name === name));
  }
  flush();
  while (rows.length > 0) endRow();
  return { blocks: output, sources };
}

interface InlineStyle {
  bold?: boolean;
  centered?: boolean;
  fontSize?: number;
  hidden?: boolean;
}

/** The few CSS declarations that matter for hints. */
function parseStyle(style: string | undefined): InlineStyle {
  const result: InlineStyle = {};
  if (!style) return result;
  for (const declaration of style.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration
      .slice(colon + 1)
      .trim()
      .toLowerCase()
      .replace(/\s*!important$/, '');
    if (property === 'font-weight') {
      const weight = Number(value);
      result.bold = value === 'bold' || value === 'bolder' || (Number.isFinite(weight) && weight >= 600);
    } else if (property === 'text-align') {
      result.centered = value === 'center';
    } else if (property === 'font-size') {
      const size = /^([\d.]+)\s*(pt|px)$/.exec(value);
      if (size) result.fontSize = Number(size[1]) * (size[2] === 'px' ? 0.75 : 1);
    } else if (property === 'display' && value === 'none') {
      result.hidden = true;
    } else if (property === 'visibility' && value === 'hidden') {
      result.hidden = true;
    }
  }
  return result;
}

/**
 * The charset an HTML file declares in its first bytes (<meta charset> or http-equiv Content-Type), read before
 * decoding as the HTML spec's prescan does.
 */
export function sniffHtmlCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  for (const match of head.matchAll(/<meta\b[^>]*>/gi)) {
    const tag = match[0];
    const direct = /\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(tag);
    if (direct) return direct[1];
  }
  return undefined;
}

/** Whether decoded text looks like an HTML document (rather than text that mentions a tag). */
export function looksLikeHtml(text: string): boolean {
  // Browsers' "save page" writes a comment first (<!-- saved from url=… -->); skip comments before looking.
  const head = text
    .slice(0, 4096)
    .replace(/^\s*(<!--[\s\S]*?-->\s*)*/, '')
    .toLowerCase();
  if (/^<!doctype\s+html/.test(head) || /^<html[\s>]/.test(head) || /^<\?xml[^>]*>\s*<(!doctype\s+)?html/.test(head)) return true;
  if (/^<(head|body|meta|title)[\s>]/.test(head)) return true;
  // A fragment: starts with a block tag and has a few of them.
  return /^<(p|div|h[1-6]|table|section|article)[\s>]/.test(head) && (head.match(/<\/(p|div|h[1-6]|td|li)>/g)?.length ?? 0) >= 2;
}
