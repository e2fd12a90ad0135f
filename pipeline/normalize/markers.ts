/**
 * Outline markers of Chinese official documents, in their usual order of depth:
 * 一、 → （一） → 1. → （1） / ① → 一是. All patterns run on width-folded text (（一） arrives as (一)).
 */

export interface Marker {
  /** 1 for 一、, 2 for （一）, 3 for 1., 4 for （1）/①, 5 for 一是. */
  level: number;
  /** The marker as a reader names it: "一", "（一）", "1", "（1）", "一是". */
  number: string;
  /** How many characters the marker (and the space after it) take at the start of the line. */
  length: number;
}

const CN = '[一二三四五六七八九十]{1,3}';
const PATTERNS: { level: number; pattern: RegExp; label: (m: RegExpExecArray) => string }[] = [
  { level: 1, pattern: new RegExp(`^第(${CN})(?:部分|章|节)[、.:\\s]?\\s*`, 'u'), label: (m) => `第${m[1]}部分` },
  { level: 1, pattern: new RegExp(`^(${CN})\\s*[、.]\\s*`, 'u'), label: (m) => m[1] ?? '' },
  { level: 2, pattern: new RegExp(`^\\((${CN})\\)\\s*[、.]?\\s*`, 'u'), label: (m) => `（${m[1]}）` },
  { level: 3, pattern: /^(\d{1,2})\s*[、.](?![\d%])\s*/u, label: (m) => m[1] ?? '' },
  { level: 4, pattern: /^\((\d{1,2})\)\s*/u, label: (m) => `（${m[1]}）` },
  { level: 4, pattern: /^([①-⑳])\s*/u, label: (m) => m[1] ?? '' },
  { level: 5, pattern: /^([一二三四五六七八九十]{1,2})是(?=[\u4e00-\u9fff“"《])/u, label: (m) => `${m[1]}是` },
];

/**
 * Whether a line can open with a marker at all: 第, a Chinese numeral 一…十, "(", a digit or ①…⑳ (what every pattern
 * above starts with). Most lines and sentences start otherwise, and are answered without running the patterns.
 */
function mayOpenMarker(code: number): boolean {
  return code === 0x7b2c || CN_DIGITS.has(code) || code === 0x28 || (code >= 0x30 && code <= 0x39) || (code >= 0x2460 && code <= 0x2473);
}

const CN_DIGITS = new Set([...'一二三四五六七八九十'].map((c) => c.charCodeAt(0)));

/** The outline marker at the start of a (width-folded) line, if any. */
export function markerOf(folded: string): Marker | null {
  if (!mayOpenMarker(folded.charCodeAt(0))) return null;
  for (const { level, pattern, label } of PATTERNS) {
    const match = pattern.exec(folded);
    if (match) return { level, number: label(match), length: match[0].length };
  }
  return null;
}

export const startsWithMarker = (folded: string): boolean => markerOf(folded) !== null && markerOf(folded)!.level <= 4;

/** A heading on a line of its own: marker, a short phrase, no sentence inside it. */
export function isStandaloneHeading(folded: string): boolean {
  const marker = markerOf(folded);
  if (!marker || marker.level > 4) return false;
  return isHeadingPhrase(folded.slice(marker.length));
}

/** A short phrase with no sentence break inside it (a final 。 or ： is allowed). */
export function isHeadingPhrase(rest: string): boolean {
  const body = rest.replace(/[。：:;；]\s*$/u, '');
  if (body.length === 0 || body.length > 70) return false;
  return !/[。；;!?！？]/u.test(body);
}

/**
 * The head of a run-in heading: "（一）加强理论学习。全镇……" → "加强理论学习". Falls back to the first clause, and
 * to the first 20 characters when the paragraph has no early break.
 */
export function runInHead(rest: string): string {
  const sentence = /^(.{2,40}?)[。：:；;]/u.exec(rest);
  if (sentence?.[1]) return sentence[1];
  const clause = /^(.{2,30}?)[，,]/u.exec(rest);
  if (clause?.[1]) return clause[1];
  return rest.length > 20 ? `${rest.slice(0, 20)}…` : rest;
}
