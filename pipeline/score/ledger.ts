import type { Fact, ReportPart } from '../../schemas/report.ts';
import type { Indicator, Metric, Rule } from '../../schemas/rubric.ts';
import { matchesBySentence, memo, type ScoringContext, type ScoringSentence } from './context.ts';
import { rubricIndicators } from './indicators.ts';
import { bandPoints } from './numbers.ts';

/**
 * Which figure pays which indicator. A figure is one fact and pays one indicator (or as many as its metric's `pays`
 * allows): "信访案件3件次" cannot earn both 信访办理有数据 and 投诉和热线办理有数据, nor "法律顾问累计审核合同57件" both
 * 审查件数 and 法律顾问发挥作用. The indicators that are paid by figures (metric rules, and disclosure rules by metric
 * or by a pattern with a figure beside it) are matched to the figures in one maximum matching, so that every
 * indicator that can be paid by a figure of its own is; each takes its best figure where there is a choice.
 */

/** Where achievements are reported. Not plans, not 不足, and not 其他: text appended at the end cannot earn points. */
export const DEFAULT_ACHIEVEMENT_PARTS: readonly ReportPart[] = ['measures', 'leadership', 'rectification'];

export interface FactUse {
  fact: Fact;
  sentence: ScoringSentence;
  /** For a disclosure by pattern: the metric-less figure was found beside this pattern. */
  viaPattern?: boolean;
}

/** How close (characters) a figure must be to a disclosure pattern's match to count as its figure (same clause too). */
const PATTERN_FIGURE_WINDOW = 16;
const CLAUSE_BREAK = /[，,；;：:。]/u;
/** At most this many characters between a pattern's match and the figure it governs ("审核各科室合同57件": 0). */
const GOVERNING_GAP = 4;

const metricsById = new WeakMap<readonly Metric[], Map<string, Metric>>();

/** A metric of the rubric's catalogue by id (the first of that id, as a search from the start would find). */
function metricDef(ctx: ScoringContext, id: string | null): Metric | undefined {
  if (id === null) return undefined;
  let byId = metricsById.get(ctx.rubric.metrics);
  if (!byId) {
    byId = new Map();
    for (const m of ctx.rubric.metrics) if (!byId.has(m.id)) byId.set(m.id, m);
    metricsById.set(ctx.rubric.metrics, byId);
  }
  return byId.get(id);
}

/** Whose figures count for a metric that does not say: the unit's own and its villages'. */
const DEFAULT_SUBJECTS: readonly Fact['subject'][] = ['unit', 'village'];

/** Whether a figure is this unit's own and of the year reported on, for the metric it belongs to. */
export function countsForUnit(ctx: ScoringContext, fact: Fact, metric: Metric | undefined): boolean {
  const year = ctx.report.meta.year;
  if (fact.year !== undefined && year !== null && fact.year !== year) return false;
  const subjects = metric?.subjects ?? DEFAULT_SUBJECTS;
  // For a county government's own report, 全县 is the unit itself.
  const subject = fact.subject === 'county' && ctx.report.meta.unitKind === 'county' ? 'unit' : (fact.subject ?? 'unit');
  return subjects.includes(subject);
}

const byMetricCache = new WeakMap<ScoringContext, Map<string, Map<string | null, FactUse[]>>>();

/** Every fact of a sentence that may earn points (eligible, or only short), by metric, in document order. */
function factsByMetric(ctx: ScoringContext): Map<string | null, FactUse[]> {
  return memo(byMetricCache, ctx, 'all', () => {
    const byMetric = new Map<string | null, FactUse[]>();
    for (const sentence of ctx.sentences) {
      if (!sentence.eligible && sentence.ineligibleReason !== 'short') continue;
      for (const fact of sentence.facts) {
        const list = byMetric.get(fact.metric);
        if (list) list.push({ fact, sentence });
        else byMetric.set(fact.metric, [{ fact, sentence }]);
      }
    }
    return byMetric;
  });
}

/** Facts of a metric in the given parts that count for this unit (eligible sentences, or short ones). */
export function factsIn(ctx: ScoringContext, metric: string, parts: readonly ReportPart[] | undefined): FactUse[] {
  const def = metricDef(ctx, metric);
  return (factsByMetric(ctx).get(metric) ?? []).filter((use) => (!parts || parts.includes(use.sentence.part)) && countsForUnit(ctx, use.fact, def));
}

/**
 * Figures beside a disclosure pattern that count for the unit: in the same clause as the match and a few characters
 * from it, in a unit the rule's metrics count, and not the figure of another metric ("培养法律明白人42名" is not a
 * 学法考试 figure) unless the match governs it directly ("法律顾问审查合同12件" is a review count too).
 */
function figuresBesidePatterns(ctx: ScoringContext, patterns: readonly string[], metrics: readonly string[], parts: readonly ReportPart[]): FactUse[] {
  const out: FactUse[] = [];
  const seen = new Set<Fact>();
  // The figure must count what the rule's metrics count (学法考试 in 人次/%, not "学法8小时").
  const units = new Set(metrics.flatMap((id) => metricDef(ctx, id)?.units ?? []));
  const governs = (folded: string, at: number, m: { start: number; end: number }): boolean =>
    at >= m.end && at - m.end <= GOVERNING_GAP && !CLAUSE_BREAK.test(folded.slice(m.end, at));
  const besideMatch = (folded: string, at: number, m: { start: number; end: number }): boolean => {
    if (at < m.start - PATTERN_FIGURE_WINDOW || at > m.end + PATTERN_FIGURE_WINDOW) return false;
    const between = at < m.start ? folded.slice(at, m.start) : folded.slice(m.end, at);
    return !CLAUSE_BREAK.test(between);
  };
  for (const source of patterns) {
    for (const [index, found] of matchesBySentence(ctx, source)) {
      const sentence = ctx.sentences[index]!;
      if (!sentence.eligible || !parts.includes(sentence.part)) continue;
      for (const fact of sentence.facts) {
        if (seen.has(fact) || fact.unit === '' || (units.size > 0 && !units.has(fact.unit))) continue;
        if (!countsForUnit(ctx, fact, metricDef(ctx, fact.metric))) continue;
        const at = fact.offset - sentence.offset;
        // A figure of another metric counts only when the match governs it directly ("审查合同12件").
        const foreign = fact.metric !== null && !metrics.includes(fact.metric);
        if (found.some((m) => (foreign ? governs(sentence.folded, at, m) : besideMatch(sentence.folded, at, m)))) {
          seen.add(fact);
          out.push({ fact, sentence, viaPattern: true });
        }
      }
    }
  }
  return out.sort((a, b) => a.fact.offset - b.fact.offset);
}

/** The figures that could pay an indicator, best first. */
function candidatesFor(ctx: ScoringContext, rule: Rule): FactUse[] {
  if (rule.kind === 'metric') {
    const found = factsIn(ctx, rule.metric, rule.parts ?? DEFAULT_ACHIEVEMENT_PARTS);
    // The best band first; the document's order among equals.
    return found
      .map((use, order) => ({ use, order, points: bandPoints(use.fact.value, rule.bands) }))
      .filter((c) => c.points > 0)
      .sort((a, b) => b.points - a.points || a.order - b.order)
      .map((c) => c.use);
  }
  if (rule.kind === 'disclosure') {
    const parts = rule.parts ?? DEFAULT_ACHIEVEMENT_PARTS;
    const byMetric = rule.metrics.flatMap((id) => factsIn(ctx, id, parts));
    const byPattern = rule.patterns.length > 0 ? figuresBesidePatterns(ctx, rule.patterns, rule.metrics, parts) : [];
    const seen = new Set(byMetric.map((u) => u.fact));
    return [...byMetric, ...byPattern.filter((u) => !seen.has(u.fact))];
  }
  return [];
}

const assignmentCache = new WeakMap<ScoringContext, Map<string, Map<Rule, FactUse>>>();

/** The figure that pays each figure-paid indicator (absent: none left for it). */
export function assignedFacts(ctx: ScoringContext): Map<Rule, FactUse> {
  return memo(assignmentCache, ctx, 'all', () => {
    const indicators: Indicator[] = rubricIndicators(ctx.rubric).filter((i) => i.enabled && (i.rule.kind === 'metric' || i.rule.kind === 'disclosure'));
    const options = indicators.map((i) => candidatesFor(ctx, i.rule));
    const capacity = (fact: Fact): number => metricDef(ctx, fact.metric)?.pays ?? 1;
    const holders = new Map<Fact, number[]>();
    const chosen = new Map<number, FactUse>();
    const take = (indicator: number, use: FactUse): true => {
      holders.set(use.fact, [...(holders.get(use.fact) ?? []), indicator]);
      chosen.set(indicator, use);
      return true;
    };
    // Kuhn's augmenting paths: an indicator takes its best figure still free; only when none is free does it take one
    // whose holder can move to another figure of its own.
    const tryAssign = (indicator: number, visited: Set<Fact>): boolean => {
      const free = (options[indicator] ?? []).find((use) => !visited.has(use.fact) && (holders.get(use.fact) ?? []).length < capacity(use.fact));
      if (free) {
        visited.add(free.fact);
        return take(indicator, free);
      }
      for (const use of options[indicator] ?? []) {
        if (visited.has(use.fact)) continue;
        visited.add(use.fact);
        const current = holders.get(use.fact) ?? [];
        for (const holder of current) {
          if (tryAssign(holder, visited)) {
            holders.set(use.fact, [...(holders.get(use.fact) ?? []).filter((h) => h !== holder), indicator]);
            chosen.set(indicator, use);
            return true;
          }
        }
      }
      return false;
    };
    indicators.forEach((_, i) => tryAssign(i, new Set()));
    const byRule = new Map<Rule, FactUse>();
    chosen.forEach((use, i) => byRule.set(indicators[i]!.rule, use));
    return byRule;
  });
}

/**
 * Why an indicator paid by figures has none: its figures exist but are another body's (全县…, 上级…), of another
 * year, or already paid other indicators. Null when the report gives no such figure at all.
 */
export function unpaidReason(ctx: ScoringContext, rule: Rule): string | null {
  if (rule.kind !== 'metric' && rule.kind !== 'disclosure') return null;
  const ids = rule.kind === 'metric' ? [rule.metric] : rule.metrics;
  const parts = rule.parts ?? DEFAULT_ACHIEVEMENT_PARTS;
  const all = ids.flatMap((id) => (factsByMetric(ctx).get(id) ?? []).filter((use) => parts.includes(use.sentence.part)).map((use) => use.fact));
  if (all.length === 0) return null;
  const own = all.filter((f) => countsForUnit(ctx, f, metricDef(ctx, f.metric)));
  if (own.length > 0)
    return `${own
      .map((f) => f.text)
      .slice(0, 3)
      .join('、')}已用于其他指标，一个数字只得一次分`;
  const year = ctx.report.meta.year;
  if (year !== null && all.every((f) => f.year !== undefined && f.year !== year)) return `${all[0]!.text}不是${year}年度的数字`;
  return `${all[0]!.text}是${subjectName(all[0]!.subject)}的数字，不是本单位的`;
}

function subjectName(subject: Fact['subject']): string {
  switch (subject) {
    case 'county':
      return '全县';
    case 'higher':
      return '上级';
    case 'village':
      return '村（社区）';
    default:
      return '本单位';
  }
}
