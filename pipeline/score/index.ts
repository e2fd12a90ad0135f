import { scopeOf, type NormalizedReport } from '../../schemas/report.ts';
import type { Indicator, Rubric } from '../../schemas/rubric.ts';
import type { DimensionScore, Flag, IndicatorScore, PenaltyScore, ScoreResult } from '../../schemas/score.ts';
import { buildContext, evidenceOf, type ScoreOptions, type ScoringContext } from './context.ts';
import { rubricIndicators } from './indicators.ts';
import { consistencyFlags } from './consistency.ts';
import { boilerplateDensity, capPenalty, evaluatePenalty, flagPenalty, missingPartFlags, templateLeftoverPenalty } from './penalties.ts';
import { cappedScore, round2 } from './numbers.ts';
import type { LoadedRubric } from './rubric.ts';
import { evaluateRule } from './rules.ts';

export type { ScoreOptions } from './context.ts';

/**
 * Score one report against one rubric. Deterministic: the same report and rubric give byte-identical JSON (no
 * clocks, no randomness, no iteration over unordered state, scores rounded to hundredths at each step).
 */

function scoreIndicator(ctx: ScoringContext, indicator: Indicator): IndicatorScore {
  const outcome = evaluateRule(ctx, indicator.rule, indicator.max);
  const score = round2(Math.max(0, Math.min(indicator.max, outcome.score)));
  // A point without evidence is not a point, unless the rule is about upload metadata (which has none in the text).
  const unsupported = score > 0 && outcome.evidence.length === 0 && indicator.rule.kind !== 'metadata';
  return {
    id: indicator.id,
    name: indicator.name,
    score: unsupported ? 0 : score,
    max: indicator.max,
    note: unsupported ? `${outcome.note}（无可引用的原文，不计分）` : outcome.note,
    evidence: outcome.evidence,
  };
}

function rankGroupOf(unitKind: NormalizedReport['meta']['unitKind']): ScoreResult['rankGroup'] {
  if (unitKind === 'department') return 'department';
  if (unitKind === 'county') return 'county';
  if (unitKind === 'township' || unitKind === 'subdistrict') return 'township';
  // A unit whose kind the text does not tell is never ranked among townships by default.
  return 'other';
}

/** The grade for a total under the rubric's bands, then capped by any veto whose condition holds. */
export function gradeFor(rubric: Rubric, total: number, flags: readonly Flag[], findings: readonly string[] = []): { grade: string; veto: Flag | null } {
  const bands = rubric.grading.bands;
  let index = bands.findIndex((band) => total >= band.min);
  if (index < 0) index = bands.length - 1;
  let veto: Flag | null = null;
  for (const rule of rubric.veto) {
    const [kind, code] = rule.when.split(':') as ['flag' | 'finding', string];
    const count = kind === 'flag' ? flags.filter((f) => f.code === code).length : findings.filter((f) => f === code).length;
    const capIndex = bands.findIndex((b) => b.grade === rule.capGrade);
    if (count >= rule.minCount && capIndex > index) {
      index = capIndex;
      veto = { code: 'veto', severity: 'error', message: `${rule.reason}：等次最高为“${rule.capGrade}”` };
    }
  }
  return { grade: bands[index]?.grade ?? '', veto };
}

/**
 * Recomputes what depends on flags (flag penalties, the total, the grade). Called after scoring and again after the
 * cross-report checks add `similar-to` flags, so a penalty is never computed from a stale flag list.
 */
export function finalizeScore(result: ScoreResult, rubric: Rubric, findings: readonly string[] = []): ScoreResult {
  const flags = result.flags.filter((f) => f.code !== 'veto');
  const penalties: PenaltyScore[] = result.penalties.map((scored) => {
    const penalty = rubric.penalties.find((p) => p.id === scored.id);
    if (penalty?.rule.kind === 'flag') return capPenalty(penalty, flagPenalty(penalty.rule, flags));
    if (penalty?.rule.kind === 'template-leftovers') return capPenalty(penalty, templateLeftoverPenalty(penalty.rule, flags));
    return scored;
  });
  const dimensions = result.dimensions.reduce((sum, d) => sum + d.score, 0);
  const deducted = penalties.reduce((sum, p) => sum + p.points, 0);
  let total = dimensions + result.bonus.score - deducted;
  if (result.totalCap !== undefined) total = Math.min(total, result.totalCap);
  total = round2(Math.max(0, Math.min(rubric.max, total)));
  const { grade, veto } = gradeFor(rubric, total, flags, findings);
  return { ...result, penalties, total, grade, flags: veto ? [...flags, veto] : flags };
}

/**
 * Only the named indicators (dimensions' and bonus's), scored exactly as scoreReport scores them: an indicator's score
 * comes from the scoring context and the rubric alone, never from another indicator's score, a penalty or a flag (the
 * figures are shared out among all the rubric's indicators, assignedFacts, whichever are scored). For the re-scorings
 * of copiers, which need only the indicators citing copied paragraphs: the penalties, flags and other indicators are
 * not computed.
 */
export function scoreIndicators(report: NormalizedReport, loaded: LoadedRubric, options: ScoreOptions, ids: ReadonlySet<string>): IndicatorScore[] {
  const ctx = buildContext(report, loaded, options);
  return rubricIndicators(loaded.rubric)
    .filter((indicator) => indicator.enabled && ids.has(indicator.id))
    .map((indicator) => scoreIndicator(ctx, indicator));
}

export function scoreReport(report: NormalizedReport, loaded: LoadedRubric, options: ScoreOptions = {}): ScoreResult {
  const ctx = buildContext(report, loaded, options);
  const rubric = loaded.rubric;
  const dimensions: DimensionScore[] = rubric.dimensions.map((dimension) => {
    const indicators = dimension.indicators.filter((i) => i.enabled).map((i) => scoreIndicator(ctx, i));
    return { id: dimension.id, name: dimension.name, score: cappedScore(dimension.max, indicators), max: dimension.max, indicators };
  });
  const bonusIndicators = rubric.bonus.indicators.filter((i) => i.enabled).map((i) => scoreIndicator(ctx, i));
  const bonus = {
    score: cappedScore(rubric.bonus.max, bonusIndicators),
    max: rubric.bonus.max,
    indicators: bonusIndicators,
  };

  const flags: Flag[] = [...missingPartFlags(ctx), ...consistencyFlags(ctx)];
  if (ctx.stuffed.length > 0) {
    flags.push({
      code: 'keyword-stuffing',
      severity: 'warning',
      message: `${ctx.stuffed.length} 个句子几乎只由评分关键词堆砌而成，不作为得分依据`,
      evidence: ctx.stuffed.slice(0, 3).map((s) => evidenceOf(ctx, s)),
    });
  }
  for (const warning of report.warnings) {
    if (warning.code.startsWith('meta-missing:') && !warning.code.endsWith(':title'))
      flags.push({ code: 'meta-missing', severity: 'info', message: warning.message });
    if (warning.code.startsWith('meta-mismatch:')) flags.push({ code: 'meta-mismatch', severity: 'warning', message: warning.message });
  }

  let capTotalAt: number | undefined;
  const penalties: PenaltyScore[] = rubric.penalties
    .filter((p) => p.enabled)
    .map((penalty) => {
      const outcome = evaluatePenalty(ctx, penalty, flags);
      flags.push(...outcome.flags);
      if (outcome.capTotalAt !== undefined) capTotalAt = Math.min(capTotalAt ?? Infinity, outcome.capTotalAt);
      return capPenalty(penalty, outcome);
    });

  const figures = ctx.sentences.reduce((n, s) => n + s.facts.length, 0);
  const boilerplatePhrases = rubric.penalties.flatMap((p) => (p.rule.kind === 'boilerplate' ? p.rule.phrases : []));
  const result: ScoreResult = {
    reportId: report.id,
    source: report.source.key,
    township: report.meta.township,
    // The scope the report was filed under (county·year), not what its text says.
    county: scopeOf(report).county,
    year: scopeOf(report).year,
    unitKind: report.meta.unitKind,
    rubric: { id: rubric.id, version: rubric.version, sha256: loaded.sha256 },
    total: 0,
    max: rubric.max,
    grade: '',
    rank: null,
    rankGroup: rankGroupOf(report.meta.unitKind),
    dimensions,
    penalties,
    bonus,
    flags,
    ...(capTotalAt !== undefined ? { totalCap: capTotalAt } : {}),
    stats: {
      chars: ctx.bodyHan,
      figures,
      figuresPer1000: round2(ctx.bodyHan === 0 ? 0 : (figures / ctx.bodyHan) * 1000),
      boilerplatePer1000: round2(boilerplatePhrases.length > 0 ? boilerplateDensity(ctx, boilerplatePhrases).per1000 : 0),
    },
    warnings: report.warnings,
  };
  return finalizeScore(result, rubric, report.submission.findings ?? []);
}
