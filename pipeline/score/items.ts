import type { ReportPart } from '../../schemas/report.ts';
import { fold, hanCount } from '../text/fold.ts';
import { memo, type ScoringContext } from './context.ts';
import { headingAt } from './evidence.ts';

/**
 * The items of a part: the shortcomings it lists, the plans it makes. Reports list them as sub-sections （一）（二）,
 * as 一是…二是… runs inside a paragraph, as numbered lines, or as plain sentences; whichever gives the most items
 * wins, since a report uses one of them.
 */

export interface PartItem {
  /** What the item says (for a sub-section: its heading and paragraphs), for matching. */
  text: string;
  folded: string;
  /** A real span of the report to cite: a sub-section's first paragraph, or the item itself. */
  cite: { text: string; offset: number };
  offset: number;
  section: number;
}

const ENUMERATION = /(?:^|[。；;，,：:\s])([一二三四五六七八九十]{1,2})是/gu;
const NUMBERED = /(?:^|[。；;\s])(?:\(|（)?([1-9]|[一二三四五六七八九十]{1,2})(?:\)|）|[.、])/gu;

function splitByMarkers(text: string, folded: string, offset: number, section: number, pattern: RegExp): PartItem[] {
  const starts: number[] = [];
  for (const match of folded.matchAll(pattern)) {
    const at = match.index + (match[0].length - match[0].trimStart().length) + (/^[。；;，,：:]/u.test(match[0]) ? 1 : 0);
    starts.push(at);
  }
  if (starts.length < 2) return [];
  return starts.map((start, i) => {
    const end = starts[i + 1] ?? text.length;
    const item = text.slice(start, end).trimEnd();
    return { text: item, folded: folded.slice(start, start + item.length), cite: { text: item, offset: offset + start }, offset: offset + start, section };
  });
}

const itemCache = new WeakMap<ScoringContext, Map<ReportPart, PartItem[]>>();

/** The items of a part, computed once per report (several rules read them). */
export function partItems(ctx: ScoringContext, part: ReportPart): PartItem[] {
  return memo(itemCache, ctx, part, () => splitPartItems(ctx, part));
}

function splitPartItems(ctx: ScoringContext, part: ReportPart): PartItem[] {
  const sections = ctx.report.sections.map((s, i) => ({ s, i })).filter(({ s }) => s.part === part && s.level > 0);
  if (sections.length === 0) return [];
  const topLevel = Math.min(...sections.map(({ s }) => s.level));
  // 1. Sub-sections of the part, each with its text.
  const subsections = sections
    .filter(({ s }) => s.level > topLevel)
    .map(({ s, i }) => {
      const text = [s.heading, ...s.paragraphs.map((p) => p.text)].join('。');
      const first = s.paragraphs[0];
      const headingOffset = headingAt(ctx.report.text, s.heading, s.offset);
      const cite = first ? { text: first.text, offset: first.offset } : { text: s.heading, offset: headingOffset >= 0 ? headingOffset : s.offset };
      return { text, folded: fold(text), cite, offset: s.offset, section: i };
    });
  // 2. 一是…二是… or 1. 2. runs inside the part's paragraphs.
  const paragraphs = sections.flatMap(({ s, i }) => s.paragraphs.map((p) => ({ ...p, folded: fold(p.text), section: i })));
  const enumerated = paragraphs.flatMap((p) => splitByMarkers(p.text, p.folded, p.offset, p.section, ENUMERATION));
  const numbered = paragraphs.flatMap((p) => splitByMarkers(p.text, p.folded, p.offset, p.section, NUMBERED));
  // 3. Plain sentences, leaving out lead-ins ending in a colon ("主要表现在：").
  const sentences = ctx.sentences
    .filter((s) => s.part === part && s.han >= 10 && !/[:：]$/u.test(s.folded))
    .map((s) => ({ text: s.text, folded: s.folded, cite: { text: s.text, offset: s.offset }, offset: s.offset, section: s.section }));
  const structured = [subsections, enumerated, numbered].reduce((best, next) => (next.length > best.length ? next : best), [] as PartItem[]);
  const items = structured.length >= 2 ? structured : sentences;
  return items.filter((item) => hanCount(item.text) >= 4).slice(0, MAX_PART_ITEMS);
}

/**
 * Most items of a part that are read (the rules compare every shortcoming with every plan). Real reports list 3–10;
 * a "part" with thousands of items is not a list anyone wrote, and must not make the comparison quadratic.
 */
const MAX_PART_ITEMS = 200;

/** Two-character words of an item, without the ones every report uses (法治, 建设, 进一步…). */
const COMMON_BIGRAMS = new Set(
  '法治 治政 政府 建设 设工 工作 推进 加强 进一 一步 依法 法行 行政 不够 有待 提升 提高 完善 开展 落实 我镇 全镇 镇村 干部 存在 问题 不足 原因 方面 部分 持续 继续 深入 进一 一年 年度 今年 明年 主要 重点 相关 进行 能力 水平 机制 制度 体系 意识 全面 切实 不断 积极 加大 力度 强化 着力 努力 认真 严格 规范'
    .split(' ')
    .map((word) => bigramCode(word.charCodeAt(0), word.charCodeAt(1))),
);

/** A two-character word as one number (its two UTF-16 units), so sets of words hold no strings. */
function bigramCode(a: number, b: number): number {
  return a * 0x10000 + b;
}

/** The two characters of a word made by bigramCode. */
export function bigramText(code: number): string {
  return String.fromCharCode(Math.floor(code / 0x10000), code % 0x10000);
}

/** The content words (pairs of Han characters) of a text, in the order they first occur; see bigramText. */
export function contentBigrams(folded: string): Set<number> {
  const bigrams = new Set<number>();
  for (let i = 0; i + 1 < folded.length; i++) {
    const a = folded.charCodeAt(i);
    const b = folded.charCodeAt(i + 1);
    if (a < 0x4e00 || a > 0x9fff || b < 0x4e00 || b > 0x9fff) continue;
    const bigram = bigramCode(a, b);
    if (!COMMON_BIGRAMS.has(bigram)) bigrams.add(bigram);
  }
  return bigrams;
}

export function sharedCount(a: ReadonlySet<number>, b: ReadonlySet<number>): number {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n;
}
