import { countyLabel, isCountyName, townshipInfo } from '../../pipeline/text/gazetteer.ts';
import { unitNameKey } from '../../pipeline/unit-folder.ts';

/**
 * The unit list of `fazhi invite` (units.txt: one unit per line; blank lines and lines starting with # are skipped).
 * A unit name becomes a folder in the upload key, a file name and a page title, so it is checked before anything is
 * signed: characters, length, duplicates (the same unit written twice, e.g. 乔庄镇 and 乔庄镇人民政府) — each refused
 * line gets its reason — and against the national gazetteer where it can say something: a township or subdistrict
 * the gazetteer places in another county gets a warning (its page is still written: the gazetteer is evidence, and
 * can be out of date). Departments and names the gazetteer does not have are accepted as they are.
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

export interface UnitWarning extends UnitLine {
  warning: string;
}

export interface UnitNameCheck {
  units: UnitLine[];
  refused: UnitRefusal[];
  /** Accepted units (in `units`) the gazetteer has doubts about: shown to the operator, never a refusal. */
  warnings: UnitWarning[];
}

/**
 * What a gazetteer says about a unit name and the county it is listed under: `here` (a township or subdistrict of
 * this county), `elsewhere` (a township or subdistrict unique in the country, in another county: `county` names it),
 * or `unknown` (a department, a name the gazetteer does not have, or one several counties have but not this one).
 */
export type KnownUnit = { kind: 'here' } | { kind: 'elsewhere'; county: string } | { kind: 'unknown' };

export interface UnitNameOptions {
  county: string;
  /** The national gazetteer (`gazetteerUnits`), or another; without it names are checked for form only. */
  knownUnit?: (name: string) => KnownUnit;
}

/** The non-empty, non-comment lines of the list, trimmed, with their line numbers. */
export function readUnitLines(text: string): UnitLine[] {
  return text
    .replace(/^\uFEFF/u, '')
    .split(/\r?\n/u)
    .map((raw, i) => ({ line: i + 1, name: raw.trim() }))
    .filter((entry) => entry.name.length > 0 && !entry.name.startsWith('#'));
}

const describeChar = (c: string): string =>
  c === ' ' || c === '\u3000'
    ? '空格'
    : c === '\t'
      ? '制表符'
      : /\p{Cc}/u.test(c)
        ? `控制字符 U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
        : `“${c}”`;

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

/** The warning for a unit the gazetteer places in another county, or null. */
export function gazetteerCheck(name: string, options: UnitNameOptions): string | null {
  const known = options.knownUnit?.(name);
  if (known?.kind !== 'elsewhere') return null;
  return `按全国行政区划名录，“${name}”属于${known.county}，不属于${options.county} — 请核实名称或 --county（页面照常生成；名录可能未收录新近的区划调整）`;
}

/**
 * The national gazetteer (pipeline/text/gazetteer.ts) as a `knownUnit` for `county`, or null when the gazetteer does
 * not know that county (a misspelt --county, a county created or renamed after the gazetteer's data, or a fictional
 * one): then it cannot tell whether a township belongs to it, and says nothing.
 */
export function gazetteerUnits(county: string): ((name: string) => KnownUnit) | null {
  if (!isCountyName(county)) return null;
  return (name) => {
    // As written (旗下营镇), then as the unit-folder check reads it (青川县乔庄镇, 乔庄镇人民政府, 喬莊鎮 → 乔庄镇).
    const info = townshipInfo(name) ?? townshipInfo(unitNameKey(name, county));
    if (!info) return { kind: 'unknown' };
    if (info.counties.some((c) => c.name === county)) return { kind: 'here' };
    return info.county ? { kind: 'elsewhere', county: countyLabel(info.county) } : { kind: 'unknown' };
  };
}

export function checkUnitNames(lines: readonly UnitLine[], options: UnitNameOptions): UnitNameCheck {
  const units: UnitLine[] = [];
  const refused: UnitRefusal[] = [];
  const warnings: UnitWarning[] = [];
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
    const elsewhere = gazetteerCheck(entry.name, options);
    if (elsewhere) warnings.push({ ...entry, warning: elsewhere });
    seen.set(key, entry);
    units.push(entry);
  }
  return { units, refused, warnings };
}
