import type { Rubric } from '../../schemas/rubric.ts';
import type { ScoreResult } from '../../schemas/score.ts';

export {
  crossCheck,
  followThroughOf,
  MAX_COPY_MATCHES,
  planCrossCheck,
  rescoreCopied,
  type CopyRescore,
  type CrossCheckEntry,
  type CrossCheckOptions,
  type CrossCheckPlan,
} from './cross-check.ts';

/**
 * Ranking within scope (county · year, as filed) · group: townships and subdistricts together; county departments
 * apart; county governments apart; units whose kind is unknown apart again. Ties on the total never favour a flagged
 * copier (a known copier after an unflagged unit, a copy awaiting review after an unflagged unit), then are broken by
 * the rubric's tie-breaker dimensions, then by fewer points deducted, then by the unit's name in code-point order (not
 * locale collation, which differs between machines); every tie broken says how in `rankNote`. In quota mode, grades
 * above their quota move down one grade, in rank order; a quota never falls below its minCount, so a small group can
 * still reach 优秀 and 良好 when its scores earn them.
 */

const GROUP_ORDER: Record<ScoreResult['rankGroup'], number> = { township: 0, department: 1, county: 2, other: 3 };
const GROUP_LABEL: Record<ScoreResult['rankGroup'], string> = { township: '乡镇（街道）', department: '县直部门', county: '县（区）政府', other: '类别未识别' };

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const deducted = (r: ScoreResult): number => r.penalties.reduce((s, p) => s + p.points, 0);
const dimensionScore = (r: ScoreResult, id: string): number => r.dimensions.find((d) => d.id === id)?.score ?? 0;

const standings = new WeakMap<ScoreResult, number>();

/** 0 no copy flag (or the original), 1 a copy whose direction awaits the assessor, 2 a known copier; once per result. */
function copyStanding(r: ScoreResult): number {
  let standing = standings.get(r);
  if (standing === undefined) {
    const roles = r.flags.filter((f) => f.code === 'similar-to').map((f) => f.role);
    standing = roles.includes('copier') ? 2 : roles.includes('unknown') ? 1 : 0;
    standings.set(r, standing);
  }
  return standing;
}
const COPY_STANDING_LABEL = ['未见雷同', '雷同待核实', '照搬他人报告'];

export const rankGroupLabel = (group: ScoreResult['rankGroup']): string => GROUP_LABEL[group];

/** Why `a` ranks before `b` when their totals are equal, or null when they do not tie. */
function tieReason(a: ScoreResult, b: ScoreResult, rubric: Rubric): string | null {
  if (a.total !== b.total) return null;
  const [ca, cb] = [copyStanding(a), copyStanding(b)];
  if (ca !== cb) return `总分相同，雷同标记者排后（${COPY_STANDING_LABEL[ca]}在前，${COPY_STANDING_LABEL[cb]}在后）`;
  for (const id of rubric.ranking.tieBreakers) {
    const [x, y] = [dimensionScore(a, id), dimensionScore(b, id)];
    if (x !== y) {
      const name = rubric.dimensions.find((d) => d.id === id)?.name ?? id;
      return `总分相同，按“${id} ${name}”得分（${x} 对 ${y}）排序`;
    }
  }
  const [pa, pb] = [deducted(a), deducted(b)];
  if (pa !== pb) return `总分及并列比较维度均相同，按扣分较少者在前（扣 ${pa} 分对 ${pb} 分）`;
  return '总分、并列比较维度和扣分均相同，按单位名称排序（名次仅表示先后，二者实为并列）';
}

function compare(a: ScoreResult, b: ScoreResult, rubric: Rubric): number {
  if (a.total !== b.total) return b.total - a.total;
  const copy = copyStanding(a) - copyStanding(b);
  if (copy !== 0) return copy;
  for (const id of rubric.ranking.tieBreakers) {
    const diff = dimensionScore(b, id) - dimensionScore(a, id);
    if (diff !== 0) return diff;
  }
  const penalty = deducted(a) - deducted(b);
  if (penalty !== 0) return penalty;
  return byCodePoint(a.township ?? '', b.township ?? '') || byCodePoint(a.source, b.source);
}

/**
 * How many units of a group of `size` may get a grade: the share rounded down (10 units, 20 % → 2), never fewer than
 * minCount (3 units, 20 % → 0.6 → 1), so rounding never makes a grade unreachable for a unit whose score earns it.
 */
export function quotaLimit(size: number, quota: { maxShare: number; minCount: number }): number {
  return Math.min(size, Math.max(quota.minCount, Math.floor(size * quota.maxShare + 1e-9)));
}

function applyQuotas(ranked: ScoreResult[], rubric: Rubric): ScoreResult[] {
  const { bands, quotas } = rubric.grading;
  if (rubric.grading.mode !== 'quota' || quotas.length === 0) return ranked;
  const taken = new Map<string, number>();
  return ranked.map((result) => {
    let index = bands.findIndex((b) => b.grade === result.grade);
    let demotedFrom: string | null = null;
    while (index >= 0 && index < bands.length - 1) {
      const grade = bands[index]!.grade;
      const quota = quotas.find((q) => q.grade === grade);
      const limit = quota ? quotaLimit(ranked.length, quota) : Infinity;
      if ((taken.get(grade) ?? 0) < limit) break;
      demotedFrom ??= grade;
      index++;
    }
    const grade = bands[index]?.grade ?? result.grade;
    taken.set(grade, (taken.get(grade) ?? 0) + 1);
    if (!demotedFrom) return result;
    const quota = quotas.find((q) => q.grade === demotedFrom);
    const note = `“${demotedFrom}”名额已满（本组 ${ranked.length} 个单位，最多 ${Math.round((quota?.maxShare ?? 0) * 100)}%、即 ${quota ? quotaLimit(ranked.length, quota) : 0} 个），评为“${grade}”`;
    return { ...result, grade, rankNote: result.rankNote ? `${result.rankNote}；${note}` : note };
  });
}

export function rankResults(results: readonly ScoreResult[], rubric: Rubric): ScoreResult[] {
  const groups = new Map<string, ScoreResult[]>();
  for (const result of results) {
    // county·year is the scope the report was filed under (ScoreResult.county/year), never a county read from its text.
    const key = `${result.county ?? ''}\u0000${result.year ?? ''}\u0000${GROUP_ORDER[result.rankGroup]}`;
    const group = groups.get(key);
    if (group) group.push(result);
    else groups.set(key, [result]);
  }
  const ordered = [...groups.keys()].sort(byCodePoint);
  return ordered.flatMap((key) => {
    const sorted = [...(groups.get(key) ?? [])].sort((a, b) => compare(a, b, rubric));
    const ranked = sorted.map((result, i): ScoreResult => {
      const { rankNote: _old, ...rest } = result;
      const previous = sorted[i - 1];
      const next = sorted[i + 1];
      const tie = (previous && tieReason(previous, result, rubric)) ?? (next && tieReason(result, next, rubric)) ?? null;
      const other = result.rankGroup === 'other' ? '报告单位类别未识别（乡镇、街道、县直部门或县政府），单独排名，请核实' : null;
      const note = [other, tie].filter(Boolean).join('；') || null;
      return { ...rest, rank: i + 1, ...(note ? { rankNote: note } : {}) };
    });
    return applyQuotas(ranked, rubric);
  });
}
