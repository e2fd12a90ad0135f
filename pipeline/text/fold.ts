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
 * Extra one-to-one folds: traditional → simplified (so a Big5 or traditional-character report matches the same rubric
 * patterns) and look-alike marks.
 */
const extraFolds: ReadonlyMap<number, number> = (() => {
  const map = new Map<number, number>([[0xff0e, 0x2e]]);
  for (let i = 0; i < TRADITIONAL.length; i++) map.set(TRADITIONAL.charCodeAt(i), SIMPLIFIED.charCodeAt(i));
  return map;
})();

export function foldChar(code: number): number {
  if (code >= FULLWIDTH_FIRST && code <= FULLWIDTH_LAST) return code - FULLWIDTH_OFFSET;
  if (code === IDEOGRAPHIC_SPACE) return 0x20;
  return extraFolds.get(code) ?? code;
}

/** Width-folds `text` (and maps registered traditional characters to simplified); the result has the same length. */
export function fold(text: string): string {
  let changed = false;
  const codes = new Array<number>(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const folded = foldChar(code);
    if (folded !== code) changed = true;
    codes[i] = folded;
  }
  if (!changed) return text;
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < codes.length; i += CHUNK) out += String.fromCharCode(...codes.slice(i, i + CHUNK));
  return out;
}

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
