import type { Fact, FactQualifier } from '../../schemas/report.ts';
import type { Metric } from '../../schemas/rubric.ts';
import { fold } from '../text/fold.ts';
import { CHINESE_NUMERAL_CHARS, parseChineseNumeral } from '../text/numerals.ts';

/**
 * Facts: every figure a report gives, with its unit, its qualifier (余/多/以上 → atLeast, 约/近/左右 → about) and the
 * words before it, so that "调解成功率达到93%" becomes { metric: mediation.success_rate, value: 93, unit: "%" }.
 * Years, dates, document numbers, ordinals, outline markers and numbers inside quoted names (“141”体系, 《…2021-2025年》)
 * are not facts.
 */

/** Units after a figure, longest first so 人次 wins over 人. */
const UNITS = [
  '个百分点', '平方米', '人次', '件次', '场次', '户次', '批次', '课时', '小时', '公里', '万元', '亿元', '余人',
  '个', '人', '名', '件', '起', '次', '场', '份', '条', '项', '户', '家', '期', '批', '篇', '部', '处', '所', '支', '套',
  '台', '天', '张', '幅', '册', '元', '本', '块', '座', '类', '轮', '遍', '封', '宗', '例', '位', '组', '村', '堂', '节',
  '期', '周', '个月', '%', '‰',
].sort((a, b) => b.length - a.length);

/** Words after a figure that make it a date, a time or a name rather than a quantity. */
const NOT_A_QUANTITY_AFTER = /^(年|月|日|号|时|点|届|级|岁|周年|中全会|大|五|代|线|路|型|式|伏|千伏|热线|米(?!方))/u;
/** Set phrases with numerals that are slogans, not counts (四个意识, 两个维护, 三项制度, 八项规定…). */
const SLOGAN = /^[一二两三四五六七八九十]+(个(意识|自信|维护|确立|代表|全面|务必|结合|到位|表率|坚持|必须|重点|方面|环节|层面|统筹|关键|一批|“|")|项(制度|规定|基本)|重一大|公经费|项规定|议两公开|大|中全会|级|进|五|老)/u;
const BOUNDARY = /[，,。；;：:！？!?\n、（(]/u;
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

const QUOTE_CLOSERS = new Map<number, number>([
  [0x201c, 0x201d], // “ ”
  [0x300a, 0x300b], // 《 》
  [0x3008, 0x3009], // 〈 〉
  [0x3010, 0x3011], // 【 】
  [0x22, 0x22], // " "
  [0x300c, 0x300d], // 「 」
]);

/** Marks every character inside “…”, "…", 《…》, 〈…〉 and 【…】: numbers there belong to names and titles. */
function quotedMask(text: string): Uint8Array {
  const mask = new Uint8Array(text.length);
  let closer = -1;
  let openedAt = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (closer >= 0) {
      if (code === closer || i - openedAt > 80) closer = -1;
      else mask[i] = 1;
    } else {
      const close = QUOTE_CLOSERS.get(code);
      if (close !== undefined) {
        closer = close;
        openedAt = i;
      }
    }
  }
  return mask;
}

function unitAt(text: string, at: number): string {
  const rest = text.slice(at, at + 4);
  return UNITS.find((u) => rest.startsWith(u)) ?? '';
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

function arabicFigures(text: string, mask: Uint8Array): RawFigure[] {
  const figures: RawFigure[] = [];
  for (const match of text.matchAll(/\d+(?:,\d{3})*(?:\.\d+)?/gu)) {
    const start = match.index;
    const digits = match[0];
    const end = start + digits.length;
    const previous = text[start - 1] ?? '';
    if (/[A-Za-z.\-—~_/]/u.test(previous) || mask[start]) continue;
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

function chineseFigures(text: string, mask: Uint8Array): RawFigure[] {
  const figures: RawFigure[] = [];
  for (const match of text.matchAll(/百分之([零〇一二两三四五六七八九十百点]+)/gu)) {
    if (mask[match.index]) continue;
    const spoken = match[1] ?? '';
    const [whole = '', fraction] = spoken.split('点');
    const integer = whole === '百' ? 100 : parseChineseNumeral(whole);
    if (integer === null) continue;
    const decimals = fraction ? Number(`0.${[...fraction].map((c) => parseChineseNumeral(c) ?? 0).join('')}`) : 0;
    figures.push({ start: match.index, end: match.index + match[0].length, value: integer + decimals, unit: '%', qualifier: qualifierBefore(text, match.index) ?? 'exact' });
  }
  for (const match of text.matchAll(CHINESE_RUN)) {
    const start = match.index;
    const run = match[0];
    if (mask[start] || text.slice(start - 3, start) === '百分之' || text.slice(start - 2, start) === '百分' || run.startsWith('百分')) continue;
    if (/[第周初]|星期/u.test(text.slice(Math.max(0, start - 2), start))) continue;
    if (SLOGAN.test(text.slice(start, start + 6))) continue;
    // A lone 一 is an article more often than a count (一起纠纷, 一批阵地, 进一步): never a fact on its own.
    if (run === '一' || run.endsWith('一') && run.length === 1) continue;
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

/** Where the clause before a figure starts: the previous comma, 、, colon or sentence end, at most 24 characters back. */
function contextStart(text: string, start: number): number {
  let from = start;
  while (from > 0 && start - from < 24 && !BOUNDARY.test(text[from - 1] ?? '')) from--;
  return from;
}

export interface CompiledMetric {
  id: string;
  /** The metric's patterns as one alternation: one search per figure instead of one per pattern. */
  patterns: RegExp[];
  units: readonly string[];
}

export function compileMetrics(metrics: readonly Metric[]): CompiledMetric[] {
  return metrics.map((m) => ({ id: m.id, patterns: [new RegExp(m.patterns.map((p) => `(?:${p})`).join('|'), 'gu')], units: m.units }));
}

/**
 * The metric whose pattern ends closest to the figure in the words before it; failing that, the one starting
 * closest after it in the same clause ("其中20名持有行政执法证"). The catalogue's order breaks ties.
 */
export function tagMetric(context: string, unit: string, metrics: readonly CompiledMetric[], after = ''): string | null {
  let best: { id: string; end: number } | null = null;
  let following: { id: string; start: number } | null = null;
  for (const metric of metrics) {
    if (metric.units.length > 0 && !metric.units.includes(unit)) continue;
    for (const pattern of metric.patterns) {
      // Every start position, so alternatives that overlap ("法律顾问…审查" and "审查合同") are all seen.
      pattern.lastIndex = 0;
      let match: RegExpExecArray | null;
      while ((match = pattern.exec(context)) !== null) {
        const end = match.index + match[0].length;
        if (!best || end > best.end) best = { id: metric.id, end };
        pattern.lastIndex = match.index + 1;
      }
      if (after) {
        pattern.lastIndex = 0;
        const first = pattern.exec(after);
        if (first && (!following || first.index < following.start)) following = { id: metric.id, start: first.index };
      }
      pattern.lastIndex = 0;
    }
  }
  return best?.id ?? following?.id ?? null;
}

/** The rest of the clause after a figure: up to the next comma, 、 or sentence end, at most 12 characters. */
export function clauseAfter(text: string, end: number): string {
  let to = end;
  while (to < text.length && to - end < 12 && !BOUNDARY.test(text[to] ?? '')) to++;
  return text.slice(end, to);
}

export interface FactParagraph {
  text: string;
  offset: number;
  section: number;
}

export function extractFacts(paragraphs: readonly FactParagraph[], metrics: readonly CompiledMetric[]): Fact[] {
  const facts: Fact[] = [];
  for (const paragraph of paragraphs) {
    const folded = fold(paragraph.text);
    const mask = quotedMask(folded);
    const figures = [...arabicFigures(folded, mask), ...chineseFigures(folded, mask)].sort((a, b) => a.start - b.start);
    let lastEnd = -1;
    for (const figure of figures) {
      if (figure.start < lastEnd) continue; // overlapping reads of the same words
      lastEnd = figure.end;
      const from = contextStart(folded, figure.start);
      facts.push({
        metric: tagMetric(folded.slice(from, figure.start), figure.unit, metrics, clauseAfter(folded, figure.end)),
        value: Math.round(figure.value * 1e6) / 1e6,
        unit: figure.unit,
        qualifier: figure.qualifier,
        text: paragraph.text.slice(figure.start, figure.end),
        context: paragraph.text.slice(from, figure.start).trim(),
        offset: paragraph.offset + figure.start,
        section: paragraph.section,
      });
    }
  }
  return facts;
}
