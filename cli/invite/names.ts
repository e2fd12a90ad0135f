import { unitNameKey } from '../../pipeline/unit-folder.ts';

/**
 * The unit list of `fazhi invite` (units.txt: one unit per line; blank lines and lines starting with # are skipped).
 * A unit name becomes a folder in the upload key, a file name and a page title, so it is checked before anything is
 * signed: characters, length, duplicates (the same unit written twice, e.g. 乔庄镇 and 乔庄镇人民政府), and, where
 * a gazetteer is wired in, whether such a township exists in the county. Each refused line gets its reason.
 */

/** Longest unit name accepted (characters). Long department names with a second name in brackets reach ~25. */
export const MAX_UNIT_NAME_CHARS = 30;
/** Shortest: a one-character name is a typo or a stray line, never a unit. */
export const MIN_UNIT_NAME_CHARS = 2;

/** Han characters, Latin letters and digits, the full-width brackets and the middle dot of names like 阿·… . */
const ALLOWED_CHAR = /[\p{Script=Han}A-Za-z0-9（）·]/u;

export interface UnitLine {
  /** 1-based line number in the file. */
  line: number;
  name: string;
}

export interface UnitRefusal extends UnitLine {
  reason: string;
}

export interface UnitNameCheck {
  units: UnitLine[];
  refused: UnitRefusal[];
}

export interface UnitNameOptions {
  county: string;
  /**
   * The national gazetteer, when available: true if the county has this unit, false if the gazetteer covers such a
   * name (a township) in this county and it is not there, undefined if it cannot say (a county department).
   */
  knownUnit?: (name: string) => boolean | undefined;
}

/** The non-empty, non-comment lines of the list, trimmed, with their line numbers. */
export function readUnitLines(text: string): UnitLine[] {
  return text
    .replace(/^\uFEFF/u, '')
    .split(/\r?\n/u)
    .map((raw, i) => ({ line: i + 1, name: raw.trim() }))
    .filter((entry) => entry.name.length > 0 && !entry.name.startsWith('#'));
}

const describeChar = (c: string): string => (c === ' ' || c === '\u3000' ? '空格' : c === '\t' ? '制表符' : /\p{Cc}/u.test(c) ? `控制字符 U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : `“${c}”`);

/** The characters that cannot be in an upload folder name, or null. */
export function oddCharacters(name: string): string | null {
  const odd = [...new Set([...name].filter((c) => !ALLOWED_CHAR.test(c)))];
  if (odd.length === 0) return null;
  return `含有不能用作上传目录的字符：${odd.map(describeChar).join('、')}（单位名称只能由汉字、字母、数字、中文括号（）和间隔号·组成）`;
}

export function nameLength(name: string): string | null {
  const length = [...name].length;
  if (length < MIN_UNIT_NAME_CHARS) return `名称太短（${length} 个字），不像单位名称`;
  if (length > MAX_UNIT_NAME_CHARS) return `名称太长（${length} 个字，上限 ${MAX_UNIT_NAME_CHARS}）`;
  return null;
}

export function gazetteerCheck(name: string, options: UnitNameOptions): string | null {
  if (options.knownUnit?.(name) !== false) return null;
  return `按全国行政区划名录，${options.county}没有“${name}” — 请检查名称是否写错（写法应与名录一致，例如“××镇”“××街道”）`;
}

export function checkUnitNames(lines: readonly UnitLine[], options: UnitNameOptions): UnitNameCheck {
  const units: UnitLine[] = [];
  const refused: UnitRefusal[] = [];
  const seen = new Map<string, UnitLine>();
  for (const entry of lines) {
    const problem = oddCharacters(entry.name) ?? nameLength(entry.name);
    if (problem) {
      refused.push({ ...entry, reason: problem });
      continue;
    }
    const key = unitNameKey(entry.name, options.county);
    const first = seen.get(key);
    if (first) {
      refused.push({ ...entry, reason: first.name === entry.name ? `与第 ${first.line} 行重复` : `与第 ${first.line} 行“${first.name}”是同一单位` });
      continue;
    }
    const unknown = gazetteerCheck(entry.name, options);
    if (unknown) {
      refused.push({ ...entry, reason: unknown });
      continue;
    }
    seen.set(key, entry);
    units.push(entry);
  }
  return { units, refused };
}
