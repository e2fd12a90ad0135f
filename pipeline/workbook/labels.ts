import { PART_LABELS } from '../../schemas/report.ts';
import type { Penalty, Rubric, RuleKind } from '../../schemas/rubric.ts';
import type { Evidence, Flag, ScoreResult } from '../../schemas/score.ts';

/**
 * Words for the printed page. The assessor signs paper: no internal ids (D1, P.copy, rule kinds), no English, no
 * character offsets, times in Beijing time and Chinese date format. Machine ids live in hidden or non-printing
 * columns only.
 */

/** Chinese names of the flags, shared by the workbook and the CLI's ranking table. */
export const FLAG_LABELS: Record<Flag['code'], string> = {
  'missing-part': '缺少法定内容',
  'inconsistent-figures': '数据矛盾',
  'similar-to': '内容雷同',
  late: '逾期报送',
  'no-figures': '缺少数据',
  boilerplate: '套话多',
  'template-leftover': '模板残留',
  'wrong-year': '年份错误',
  perfunctory: '查摆流于形式',
  'keyword-stuffing': '堆砌关键词',
  'meta-missing': '信息缺失',
  'meta-mismatch': '信息不符',
  'duplicate-township': '重复报送',
  veto: '一票否优',
};
export const SEVERITY_LABELS: Record<Flag['severity'], string> = { error: '严重', warning: '注意', info: '提示' };
export const VERIFIED_LABELS = { V: '已核对原文', P: '部分核对', U: '未核对原文' } as const;

export const RULE_LABELS: Record<RuleKind, string> = {
  'part-present': '有该部分且字数达标',
  phrases: '有相关表述',
  metric: '数据达到分档',
  disclosure: '披露数据',
  specificity: '数字密度',
  'distinct-items': '条目数与原因',
  metadata: '按期报送或公开',
  'cross-part': '安排对应不足',
  'follow-through': '上年安排落实',
};
export const PENALTY_RULE_LABELS: Record<Penalty['rule']['kind'], string> = {
  'missing-part': '缺少法定内容',
  'no-figures': '数字过少',
  boilerplate: '套话密度',
  'template-leftovers': '模板残留',
  perfunctory: '查摆流于形式',
  flag: '按问题标记',
  metric: '按报告数据',
};

/** The flag a penalty of this kind is about (so a flag that costs points is never left out of 问题标记). */
export function penaltyFlagCodes(penalty: Penalty): Flag['code'][] {
  switch (penalty.rule.kind) {
    case 'missing-part':
      return ['missing-part'];
    case 'no-figures':
      return ['no-figures'];
    case 'boilerplate':
      return ['boilerplate'];
    case 'template-leftovers':
      return ['template-leftover', 'wrong-year'];
    case 'perfunctory':
      return ['perfunctory'];
    case 'flag':
      return [penalty.rule.flag as Flag['code']];
    case 'metric':
      return [];
  }
}

/** Display width of text in Excel's character units: a Chinese character is about two. */
export function displayWidth(text: string): number {
  // By char code, not a regular expression per character: every wrapped cell of every row is measured.
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A character outside the BMP (two code units) is one character of width 1.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      width += 1;
      continue;
    }
    width += (c >= 0x2e80 && c <= 0x9fff) || (c >= 0xff00 && c <= 0xffef) ? 2 : 1;
  }
  return width;
}

/** Beijing time has no daylight saving: UTC+8 all year. */
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** "2025年4月10日 16:00（北京时间）" from an ISO instant. */
export function beijingTime(iso: string): string {
  const t = new Date(Date.parse(iso) + BEIJING_OFFSET_MS);
  if (Number.isNaN(t.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日 ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}（北京时间）`;
}

/**
 * A dimension's short name for a narrow column header: the words before “与” when they say enough (“法定要素与报送公开”
 * → “法定要素”), else the name itself up to seven characters.
 */
export function shortDimensionName(name: string): string {
  const head = name.split('与')[0] ?? name;
  if (head !== name && [...head].length >= 2 && [...head].length <= 6) return head;
  return [...name].slice(0, 7).join('');
}

export const unitName = (result: Pick<ScoreResult, 'township'>): string => result.township ?? '（单位未识别）';
export const fileName = (source: string): string => source.split(/[\\/]/u).pop() ?? source;

/** Where the assessor (or the township) finds a sentence: PDF page, then part·heading·paragraph, else the section. */
export function locationOf(evidence: Evidence): string {
  const place = evidence.location ?? (evidence.section || PART_LABELS[evidence.part ?? 'other']);
  return evidence.page !== undefined ? `第${evidence.page}页 ${place}` : place;
}

export const quote = (evidence: Evidence): string => `【${locationOf(evidence)}】${evidence.text}`;

/**
 * The first `max` characters (code points) of `text` and “…”, or `text` when it has no more. Counted in place: an
 * evidence paragraph is not spread into an array of characters to keep 80 of them.
 */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (let kept = 0; kept < max && end < text.length; kept++) end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
  return end >= text.length ? text : `${text.slice(0, end)}…`;
}

export const shortQuote = (evidence: Evidence, max = 80): string => `【${locationOf(evidence)}】${shorten(evidence.text, max)}`;

const FLAG_CODE = new RegExp(
  `(?<![A-Za-z-])(${Object.keys(FLAG_LABELS)
    .sort((a, b) => b.length - a.length)
    .join('|')})(?![A-Za-z-])`,
  'gu',
);
const TAGS: Record<string, string> = { '[V]': '（已核对原文）', '[P]': '（部分核对）', '[U]': '（未核对原文）' };

/**
 * Text from the scorer or the rubric made fit to print: flag codes become their Chinese names, “D9 问题查摆…” loses
 * its id, a bare D9 becomes the dimension's short name, “criteria.md §7.3” becomes the proposal it names, and the
 * [V]/[P]/[U] tags become words.
 */
export function printable(text: string, rubric?: Rubric): string {
  const made = rubric ? printingOf(rubric) : WITHOUT_RUBRIC;
  // Every rewrite needs an ASCII letter (flag codes, criteria.md, dimension ids), a “[” or a “（”: most notes have none.
  if (made.idsHaveLetters && !MAY_NEED_REWRITE.test(text)) return text;
  let out = made.memo.get(text);
  if (out === undefined) {
    out = rewrite(text, made.dimensions);
    if (made.memo.size >= PRINTABLE_MEMO_LIMIT) made.memo.clear();
    made.memo.set(text, out);
  }
  return out;
}

const MAY_NEED_REWRITE = /[A-Za-z[（]/u;

function rewrite(text: string, dimensions: readonly DimensionPattern[]): string {
  let out = text.replace(FLAG_CODE, (code) => FLAG_LABELS[code as Flag['code']] ?? code);
  out = out.replace(/criteria\.md\s*§\s*([\d.]+)/gu, '《评分标准建议方案》第$1节').replace(/criteria\.md/gu, '《评分标准建议方案》');
  out = out.replace(/\s*\[(V|P|U)\]\s*/gu, (tag) => TAGS[tag.trim()] ?? tag);
  // "为 [U] 未核对原文" and "内容雷同（similar-to）" read twice once translated.
  out = out.replace(/（(已核对原文|部分核对|未核对原文)）\s*\1/gu, '（$1）').replace(/([\u4e00-\u9fff]{2,8})（\1）/gu, '$1');
  for (const d of dimensions) {
    if (!out.includes(d.id)) continue;
    out = out.split(d.withName).join(d.name);
    out = out.replace(d.bare, d.short);
  }
  return out;
}

interface DimensionPattern {
  id: string;
  name: string;
  /** "D9 问题查摆…" → the name alone. */
  withName: string;
  /** A bare "D9" → “问题查摆”. */
  bare: RegExp;
  short: string;
}

/** What `printable` makes once per rubric: it runs for every note of every row. */
interface Printing {
  dimensions: readonly DimensionPattern[];
  /** Whether every dimension id has an ASCII letter (then a text without one cannot contain an id). */
  idsHaveLetters: boolean;
  /**
   * Texts rewritten: the same notes recur for every unit (a county's workbook asks ≈ 1,700 times for ≈ 240 texts).
   * Cleared when full, so a year-wide export's distinct notes do not pile up.
   */
  memo: Map<string, string>;
}

const PRINTABLE_MEMO_LIMIT = 5_000;
const WITHOUT_RUBRIC: Printing = { dimensions: [], idsHaveLetters: true, memo: new Map() };
const printings = new WeakMap<Rubric, Printing>();

function printingOf(rubric: Rubric): Printing {
  let printing = printings.get(rubric);
  if (!printing) {
    const dimensions = rubric.dimensions.map((d) => ({
      id: d.id,
      name: d.name,
      withName: `${d.id} ${d.name}`,
      bare: new RegExp(`(?<![A-Za-z0-9.])${d.id.replace(/[.]/gu, '\\.')}(?![A-Za-z0-9.])`, 'gu'),
      short: `“${shortDimensionName(d.name)}”`,
    }));
    printing = { dimensions, idsHaveLetters: dimensions.every((d) => /[A-Za-z]/u.test(d.id)), memo: new Map() };
    printings.set(rubric, printing);
  }
  return printing;
}

/**
 * English words a printed cell may still carry: file formats and program names a clerk knows, and web addresses
 * (evidence of publication), and check codes (hexadecimal digests). Anything else in ASCII letters on a printed sheet is a leak of an internal name.
 */
export const PRINTABLE_ASCII =
  /https?:\/\/\S+|\b[0-9a-f]{8,}\b|[^\s（）()【】，、：；“”]+\.(?:docx?|pdf|txt|html?|md|xlsx|wps|DOCX?|PDF|TXT)\b|(?<![A-Za-z])(?:Word|WPS|PDF|Excel|OA|APP|App|app|XX|xx)(?![A-Za-z])/gu;
const PROGRAM_NAMES = /\b[0-9a-f]{8,}\b|(?<![A-Za-z])(?:Word|WPS|PDF|Excel|XX|xx)(?![A-Za-z])/gu;

/**
 * The ASCII words left in `text` once the allowed ones are removed (empty when it is fit to print). `files: false`
 * allows no file names or web addresses (for the rubric's own notes, which should name none).
 */
export function englishLeft(text: string, options: { files?: boolean } = {}): string[] {
  return text.replace(options.files === false ? PROGRAM_NAMES : PRINTABLE_ASCII, ' ').match(/[A-Za-z]{2,}/gu) ?? [];
}
