import type { Rubric } from '../../schemas/rubric.ts';

/**
 * Keyword stuffing: sentences written to collect points rather than to report. A sentence is stuffed when it is a
 * list of rubric keywords (most of its characters are keywords of several indicators) or one frame filled again and
 * again with different keywords — and it is not concrete: it gives no figure, names no object (“…”, 《…》), reports no
 * honour conferred and no completed action. "培养“法律明白人”52名，XX社区被评为市级民主法治示范社区" touches three indicators and is
 * reporting, not stuffing.
 *
 * Coverage counts only the keywords' own characters (the literal words of a rubric pattern, not what its wildcards
 * such as [^。]{0,20} spanned) and, for the share, leaves out words every report uses (法治, 依法, 培训, 整改…).
 */

export interface KeywordProfile {
  /** Share of the sentence's Han characters that are distinctive rubric keywords. */
  share: number;
  /** How many indicators' keywords the sentence touches. */
  indicators: number;
}

/** Keywords too common to say anything about a sentence (they may still blank a frame in the skeleton). */
const GENERIC_KEYWORDS = new Set([
  '法治',
  '法律',
  '法规',
  '学法',
  '依法',
  '纳入',
  '列入',
  '考核',
  '绩效',
  '考评',
  '述职',
  '整改',
  '培训',
  '应急',
  '防汛',
  '平台',
  '系统',
  '线上',
  '智慧',
  '数字化',
  '信息化',
  '公开',
  '宣传',
  '预案',
  '审计',
  '督查',
  '督察',
  '巡察',
  '巡视',
  '纪检',
  '示范',
  '先进',
  '推广',
  '转发',
  '投诉',
  '诉求',
  '热线',
  '法律服务',
  '突发事件',
  '安全生产',
  '工作要点',
  '实施方案',
  '工作方案',
  '清单',
  '调解',
  '评查',
]);

const literalCache = new Map<string, string[]>();

/**
 * The literal words of a rubric pattern: its runs of two or more Han characters outside character classes and
 * quantifier braces ("(荣获|获评)[^。]{0,20}(示范|先进)" → 荣获, 获评, 示范, 先进).
 */
export function patternLiterals(source: string): string[] {
  let literals = literalCache.get(source);
  if (!literals) {
    const plain = source
      .replace(/\\./gu, ' ')
      .replace(/\[[^\]]*\]/gu, ' ')
      .replace(/\{[^}]*\}/gu, ' ');
    literals = [...new Set(plain.match(/[\u4e00-\u9fff]{2,}/gu) ?? [])];
    literalCache.set(source, literals);
  }
  return literals;
}

/** Marks in `covered` (from `base`) the characters of `text[start, end)` that belong to literal keywords of `source`. */
export function markLiterals(covered: Uint8Array, distinct: Uint8Array, base: number, text: string, start: number, end: number, source: string): void {
  const span = text.slice(start, end);
  for (const literal of patternLiterals(source)) {
    const generic = GENERIC_KEYWORDS.has(literal);
    for (let at = span.indexOf(literal); at >= 0; at = span.indexOf(literal, at + 1)) {
      covered.fill(1, base + start + at, base + start + at + literal.length);
      if (!generic) distinct.fill(1, base + start + at, base + start + at + literal.length);
    }
  }
}

const isHanCode = (code: number): boolean => code >= 0x4e00 && code <= 0x9fff;

/** Share of a sentence's Han characters that are distinctive keywords, from the coverage array (see markLiterals). */
export function keywordShare(folded: string, base: number, distinct: Uint8Array): number {
  let han = 0;
  let hanDistinct = 0;
  for (let k = 0; k < folded.length; k++) {
    if (!isHanCode(folded.charCodeAt(k))) continue;
    han++;
    if (distinct[base + k] === 1) hanDistinct++;
  }
  return han === 0 ? 0 : hanDistinct / han;
}

/**
 * The frame of a sentence: every keyword run blanked to □ and non-Han characters dropped (linear in the sentence: the
 * skeleton is built in an array). Read only for sentences that touch several indicators' keywords.
 */
export function skeletonOf(folded: string, base: number, covered: Uint8Array): string {
  const frame: string[] = [];
  for (let k = 0; k < folded.length; k++) {
    if (covered[base + k] === 1) {
      if (frame.at(-1) !== '□') frame.push('□');
    } else if (isHanCode(folded.charCodeAt(k))) frame.push(folded[k]!);
  }
  return frame.join('');
}

const QUOTED_NAME = /[“"《「][^”"》」]{2,40}[”"》」]/u;
/** An honour conferred ("XX社区被评为…示范社区"): an event with a named recipient, not a slogan. */
const HONOUR = /被评为|获评|荣获|被授予|被命名为/u;
/** A completed action with an object ("提出了监督意见", "印发了实施方案"): something was done, not promised. */
const COMPLETED_ACTION = /[\u4e00-\u9fa5](?<![为除了])了(?!解)[\u4e00-\u9fa5“"《]/u;

/** Whether a sentence reports something concrete: a figure, a named object, an honour, or a completed action. */
export function isConcrete(folded: string, hasFigure: boolean): boolean {
  // COMPLETED_ACTION is tried at every Han character; only a sentence with 了 can match it.
  return hasFigure || QUOTED_NAME.test(folded) || HONOUR.test(folded) || (folded.includes('了') && COMPLETED_ACTION.test(folded));
}

/** Whether a profile is a keyword list by the rubric's thresholds (before the concreteness check). */
export function isKeywordList(profile: KeywordProfile, anti: Rubric['antiGaming']): boolean {
  const list = profile.indicators >= anti.listIndicators && profile.share > anti.listKeywordShare;
  const dense = profile.indicators >= 3 && profile.share > anti.maxKeywordShare;
  return list || dense;
}
