import type { Fact, FactQualifier, FactSubject } from '../../schemas/report.ts';
import type { Metric } from '../../schemas/rubric.ts';
import { fold } from '../text/fold.ts';
import { CHINESE_NUMERAL_CHARS, parseChineseNumeral } from '../text/numerals.ts';

/**
 * Facts: every figure a report gives, with its unit, its qualifier (余/多/以上 → atLeast, 约/近/左右 → about), the
 * words before it, whose figure it is (this unit, its villages, the county, a higher level) and the year the sentence
 * dates it to, so that "调解成功率达到93%" becomes { metric: mediation.success_rate, value: 93, unit: "%" } and
 * "全县…败诉3件" is known to be the county's figure, not the reporting department's. Years, dates, document numbers,
 * ordinals, outline markers and numbers inside quoted names (“141”体系, 《…2021-2025年》) are not facts.
 */

/** Units after a figure, longest first so 人次 wins over 人. */
const UNITS = [
  '个百分点',
  '平方米',
  '人次',
  '件次',
  '场次',
  '户次',
  '批次',
  '课时',
  '小时',
  '公里',
  '万元',
  '亿元',
  '余人',
  '个',
  '人',
  '名',
  '件',
  '起',
  '次',
  '场',
  '份',
  '条',
  '项',
  '户',
  '家',
  '期',
  '批',
  '篇',
  '部',
  '处',
  '所',
  '支',
  '套',
  '台',
  '天',
  '张',
  '幅',
  '册',
  '元',
  '本',
  '块',
  '座',
  '类',
  '轮',
  '遍',
  '封',
  '宗',
  '例',
  '位',
  '组',
  '村',
  '堂',
  '节',
  '期',
  '周',
  '个月',
  '%',
  '‰',
].sort((a, b) => b.length - a.length);

/** Words after a figure that make it a date, a time or a name rather than a quantity. */
const NOT_A_QUANTITY_AFTER = /^(年|月|日|号|时|点|届|级|岁|周年|中全会|大|五|代|线|路|型|式|伏|千伏|热线|米(?!方))/u;
/** Set phrases with numerals that are slogans, not counts (四个意识, 两个维护, 三项制度, 八项规定…). */
const SLOGAN =
  /^[一二两三四五六七八九十]+(个(意识|自信|维护|确立|代表|全面|务必|结合|到位|表率|坚持|必须|重点|方面|环节|层面|统筹|关键|一批|“|")|项(制度|规定|基本)|重一大|公经费|项规定|议两公开|大|中全会|级|进|五|老)/u;
/** Ends a clause for the words read around a figure: ，,。；;：:！？!?, a line break, 、 and an opening bracket （(. */
const isBoundary = (code: number): boolean => isHardBoundary(code) || code === 0x3001 || code === 0xff08 || code === 0x28;
/** Ends an enumeration: ，,。；;：:！？!? and a line break (not 、). Compared as UTF-16 units: read for every figure. */
const isHardBoundary = (code: number): boolean =>
  code === 0xff0c ||
  code === 0x2c ||
  code === 0x3002 ||
  code === 0xff1b ||
  code === 0x3b ||
  code === 0xff1a ||
  code === 0x3a ||
  code === 0xff01 ||
  code === 0xff1f ||
  code === 0x21 ||
  code === 0x3f ||
  code === 0x0a;
const PRE_QUALIFIERS: [RegExp, FactQualifier][] = [
  [/(?:大约|约|将近|接近|近)$/u, 'about'],
  [/(?:超过|超|逾|多于|不少于|高于)$/u, 'atLeast'],
  [/(?:不到|不足|少于|低于|不超过)$/u, 'atMost'],
];
const RATE_CONTEXT = /(率|成绩|得分|分数|指数|比例|占比|评分|满意度)[^,，。;；]{0,6}$/u;

interface RawFigure {
  start: number;
  end: number;
  value: number;
  unit: string;
  qualifier: FactQualifier;
}

/** The closing mark of a quote or title mark that opens with `code`, or -1: “…”, "…", 《…》, 〈…〉, 【…】, 「…」. */
function quoteCloser(code: number): number {
  switch (code) {
    case 0x201c: // “ ”
      return 0x201d;
    case 0x300a: // 《 》
      return 0x300b;
    case 0x3008: // 〈 〉
      return 0x3009;
    case 0x3010: // 【 】
      return 0x3011;
    case 0x22: // " "
      return 0x22;
    case 0x300c: // 「 」
      return 0x300d;
    default:
      return -1;
  }
}

/** The text with everything inside quotes and title marks blanked (same length): years in 《…2024年…方案》 date nothing. */
export function unquoted(text: string): string {
  return blanked(text, quotedSpans(text));
}

function blanked(text: string, spans: QuotedSpans): string {
  if (spans.length === 0) return text;
  let out = '';
  let from = 0;
  for (let k = 0; k < spans.length; k += 2) {
    const start = spans[k]!;
    const end = spans[k + 1]!;
    out += text.slice(from, start) + ' '.repeat(end - start);
    from = end;
  }
  return out + text.slice(from);
}

/** What is inside quotes: start and end (exclusive) of each quoted run, flat and in order ([s0, e0, s1, e1, …]). */
type QuotedSpans = readonly number[];

/**
 * The characters inside “…”, "…", 《…》, 〈…〉 and 【…】 (numbers there belong to names and titles): from the one after
 * the opening mark to the closing mark, or to 80 characters after the opening mark when it is never closed.
 */
function quotedSpans(text: string): QuotedSpans {
  const spans: number[] = [];
  let closer = -1;
  let openedAt = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (closer >= 0) {
      if (code === closer || i - openedAt > MAX_QUOTED_CHARS) {
        closer = -1;
        if (i > openedAt + 1) spans.push(openedAt + 1, i);
      }
    } else {
      const close = quoteCloser(code);
      if (close >= 0) {
        closer = close;
        openedAt = i;
      }
    }
  }
  if (closer >= 0 && text.length > openedAt + 1) spans.push(openedAt + 1, text.length);
  return spans;
}

/** Longest quoted name or title read as one (characters): an opening mark never closed does not blank the rest. */
const MAX_QUOTED_CHARS = 80;

/** Whether position `at` is inside a quote (binary search: a figure is checked once, in any order). */
function isQuoted(spans: QuotedSpans, at: number): boolean {
  let low = 0;
  let high = spans.length / 2 - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (at < spans[2 * mid]!) high = mid - 1;
    else if (at >= spans[2 * mid + 1]!) low = mid + 1;
    else return true;
  }
  return false;
}

/** The units by their first character, longest first as in UNITS (a figure's unit is looked up for every figure). */
const UNITS_BY_FIRST = UNITS.reduce((byFirst, unit) => {
  const first = unit[0]!;
  byFirst.set(first, [...(byFirst.get(first) ?? []), unit]);
  return byFirst;
}, new Map<string, string[]>());

function unitAt(text: string, at: number): string {
  const rest = text.slice(at, at + 4);
  return UNITS_BY_FIRST.get(rest[0] ?? '')?.find((u) => rest.startsWith(u)) ?? '';
}

function qualifierBefore(text: string, start: number): FactQualifier | null {
  const before = text.slice(Math.max(0, start - 3), start);
  for (const [pattern, qualifier] of PRE_QUALIFIERS) if (pattern.test(before)) return qualifier;
  return null;
}

/** Reads 万/亿, 余/多, the unit and 以上/左右 after the digits that end at `end`. */
function readTail(text: string, end: number, base: number): { end: number; value: number; unit: string; post: FactQualifier | null } {
  let at = end;
  let value = base;
  while (text[at] === ' ') at++;
  let post: FactQualifier | null = null;
  const multiplier = text[at] === '万' ? 10_000 : text[at] === '亿' ? 100_000_000 : text[at] === '千' && /\d/u.test(text[at - 1] ?? '') ? 1000 : 1;
  if (multiplier !== 1 && !text.startsWith('万元', at) && !text.startsWith('亿元', at)) {
    value *= multiplier;
    at++;
  } else if (text.startsWith('万元', at) || text.startsWith('亿元', at)) {
    value *= text[at] === '万' ? 10_000 : 100_000_000;
    at++;
  }
  if (text[at] === '余' || text[at] === '多') {
    post = 'atLeast';
    at++;
  }
  while (text[at] === ' ') at++;
  const unit = unitAt(text, at);
  at += unit.length;
  const after = text.slice(at, at + 2);
  if (after === '以上') {
    post = 'atLeast';
    at += 2;
  } else if (after === '左右') {
    post = 'about';
    at += 2;
  } else if (after === '以下' || after === '以内') {
    post = 'atMost';
    at += 2;
  } else if (!post && (text[at] === '余' || text[at] === '多') && unit !== '') {
    post = 'atLeast';
    at++;
  }
  return { end: at, value, unit: unit === '余人' ? '人' : unit, post };
}

function arabicFigures(text: string, quoted: QuotedSpans): RawFigure[] {
  const figures: RawFigure[] = [];
  for (const match of text.matchAll(/\d+(?:,\d{3})*(?:\.\d+)?/gu)) {
    const start = match.index;
    const digits = match[0];
    const end = start + digits.length;
    const previous = text[start - 1] ?? '';
    if (/[A-Za-z.\-—~_/]/u.test(previous) || isQuoted(quoted, start)) continue;
    if (/[第〔[]/u.test(previous) || /^[〕\]]/u.test(text.slice(end, end + 1))) continue;
    if (start === 0 && /^[.、]/u.test(text.slice(end, end + 1))) continue; // outline marker "1."
    const after = text.slice(end).replace(/^\s+/u, '');
    // 1-11月, 3至5日: a range of dates; 2024年: a year; 53号: a document number.
    if (/^[-—~至到]\s*\d+\s*(月|日|号|年)/u.test(after)) continue;
    if (NOT_A_QUANTITY_AFTER.test(after) && !/^(万|亿)/u.test(after)) continue;
    const value = Number(digits.replace(/,/gu, ''));
    if (!Number.isFinite(value)) continue;
    const tail = readTail(text, end, value);
    const context = text.slice(Math.max(0, start - 12), start);
    if (tail.unit === '' && !RATE_CONTEXT.test(context)) continue;
    figures.push({ start, end: tail.end, value: tail.value, unit: tail.unit, qualifier: qualifierBefore(text, start) ?? tail.post ?? 'exact' });
  }
  return figures;
}

const CHINESE_RUN = new RegExp(`[${CHINESE_NUMERAL_CHARS}]+`, 'gu');

function chineseFigures(text: string, quoted: QuotedSpans): RawFigure[] {
  const figures: RawFigure[] = [];
  for (const match of text.matchAll(/百分之([零〇一二两三四五六七八九十百点]+)/gu)) {
    if (isQuoted(quoted, match.index)) continue;
    const spoken = match[1] ?? '';
    const [whole = '', fraction] = spoken.split('点');
    const integer = whole === '百' ? 100 : parseChineseNumeral(whole);
    if (integer === null) continue;
    const decimals = fraction ? Number(`0.${[...fraction].map((c) => parseChineseNumeral(c) ?? 0).join('')}`) : 0;
    figures.push({
      start: match.index,
      end: match.index + match[0].length,
      value: integer + decimals,
      unit: '%',
      qualifier: qualifierBefore(text, match.index) ?? 'exact',
    });
  }
  for (const match of text.matchAll(CHINESE_RUN)) {
    const start = match.index;
    const run = match[0];
    if (isQuoted(quoted, start) || text.slice(start - 3, start) === '百分之' || text.slice(start - 2, start) === '百分' || run.startsWith('百分')) continue;
    if (/[第周初]|星期/u.test(text.slice(Math.max(0, start - 2), start))) continue;
    if (SLOGAN.test(text.slice(start, start + 6))) continue;
    // A lone 一 is an article more often than a count (一起纠纷, 一批阵地, 进一步): never a fact on its own.
    if (run === '一' || (run.endsWith('一') && run.length === 1)) continue;
    const value = parseChineseNumeral(run);
    if (value === null || value === 0) continue;
    const tail = readTail(text, start + run.length, value);
    if (tail.unit === '') continue;
    const following = text[tail.end] ?? '';
    if (following === '“' || following === '"') continue; // 两个“结合”
    figures.push({ start, end: tail.end, value: tail.value, unit: tail.unit, qualifier: qualifierBefore(text, start) ?? tail.post ?? 'exact' });
  }
  return figures;
}

/** How far back the words before a figure are read (characters): one clause, or one enumeration of clauses. */
const MAX_CONTEXT_CHARS = 24;
const MAX_ENUMERATION_CHARS = 60;

/** Where the clause before a figure starts: the previous comma, 、, colon or sentence end, at most 24 characters back. */
function contextStart(text: string, start: number): number {
  let from = start;
  while (from > 0 && start - from < MAX_CONTEXT_CHARS && !isBoundary(text.charCodeAt(from - 1))) from--;
  return from;
}

/**
 * Where the enumeration a clause belongs to starts: back over "、" to the previous comma or sentence end. Items of
 * an enumeration share the verb of the first ("全年审查文件41件、合同67件") and a list of nouns shares the object
 * ("主动公开老旧小区改造、民生补助…等信息215条").
 */
function enumerationStart(text: string, clauseFrom: number): number {
  let from = clauseFrom;
  if (text[from - 1] !== '、') return from;
  while (from > 0 && clauseFrom - from < MAX_ENUMERATION_CHARS && !isHardBoundary(text.charCodeAt(from - 1))) from--;
  return from;
}

export interface CompiledMetric {
  id: string;
  /**
   * The metric's patterns, each on its own: an alternation of them would stop at the first alternative that matches
   * at a position ("审查" before "审查…合同"), and the rule is "the pattern that ends closest to the figure".
   */
  patterns: RegExp[];
  /** All patterns in one alternation, to rule a metric out with one test before its patterns are run one by one. */
  any: RegExp;
  units: readonly string[];
  /** Who did what (Metric.actions), looked for in the sentence up to the end of the figure's clause. */
  actions: RegExp | null;
  /** Words in the figure's own clause that make it something else (Metric.exclude). */
  exclude: RegExp | null;
}

const anyOf = (patterns: readonly string[]): RegExp | null => (patterns.length > 0 ? new RegExp(patterns.map((p) => `(?:${p})`).join('|'), 'u') : null);

const compiledMetrics = new WeakMap<readonly Metric[], CompiledMetric[]>();

/** A metric catalogue's regular expressions, compiled once per catalogue (every report is tagged with the same one). */
export function compileMetrics(metrics: readonly Metric[]): CompiledMetric[] {
  let compiled = compiledMetrics.get(metrics);
  if (!compiled) {
    compiled = compileCatalogue(metrics);
    compiledMetrics.set(metrics, compiled);
  }
  return compiled;
}

function compileCatalogue(metrics: readonly Metric[]): CompiledMetric[] {
  return metrics.map((m) => ({
    id: m.id,
    patterns: m.patterns.map((p) => new RegExp(p, 'gu')),
    any: new RegExp(m.patterns.map((p) => `(?:${p})`).join('|'), 'u'),
    units: m.units,
    actions: anyOf(m.actions ?? []),
    exclude: anyOf(m.exclude ?? []),
  }));
}

/** What a figure's metric is read from (all width-folded). */
export interface FigureClause {
  /** The words before the figure in its own clause, e.g. "合同" in "全年审查文件41件、合同67件". */
  before: string;
  /** The rest of its enumeration before the clause, e.g. "全年审查文件41件、" (empty when the clause opens after a comma). */
  lead: string;
  /** The rest of the clause after the figure, e.g. "持有行政执法证" in "其中20名持有行政执法证". */
  after: string;
  /** The sentence from its start to the end of the figure's clause: where Metric.actions are looked for. */
  sentence: string;
}

/** The end of the last match of a metric's patterns in `text` that `accept`s its end (-1: none). */
function lastEnd(patterns: readonly RegExp[], text: string, accept: (end: number) => boolean = () => true): number {
  let best = -1;
  for (const pattern of patterns) {
    // Every start position, so alternatives that overlap ("法律顾问…审查" and "审查合同") are all seen.
    pattern.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(text)) !== null) {
      const end = match.index + match[0].length;
      if (end > best && accept(end)) best = end;
      pattern.lastIndex = match.index + 1;
    }
    pattern.lastIndex = 0;
  }
  return best;
}

const byUnitCache = new WeakMap<readonly CompiledMetric[], Map<string, readonly CompiledMetric[]>>();

/** The metrics of a catalogue that a figure in `unit` may belong to, in catalogue order. */
function metricsForUnit(metrics: readonly CompiledMetric[], unit: string): readonly CompiledMetric[] {
  let byUnit = byUnitCache.get(metrics);
  if (!byUnit) {
    byUnit = new Map();
    byUnitCache.set(metrics, byUnit);
  }
  let forUnit = byUnit.get(unit);
  if (!forUnit) {
    forUnit = metrics.filter((m) => m.units.length === 0 || m.units.includes(unit));
    byUnit.set(unit, forUnit);
  }
  return forUnit;
}

/**
 * The metric a figure belongs to. Candidates are the metrics whose unit fits, whose required actions the sentence
 * states and whose exclusions the clause does not. Among them: the one whose pattern ends closest before the figure
 * in its own clause; else one from the enumeration the clause belongs to ("审查文件41件、合同", "列席党委会、办公会"); else
 * the one whose pattern ends last in the words after the figure (the head of the noun phrase: "1件行政诉讼败诉案件"
 * is a lost case). The catalogue's order breaks ties.
 */
export function tagMetric(clause: FigureClause, unit: string, metrics: readonly CompiledMetric[]): string | null {
  const own = `${clause.lead}${clause.before}\u0000${clause.after}`;
  const eligible = metricsForUnit(metrics, unit).filter((m) => m.any.test(own) && !m.exclude?.test(own) && (!m.actions || m.actions.test(clause.sentence)));
  if (eligible.length === 0) return null;
  const pick = (score: (m: CompiledMetric) => number): string | null => {
    let best: { id: string; end: number } | null = null;
    for (const metric of eligible) {
      const end = score(metric);
      if (end >= 0 && (!best || end > best.end)) best = { id: metric.id, end };
    }
    return best?.id ?? null;
  };
  const enumerated = clause.lead + clause.before;
  // From the enumeration, a match counts when no other figure stands between it and this one: the verb of a list of
  // nouns governs them all ("列席镇党委会、镇长办公会15次"), but a counted item before keeps its own words
  // ("学法考试34人次、参加在线旁听庭审2人次").
  const governs = (end: number): boolean => end > clause.lead.length || !/[0-9]/u.test(enumerated.slice(end));
  return (
    pick((m) => lastEnd(m.patterns, clause.before)) ??
    (clause.lead ? pick((m) => lastEnd(m.patterns, enumerated, governs)) : null) ??
    (clause.after ? pick((m) => lastEnd(m.patterns, clause.after)) : null)
  );
}

/** Words that open a clause and say whose figures follow. Time words before them are skipped. */
const CLAUSE_OPENER =
  /^(?:\s|20\d{2}\s*年(?:度)?(?:\d{1,2}\s*(?:-\s*\d{1,2}\s*)?月)?(?:底|末|以来)?|全年|今年|年内|本年度|当年|截至(?:目前|年底|\d{4}\s*年\s*(?:底|末|\d{1,2}\s*月))?|其中|共|累计|同时|此外|另外|还)*/u;
const SUBJECTS: [RegExp, FactSubject][] = [
  [/^(?:全县|县域|县级|全区|区级|县直|全旗|全县域)/u, 'county'],
  [/^(?:全市|市级|全省|省级|全国|上级)/u, 'higher'],
  [/^(?:各村|每个村|村级|各行政村|村(?:\(居\)|居|社区)?(?:两委|委会|委员会)|各社区|每个社区|村\(社区\)|村（社区）)/u, 'village'],
  [/^(?:我|本|全)(?:镇|乡|街道|局|委|办|中心)|^(?:镇|乡|街道)(?:党委|政府|人民政府|办事处|党工委|综合|司法所)?/u, 'unit'],
];
/** ，,；;：: — where `before` is cut into clauses. */
const isClauseBreak = (code: number): boolean => code === 0xff0c || code === 0x2c || code === 0xff1b || code === 0x3b || code === 0xff1a || code === 0x3a;

/**
 * Whose figure it is, from the sentence before it (folded): the clause nearest the figure that opens with a scope
 * word decides ("全县一审行政诉讼案件57件，…，败诉3件" → county). A scope word inside a clause is an object ("参加
 * 全县执法培训2次", "办结市联席办转办信访案件3件次"), not the subject, and does not count. No scope word: the unit.
 */
export function subjectOf(before: string): FactSubject {
  // The clauses from the last to the first, as `before.split(CLAUSE_BREAK)` lists them (without making the list).
  let end = before.length;
  for (;;) {
    let start = end;
    while (start > 0 && !isClauseBreak(before.charCodeAt(start - 1))) start--;
    const subject = clauseSubject(before.slice(start, end));
    if (subject) return subject;
    if (start === 0) return 'unit';
    end = start - 1;
  }
}

/**
 * What a clause must open with for CLAUSE_OPENER to strip anything or for a SUBJECTS pattern to match: a space, the 2
 * of a year, or the first character of a time word or a scope word. Most clauses open otherwise (开展…, 组织…) and have
 * no subject; they are answered without running the patterns.
 */
const OPENS_SUBJECT_OR_TIME = new Set([...'2全今年本当截其共累同此另还县区市省上各每村我镇乡街'].map((c) => c.charCodeAt(0)));

/** Whitespace as `\s` reads it: ECMAScript WhiteSpace and LineTerminator. */
const isSpace = (code: number): boolean =>
  (code >= 0x09 && code <= 0x0d) ||
  code === 0x20 ||
  code === 0xa0 ||
  code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x202f ||
  code === 0x205f ||
  code === 0x3000 ||
  code === 0xfeff;

function clauseSubject(text: string): FactSubject | null {
  const first = text.charCodeAt(0);
  if (!OPENS_SUBJECT_OR_TIME.has(first) && !isSpace(first)) return null;
  const clause = text.replace(CLAUSE_OPENER, '');
  for (const [pattern, subject] of SUBJECTS) if (pattern.test(clause)) return subject;
  return null;
}

const ABSOLUTE_YEAR = /(20\d{2})\s*年/gu;
const COMPARED = /(?:较|比|与|同|相比|对比|较之|自|从)\s*$/u;
const RELATIVE_YEAR = /(上年|去年|上一年度?|前年)(?:度|同期)?(?:的)?[^，,。；;到至为]{0,6}$/u;

/**
 * The year a sentence dates a figure to, from the words before it (folded): the last year named in the sentence
 * ("荣获了2021年度…", "2025年1月…") unless it is a comparison ("较2023年增长15%") or a range ("2021-2025年"); or
 * "上年/去年" right before the figure in its own clause ("由上年的70.8%提高到100%": only 70.8% is last year's).
 * Undefined when the sentence names no year (the report's year is meant).
 */
export function yearOf(before: string, reportYear: number | null | undefined): number | undefined {
  let year: number | undefined;
  for (const match of before.matchAll(ABSOLUTE_YEAR)) {
    const at = match.index;
    const prefix = before.slice(Math.max(0, at - 3), at);
    if (COMPARED.test(prefix) || /[-—~至到]\s*$/u.test(prefix) || /^\s*[-—~至到]/u.test(before.slice(at + match[0].length))) continue;
    year = Number(match[1]);
  }
  const relative = RELATIVE_YEAR.exec(before.slice(Math.max(0, before.length - 14)));
  if (relative && reportYear !== null && reportYear !== undefined) {
    const back = relative[1] === '前年' ? 2 : 1;
    return reportYear - back;
  }
  return year;
}

/** How far after a figure its noun is read (characters): "14名执法人员全部取得行政执法证" needs 13. */
const MAX_AFTER_CHARS = 16;

/** The rest of the clause after a figure: up to the next comma, 、 or sentence end, at most MAX_AFTER_CHARS. */
export function clauseAfter(text: string, end: number): string {
  let to = end;
  while (to < text.length && to - end < MAX_AFTER_CHARS && !isBoundary(text.charCodeAt(to))) to++;
  return text.slice(end, to);
}

export interface FactParagraph {
  text: string;
  offset: number;
  section: number;
}

/** 。！？；!?; as UTF-16 units (read back from every figure). */
const isSentenceEnd = (code: number): boolean =>
  code === 0x3002 || code === 0xff01 || code === 0xff1f || code === 0xff1b || code === 0x21 || code === 0x3f || code === 0x3b;

/** Where the sentence holding position `at` starts (after the previous sentence end), at most 300 characters back. */
function sentenceStart(text: string, at: number): number {
  let from = at;
  while (from > 0 && at - from < 300 && !isSentenceEnd(text.charCodeAt(from - 1))) from--;
  return from;
}

/** The clause a figure is read from, in the folded paragraph, and where its own clause starts. */
export function figureClause(folded: string, start: number, end: number, sentenceFrom = sentenceStart(folded, start)): FigureClause & { from: number } {
  const from = Math.max(contextStart(folded, start), sentenceFrom);
  const leadFrom = Math.max(enumerationStart(folded, from), sentenceFrom);
  const after = clauseAfter(folded, end);
  return { from, before: folded.slice(from, start), lead: folded.slice(leadFrom, from), after, sentence: folded.slice(sentenceFrom, end + after.length) };
}

export function extractFacts(paragraphs: readonly FactParagraph[], metrics: readonly CompiledMetric[], reportYear: number | null = null): Fact[] {
  const facts: Fact[] = [];
  for (const paragraph of paragraphs) {
    const folded = fold(paragraph.text);
    const quoted = quotedSpans(folded);
    const figures = [...arabicFigures(folded, quoted), ...chineseFigures(folded, quoted)].sort((a, b) => a.start - b.start);
    let lastEnd = -1;
    const plain = figures.length > 0 ? blanked(folded, quoted) : folded;
    for (const figure of figures) {
      if (figure.start < lastEnd) continue; // overlapping reads of the same words
      lastEnd = figure.end;
      const sentenceFrom = sentenceStart(folded, figure.start);
      const clause = figureClause(folded, figure.start, figure.end, sentenceFrom);
      const lead = folded.slice(sentenceFrom, figure.start);
      const year = yearOf(plain.slice(sentenceFrom, figure.start), reportYear);
      facts.push({
        metric: tagMetric(clause, figure.unit, metrics),
        value: Math.round(figure.value * 1e6) / 1e6,
        unit: figure.unit,
        qualifier: figure.qualifier,
        text: paragraph.text.slice(figure.start, figure.end),
        context: paragraph.text.slice(clause.from, figure.start).trim(),
        offset: paragraph.offset + figure.start,
        section: paragraph.section,
        subject: subjectOf(lead),
        ...(year !== undefined ? { year } : {}),
      });
    }
  }
  return facts;
}
