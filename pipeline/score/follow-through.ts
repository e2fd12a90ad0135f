import type { NormalizedReport } from '../../schemas/report.ts';
import type { Evidence } from '../../schemas/score.ts';
import { fold, hanCount } from '../text/fold.ts';
import { parseChineseNumeral } from '../text/numerals.ts';
import { splitSentences } from '../text/sentences.ts';
import { evidenceOf, type ScoringContext, type ScoringSentence } from './context.ts';
import { bigramText, contentBigrams, sharedCount } from './items.ts';

/**
 * Follow-through: last year's 下一年度安排 of a unit against this year's report. Each planned item is
 * - done: this year's measures report it (and any quantity planned was reached),
 * - partial: reported, but short of the quantity planned (每季度一次 planned, 2 次 done),
 * - not-done: the report says it was not done (未按计划完成, 尚未…),
 * - not-mentioned: nothing in this year's report answers it,
 * - unverifiable: the plan was too vague to check (进一步加强…，不断提高…).
 */

export type FollowThroughStatus = 'done' | 'partial' | 'not-done' | 'not-mentioned' | 'unverifiable';

export interface PlanItem {
  text: string;
  folded: string;
}

export interface FollowThroughItem {
  plan: string;
  status: FollowThroughStatus;
  evidence: Evidence | null;
}

/** The plan items of a (previous-year) report: its plan sub-headings and the 一是… runs or sentences of its paragraphs. */
export function planItemsOf(report: NormalizedReport): PlanItem[] {
  const items: PlanItem[] = [];
  for (const section of report.sections) {
    if (section.part !== 'plans' || section.level === 0) continue;
    if (section.heading && section.level > 1) items.push({ text: section.heading, folded: fold(section.heading) });
    for (const paragraph of section.paragraphs) {
      const folded = fold(paragraph.text);
      const parts = folded.split(/(?=[一二三四五六七八九十]是)|[；;]/u).filter((p) => hanCount(p) >= 6);
      const spans =
        parts.length >= 2
          ? parts
          : splitSentences(paragraph.text, 0)
              .map((s) => fold(s.text))
              .filter((p) => hanCount(p) >= 10);
      for (const span of spans) items.push({ text: span, folded: span });
    }
  }
  // A heading and its paragraph often say the same thing: keep one.
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = [...contentBigrams(item.folded)].slice(0, 6).map(bigramText).join('');
    if (seen.has(key)) return false;
    seen.add(key);
    return contentBigrams(item.folded).size >= 2;
  });
}

/** Words that make a plan sound active without saying what will be done. */
const VAGUE =
  /进一步|加强|加大|不断|持续|切实|提高|提升|增强|强化|完善|推进|推动|深化|健全|建立|发挥|作用|水平|能力|意识|力度|工作|建设|氛围|营造|浓厚|全面|积极|努力|着力|做好|抓好/gu;
const SPECIFIC = /\d|[一二两三四五六七八九十百]+(个|名|次|场|件|项|期)|年底|月底|季度|半年|每月|每年|[“"《]/u;
const NEGATED = /未按|未能|未完成|尚未|没有完成|未实现|未达到|未开展|未建成|推迟|延期/u;
const FREQUENCY: [RegExp, number][] = [
  [/每季度?/u, 4],
  [/每半年/u, 2],
  [/每月/u, 12],
  [/每周/u, 52],
];

function isVague(plan: PlanItem): boolean {
  if (SPECIFIC.test(plan.folded)) return false;
  const han = hanCount(plan.folded);
  const vague = [...plan.folded.matchAll(VAGUE)].reduce((sum, m) => sum + m[0].length, 0);
  return han === 0 || vague / han >= 0.4;
}

/** The quantity a plan commits to, in the unit it counts: 不少于10次 → 10 次; 每季度开展一次 → 4 次. */
export function plannedQuantity(folded: string): { value: number; unit: string } | null {
  const explicit = /(?:不少于|不低于|至少|达到|超过)?\s*(\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)\s*(次|场|个|名|件|项|期|人次|%)/u.exec(folded);
  for (const [pattern, perYear] of FREQUENCY) {
    if (pattern.test(folded)) {
      const times = explicit ? (/^\d/u.test(explicit[1] ?? '') ? Number(explicit[1]) : (parseChineseNumeral(explicit[1] ?? '') ?? 1)) : 1;
      return { value: perYear * times, unit: explicit?.[2] ?? '次' };
    }
  }
  if (!explicit?.[1] || !explicit[2]) return null;
  const value = /^\d/u.test(explicit[1]) ? Number(explicit[1]) : parseChineseNumeral(explicit[1]);
  if (value === null || !/不少于|不低于|至少|达到|超过|\d+\s*%/u.test(explicit[0])) return null;
  return { value, unit: explicit[2] };
}

function bestMatch(plan: PlanItem, sentences: readonly { s: ScoringSentence; bigrams: Set<number> }[]): { s: ScoringSentence; shared: number } | null {
  const words = contentBigrams(plan.folded);
  const need = Math.max(2, Math.min(4, Math.ceil(words.size * 0.3)));
  let best: { s: ScoringSentence; shared: number } | null = null;
  for (const candidate of sentences) {
    const shared = sharedCount(words, candidate.bigrams);
    if (shared >= need && (!best || shared > best.shared)) best = { s: candidate.s, shared };
  }
  return best;
}

export function followThroughItems(ctx: ScoringContext, planned: readonly PlanItem[]): FollowThroughItem[] {
  const withBigrams = (s: ScoringSentence) => ({ s, bigrams: contentBigrams(s.folded) });
  const achievements = ctx.sentences.filter((s) => s.part === 'measures' || s.part === 'leadership' || s.part === 'rectification').map(withBigrams);
  const admissions = ctx.sentences.filter((s) => NEGATED.test(s.folded)).map(withBigrams);
  return planned.map((plan) => {
    const done = bestMatch(plan, achievements);
    const admitted = bestMatch(plan, admissions);
    if (admitted && (!done || admitted.shared >= done.shared)) return { plan: plan.text, status: 'not-done', evidence: evidenceOf(ctx, admitted.s) };
    if (!done) return { plan: plan.text, status: isVague(plan) ? 'unverifiable' : 'not-mentioned', evidence: null };
    // A quantity is checked against the sentence that answers the clause it sits in ("会前学法不少于10次，组织旁听1次").
    const clause = plan.folded.split(/[，,；;。]/u).find((c) => plannedQuantity(c) !== null);
    const quantity = clause ? plannedQuantity(clause) : null;
    if (clause && quantity) {
      const answer = bestMatch({ text: clause, folded: clause }, achievements) ?? done;
      const reached = answer.s.facts.filter((f) => f.unit === quantity.unit && !/上年|去年/u.test(f.context));
      if (reached.length > 0 && Math.max(...reached.map((f) => f.value)) < quantity.value) {
        return { plan: plan.text, status: 'partial', evidence: evidenceOf(ctx, answer.s) };
      }
    }
    if (isVague(plan)) return { plan: plan.text, status: 'unverifiable', evidence: evidenceOf(ctx, done.s) };
    return { plan: plan.text, status: 'done', evidence: evidenceOf(ctx, done.s) };
  });
}
