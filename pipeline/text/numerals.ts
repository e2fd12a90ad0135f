/**
 * Chinese numerals as reports write them: 十二, 二十, 一百零五, 两万, 三千五百, 十余 (the 余 is the caller's business).
 * Returns null for anything that is not a well-formed number, so a stray 万 or 百 in a word is never read as one.
 */

const DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const SMALL_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const BIG_UNITS: Record<string, number> = { 万: 10_000, 亿: 100_000_000 };

export const CHINESE_NUMERAL_CHARS = '零〇一二两三四五六七八九十百千万亿';

export function parseChineseNumeral(text: string): number | null {
  if (text.length === 0) return null;
  // Digit-by-digit forms such as 二〇二四 (a year) or 一五 are not counts.
  if (![...text].some((c) => c in SMALL_UNITS || c in BIG_UNITS) && text.length > 1) return null;
  let total = 0; // sum of completed 亿/万 groups
  let section = 0; // the current group below 万
  let digit: number | null = null;
  let lastBig = Infinity;
  let lastSmall = Infinity;
  let zeroGap = false; // 一百零五: after 零 a trailing digit is ones, not the next unit down
  for (const char of text) {
    if (char === '零' || char === '〇') {
      if (digit !== null || text.length === 1) {
        if (text.length === 1) return 0;
        return null;
      }
      zeroGap = true;
    } else if (char in DIGITS) {
      if (digit !== null) return null; // two digits in a row: 三四 is not a number
      digit = DIGITS[char] ?? 0;
    } else if (char in SMALL_UNITS) {
      const unit = SMALL_UNITS[char] ?? 1;
      if (unit >= lastSmall) return null; // 十百 is malformed
      // A leading 十 means 一十 (十二 = 12); elsewhere a unit needs a digit before it.
      if (digit === null) {
        if (unit !== 10) return null;
        digit = 1;
      }
      section += digit * unit;
      digit = null;
      lastSmall = unit;
      zeroGap = false;
    } else if (char in BIG_UNITS) {
      const unit = BIG_UNITS[char] ?? 1;
      if (unit >= lastBig) return null;
      section += digit ?? 0;
      if (section === 0) return null;
      total += section * unit;
      section = 0;
      digit = null;
      lastBig = unit;
      lastSmall = Infinity;
      zeroGap = false;
    } else {
      return null;
    }
  }
  if (digit !== null) {
    // 两万五 means 25,000 and 三百五 means 350: a trailing digit takes the next unit down.
    if (zeroGap) section += digit;
    else if (lastSmall !== Infinity && lastSmall >= 100 && section > 0) section += digit * (lastSmall / 10);
    else if (lastBig !== Infinity && section === 0 && lastSmall === Infinity) total += digit * (lastBig / 10);
    else section += digit;
  }
  return total + section;
}

/** Arabic figures written in a folded text (fold() has made full-width digits half-width): "14", "3.5". */
const FIGURE = /\d+(?:\.\d+)?/gu;
/** A calendar year ("2024年"): it changes with every report, so it says nothing about who did what. */
const CALENDAR_YEAR = /(?<!\d)(?:19|20)\d\d(?=\s*年)/gu;

/**
 * The figures a folded text states, as written, calendar years left out: what tells a sentence whose facts were
 * updated from one copied as it was ("开展活动14场" against last year's "12场"; "2024年" against "2023年" is no update).
 */
export function figuresOf(folded: string): Set<string> {
  return new Set(folded.replace(CALENDAR_YEAR, ' ').match(FIGURE) ?? []);
}
