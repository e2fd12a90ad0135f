import { SIMPLIFIED, TRADITIONAL } from './t2s-table.ts';

/**
 * Folding for matching. Reports mix full-width and half-width forms (（一） and (一), ５０ and 50, ，and ,); rubric
 * patterns are written once, for the folded form. Folding maps one UTF-16 unit to one UTF-16 unit, so an offset found
 * in folded text is the same offset in the original text, which is what evidence cites.
 */

const IDEOGRAPHIC_SPACE = 0x3000;
const FULLWIDTH_FIRST = 0xff01; // ！
const FULLWIDTH_LAST = 0xff5e; // ～
const FULLWIDTH_OFFSET = 0xfee0;

/**
 * The fold of every UTF-16 unit, as a table: full-width ASCII → half-width, the ideographic space → a space,
 * traditional → simplified (so a Big5 or traditional-character report matches the same rubric patterns). A table
 * lookup per character keeps folding cheap; it runs on every report several times.
 */
const FOLD_TABLE: Uint16Array = (() => {
  const table = new Uint16Array(0x10000);
  for (let code = 0; code < 0x10000; code++) table[code] = code;
  for (let code = FULLWIDTH_FIRST; code <= FULLWIDTH_LAST; code++) table[code] = code - FULLWIDTH_OFFSET;
  table[IDEOGRAPHIC_SPACE] = 0x20;
  for (let i = 0; i < TRADITIONAL.length; i++) table[TRADITIONAL.charCodeAt(i)] = SIMPLIFIED.charCodeAt(i);
  return table;
})();

export function foldChar(code: number): number {
  return FOLD_TABLE[code] ?? code;
}

/**
 * Width-folds `text` and maps traditional characters to simplified; the result has the same length. Most units fold
 * to themselves (a Chinese report changes only its full-width punctuation), so the unchanged runs are copied as
 * slices and only the folded units are written one by one.
 */
export function fold(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const folded = FOLD_TABLE[code]!;
    if (folded === code) {
      if (code >= SURROGATE_FIRST && code <= SURROGATE_LAST) return foldWithSurrogates(text);
      continue;
    }
    out += text.slice(from, i) + String.fromCharCode(folded);
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

const SURROGATE_FIRST = 0xd800;
const SURROGATE_LAST = 0xdfff;

/**
 * The fold of a text with surrogates (characters outside the BMP, or a lone surrogate from a broken file): through a
 * UTF-16 decoder, as folding has always done it, so that a lone surrogate becomes U+FFFD (still one unit, so offsets
 * hold) whenever anything else in the text folds.
 */
function foldWithSurrogates(text: string): string {
  let first = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (FOLD_TABLE[code] !== code) {
      first = i;
      break;
    }
  }
  if (first < 0) return text;
  const codes = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = FOLD_TABLE[text.charCodeAt(i)]!;
  // Decoding the code units (little-endian, as on x86 and arm64) is much faster than String.fromCharCode over a
  // spread.
  return UTF16.decode(codes);
}

const UTF16 = new TextDecoder('utf-16le');

/** Han ideographs (CJK Unified Ideographs and Extension A), the characters a Chinese report is made of. */
export const HAN = '\\u3400-\\u4dbf\\u4e00-\\u9fff';
export const isHan = (char: string | undefined): boolean => {
  if (!char) return false;
  const code = char.charCodeAt(0);
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf);
};

/** Counts Han characters: report lengths and densities are measured in these, not in UTF-16 units. */
export function hanCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf)) n++;
  }
  return n;
}
