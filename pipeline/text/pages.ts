import type { PageBreak } from '../../schemas/extracted.ts';

/**
 * Page positions inside a paragraph of a PDF. A paragraph may run across a page break; the break is recorded as the
 * number of non-space characters before it, a count that survives cleaning (spaces collapsed, lines rejoined).
 */

const SPACE = /\s/u;

/** Non-space UTF-16 code units in `text` up to `end` (default: all of it). */
export function nonSpaceLength(text: string, end = text.length): number {
  let n = 0;
  for (let i = 0; i < end && i < text.length; i++) if (!SPACE.test(text[i] ?? '')) n++;
  return n;
}

/** The page that holds the character at `index` of a paragraph that starts on `page` and breaks at `breaks`. */
export function pageAt(text: string, index: number, page: number, breaks: readonly PageBreak[] = []): number {
  if (breaks.length === 0) return page;
  const before = nonSpaceLength(text, index);
  let current = page;
  for (const brk of breaks) if (brk.at <= before) current = brk.page;
  return current;
}
