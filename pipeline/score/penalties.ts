import { PART_LABELS, type ReportPart } from '../../schemas/report.ts';
import type { Penalty, PenaltyRule, Rubric } from '../../schemas/rubric.ts';
import type { Evidence, Flag, PenaltyScore } from '../../schemas/score.ts';
import { fold } from '../text/fold.ts';
import { evidenceOf, matchCounts, matches, memo, sentencesMatching, type ScoringContext } from './context.ts';
import { countsForUnit } from './ledger.ts';
import { bandPoints, round2 } from './numbers.ts';
import { partPresence } from './rules.ts';

/**
 * Deductions (criteria.md §7.4): missing statutory items, too few figures, 空话套话, template leftovers, perfunctory
 * self-critique, lost lawsuits, and flags raised by the consistency and cross-report checks. Each is capped and each
 * says why in Chinese. The flag-based ones are recomputed whenever flags change (after the cross-report pass).
 */

type PenaltyOf<K extends PenaltyRule['kind']> = Extract<PenaltyRule, { kind: K }>;

export interface PenaltyOutcome {
  points: number;
  note: string;
  evidence: Evidence[];
  flags: Flag[];
  /** For missing-part: the total may not exceed this. */
  capTotalAt?: number;
}

export const DEFAULT_STATUTORY_PARTS: readonly ReportPart[] = ['measures', 'leadership', 'shortcomings', 'plans'];

export function statutoryParts(rubric: Rubric): readonly ReportPart[] {
  const rule = rubric.penalties.find((p) => p.rule.kind === 'missing-part')?.rule;
  return rule?.kind === 'missing-part' ? rule.parts : DEFAULT_STATUTORY_PARTS;
}

export function missingPartFlags(ctx: ScoringContext): Flag[] {
  return statutoryParts(ctx.rubric)
    .filter((part) => partPresence(ctx, part).evidence === null)
    .map((part) => ({
      code: 'missing-part' as const,
      severity: 'error' as const,
      part,
      message: `缺少法定内容“${PART_LABELS[part]}”（《法治政府建设与责任落实督察工作规定》要求年度报告包含此项）`,
    }));
}

function missingPart(ctx: ScoringContext, rule: PenaltyOf<'missing-part'>, flags: readonly Flag[]): PenaltyOutcome {
  const missing = flags.filter((f) => f.code === 'missing-part' && f.part && rule.parts.includes(f.part));
  const capped = rule.capTotalAt !== undefined && rule.capWhenMissing !== undefined && missing.length >= rule.capWhenMissing;
  return {
    points: missing.length * rule.pointsEach,
    note:
      missing.length === 0
        ? '法定内容齐全'
        : `缺少 ${missing.map((f) => `“${PART_LABELS[f.part!]}”`).join('、')}，每项扣 ${rule.pointsEach} 分${capped ? `；缺 ${rule.capWhenMissing} 项及以上，总分不超过 ${rule.capTotalAt} 分` : ''}`,
    evidence: [],
    flags: [],
    ...(capped ? { capTotalAt: rule.capTotalAt } : {}),
  };
}

function noFigures(ctx: ScoringContext, rule: PenaltyOf<'no-figures'>): PenaltyOutcome {
  const figures = ctx.sentences.reduce((n, s) => n + s.facts.length, 0);
  const density = ctx.bodyHan === 0 ? 0 : (figures / ctx.bodyHan) * 1000;
  let points = 0;
  const notes: string[] = [`全文 ${ctx.bodyHan} 字、${figures} 个数字，每千字 ${round2(density)} 个`];
  if (density < rule.minPer1000Chars) {
    points += rule.points;
    notes.push(`低于每千字 ${rule.minPer1000Chars} 个，扣 ${rule.points} 分`);
  }
  const evidence: Evidence[] = [];
  if (rule.perEmptySection > 0) {
    const sections = ctx.report.sections;
    // Each section's top-level section (itself and everything nested under it until the next level-1 section), and
    // which top-level sections have text and figures: one pass over the sections and one over the sentences.
    const top: number[] = [];
    sections.forEach((section, i) => top.push(section.level === 1 || i === 0 ? i : (top[i - 1] ?? i)));
    const hasText = new Set<number>();
    const hasFigure = new Set<number>();
    for (const sentence of ctx.sentences) {
      const owner = top[sentence.section] ?? sentence.section;
      hasText.add(owner);
      if (sentence.facts.length > 0) hasFigure.add(owner);
    }
    sections.forEach((section, i) => {
      if (section.level !== 1 || (section.part !== 'measures' && section.part !== 'leadership')) return;
      if (hasText.has(i) && !hasFigure.has(i)) {
        points += rule.perEmptySection;
        const heading = ctx.headings.find((h) => h.section === i);
        if (heading) evidence.push(evidenceOf(ctx, heading));
      }
    });
    if (evidence.length > 0) notes.push(`${evidence.length} 个实质性部分没有任何数字，各扣 ${rule.perEmptySection} 分`);
  }
  const flags: Flag[] = points > 0 ? [{ code: 'no-figures', severity: 'warning', message: notes.join('；'), ...(evidence.length ? { evidence } : {}) }] : [];
  return { points, note: notes.join('；'), evidence, flags };
}

const boilerplateCache = new WeakMap<ScoringContext, Map<string, { count: number; per1000: number; examples: Evidence[] }>>();

/** Boilerplate phrases per thousand characters (computed once per report: the penalty and the stats both read it). */
export function boilerplateDensity(ctx: ScoringContext, phrases: readonly string[]): { count: number; per1000: number; examples: Evidence[] } {
  return memo(boilerplateCache, ctx, phrases.join('\u0001'), () => {
    const perSentence = new Map<number, number>();
    for (const phrase of phrases) {
      for (const [sentence, n] of matchCounts(ctx, phrase)) perSentence.set(sentence, (perSentence.get(sentence) ?? 0) + n);
    }
    let count = 0;
    const examples: Evidence[] = [];
    for (const sentence of ctx.sentences) {
      const inSentence = perSentence.get(sentence.index) ?? 0;
      count += inSentence;
      if (inSentence >= 2 && examples.length < 3) examples.push(evidenceOf(ctx, sentence));
    }
    return { count, per1000: ctx.bodyHan === 0 ? 0 : (count / ctx.bodyHan) * 1000, examples };
  });
}

function boilerplate(ctx: ScoringContext, rule: PenaltyOf<'boilerplate'>): PenaltyOutcome {
  const { count, per1000, examples } = boilerplateDensity(ctx, rule.phrases);
  const points = bandPoints(per1000, rule.bands);
  const note = `套话 ${count} 处，每千字 ${round2(per1000)} 处${points > 0 ? `，扣 ${points} 分` : ''}`;
  return {
    points,
    note,
    evidence: points > 0 ? examples : [],
    flags: points > 0 ? [{ code: 'boilerplate', severity: 'info', message: note, evidence: examples }] : [],
  };
}

function templateLeftovers(ctx: ScoringContext, rule: PenaltyOf<'template-leftovers'>, flags: readonly Flag[]): PenaltyOutcome {
  const found: Flag[] = [];
  const leftover = (folded: string) => rule.patterns.some((p) => matches(ctx.compiled, p, folded));
  const flagLine = (line: { text: string; offset: number; section: number }) =>
    found.push({
      code: 'template-leftover',
      severity: 'warning',
      message: `模板残留：“${line.text.slice(0, 60)}”`,
      evidence: [evidenceOf(ctx, { ...line, offset: Math.max(0, line.offset) })],
    });
  const title = ctx.report.meta.title;
  if (title && leftover(fold(title))) flagLine({ text: title, offset: ctx.report.text.indexOf(title), section: 0 });
  for (const h of ctx.headings) if (leftover(h.folded)) flagLine({ text: h.text, offset: h.offset, section: h.section });
  const hit = new Set(rule.patterns.flatMap((p) => [...sentencesMatching(ctx, p)]));
  for (const s of ctx.sentences) if (hit.has(s.index)) flagLine({ text: s.text, offset: s.offset, section: s.section });
  // Points come from the flags (templateLeftoverPenalty), so names of other units found by the cross-report pass count too.
  return { ...templateLeftoverPenalty(rule, [...flags, ...found]), flags: found };
}

/** Template leftovers, wrong years and other units' names, counted from the flags that record them. */
export function templateLeftoverPenalty(rule: PenaltyOf<'template-leftovers'>, flags: readonly Flag[]): { points: number; note: string; evidence: Evidence[] } {
  const hits = flags.filter((f) => (f.code === 'template-leftover' && (rule.otherTownships || !f.other)) || (rule.wrongYear && f.code === 'wrong-year'));
  return {
    points: hits.length * rule.pointsEach,
    note: hits.length === 0 ? '未见模板残留、年份错误或他单位名称' : `${hits.length} 处模板残留、年份错误或他单位名称，每处扣 ${rule.pointsEach} 分`,
    evidence: hits.flatMap((f) => f.evidence ?? []),
  };
}

function perfunctory(ctx: ScoringContext, rule: PenaltyOf<'perfunctory'>): PenaltyOutcome {
  const han = ctx.partHan.get(rule.part) ?? 0;
  const sentences = ctx.sentences.filter((s) => s.part === rule.part && s.han >= 6);
  if (sentences.length === 0) return { points: 0, note: `没有“${PART_LABELS[rule.part]}”部分（按缺项处理）`, evidence: [], flags: [] };
  const genericHits = rule.genericPatterns.map((p) => sentencesMatching(ctx, p));
  const generic =
    rule.genericPatterns.length > 0 && sentences.every((s) => genericHits.some((hits) => hits.has(s.index)) || (s.facts.length === 0 && s.han < 25));
  if (han >= rule.minChars && !generic) return { points: 0, note: `“${PART_LABELS[rule.part]}”${han} 字，有具体内容`, evidence: [], flags: [] };
  const note =
    han < rule.minChars
      ? `“${PART_LABELS[rule.part]}”仅 ${han} 字（少于 ${rule.minChars} 字），查摆流于形式`
      : `“${PART_LABELS[rule.part]}”只有泛泛表述，查摆流于形式`;
  const evidence = sentences.slice(0, 3).map((s) => evidenceOf(ctx, s));
  return { points: rule.points, note, evidence, flags: [{ code: 'perfunctory', severity: 'warning', part: rule.part, message: note, evidence }] };
}

function metricPenalty(ctx: ScoringContext, rule: PenaltyOf<'metric'>): PenaltyOutcome {
  // Only the unit's own figures of the year cost it points: "全县…败诉3件" in a county department's report is the
  // county's record, not the department's (the metric's `subjects` say whose figures count).
  const def = ctx.rubric.metrics.find((m) => m.id === rule.metric);
  const found = ctx.sentences.flatMap((s) =>
    s.facts.filter((f) => f.metric === rule.metric && f.value > 0 && countsForUnit(ctx, f, def)).map((f) => ({ f, s })),
  );
  const name = def?.name ?? rule.metric;
  if (found.length === 0) return { points: 0, note: `未报告“${name}”`, evidence: [], flags: [] };
  const total = Math.max(...found.map(({ f }) => f.value));
  return {
    points: total * rule.pointsPerUnit,
    note: `“${name}”${total}，每 1 扣 ${rule.pointsPerUnit} 分`,
    evidence: found.slice(0, 3).map(({ s }) => evidenceOf(ctx, s)),
    flags: [],
  };
}

/** Penalties computed from flags, so they can be recomputed after the cross-report checks add flags. */
export function flagPenalty(rule: PenaltyOf<'flag'>, flags: readonly Flag[]): { points: number; note: string; evidence: Evidence[] } {
  // Only a copier pays: the original is flagged (the assessor should know) but never penalised, and a copy whose
  // direction could not be told waits for the assessor (ScoreResult.pending), so nothing is deducted until then.
  const hits = flags.filter((f) => f.code === rule.flag && f.role !== 'source' && f.role !== 'unknown');
  if (hits.length === 0) return { points: 0, note: `无“${rule.flag}”标记`, evidence: [] };
  const points = rule.scaleBySimilarity ? hits.reduce((max, f) => Math.max(max, (f.similarity ?? 0) * rule.pointsEach), 0) : hits.length * rule.pointsEach;
  const note = rule.scaleBySimilarity
    ? `雷同段落占本报告 ${Math.round(Math.max(...hits.map((f) => f.similarity ?? 0)) * 100)}%，按雷同比例 × ${rule.pointsEach} 扣分`
    : `${hits.length} 处“${rule.flag}”，每处扣 ${rule.pointsEach} 分`;
  return { points, note, evidence: hits.flatMap((f) => f.evidence ?? []).slice(0, 6) };
}

export function evaluatePenalty(ctx: ScoringContext, penalty: Penalty, flags: readonly Flag[]): PenaltyOutcome {
  const rule = penalty.rule;
  switch (rule.kind) {
    case 'missing-part':
      return missingPart(ctx, rule, flags);
    case 'no-figures':
      return noFigures(ctx, rule);
    case 'boilerplate':
      return boilerplate(ctx, rule);
    case 'template-leftovers':
      return templateLeftovers(ctx, rule, flags);
    case 'perfunctory':
      return perfunctory(ctx, rule);
    case 'metric':
      return metricPenalty(ctx, rule);
    case 'flag':
      return { ...flagPenalty(rule, flags), flags: [] };
  }
}

export function capPenalty(penalty: Penalty, outcome: { points: number; note: string; evidence: Evidence[] }): PenaltyScore {
  const points = round2(Math.min(penalty.max, outcome.points));
  const note = outcome.points > penalty.max ? `${outcome.note}（最多扣 ${penalty.max} 分）` : outcome.note;
  return { id: penalty.id, name: penalty.name, points, max: penalty.max, note, evidence: outcome.evidence };
}
