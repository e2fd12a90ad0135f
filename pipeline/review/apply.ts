import type { FinalResult, ReviewChange, ReviewRefusal } from '../../schemas/review.ts';
import type { Rubric } from '../../schemas/rubric.ts';
import type { DimensionScore, Flag, IndicatorScore, ScoreResult } from '../../schemas/score.ts';
import { rankResults } from '../rank/index.ts';
import { gradeFor } from '../score/index.ts';
import { cappedScore, round2 } from '../score/numbers.ts';
import type { LoadedRubric } from '../score/rubric.ts';
import { SHEETS } from '../workbook/keys.ts';
import { unitName } from '../workbook/labels.ts';
import type { DecisionRequest, ItemRequest, ReviewRequests, TotalRequest } from './collect.ts';

/**
 * Applying a review to the machine results: per unit, indicator and penalty values first, then pending decisions,
 * then the total's adjustment; the total is recomputed as the scorer computes it (dimensions capped at their maximum,
 * bonus at its cap, penalties subtracted, the statutory cap, 0..max), then graded (vetoes kept) and every unit is
 * re-ranked with pipeline/rank. A unit nobody touched keeps the machine's numbers exactly. The machine result is never
 * modified: the final result carries machineTotal, machineGrade and machineRank beside the final ones.
 */

export interface ApplyMeta {
  /** When the review is applied (ISO). */
  at: string;
  /** The reviewed workbook (file name or S3 key). */
  workbook: string;
}

type Change = Omit<ReviewChange, 'at' | 'workbook'>;

const dimensionOf = (result: ScoreResult, id: string): DimensionScore | undefined => result.dimensions.find((d) => d.indicators.some((i) => i.id === id));

/** Finding-based vetoes cannot be recomputed from a result (the findings are not in it): recognise them by message. */
function findingsOf(result: ScoreResult, rubric: Rubric): string[] {
  const findings: string[] = [];
  for (const rule of rubric.veto) {
    const [kind, code] = rule.when.split(':');
    if (kind !== 'finding' || !code) continue;
    if (result.flags.some((f) => f.code === 'veto' && f.message === `${rule.reason}：等次最高为“${rule.capGrade}”`)) findings.push(code);
  }
  return findings;
}

/** The grade before quotas (bands and vetoes), with the veto flag as the scorer sets it. */
function regrade(result: ScoreResult, rubric: Rubric): ScoreResult {
  const flags: Flag[] = result.flags.filter((f) => f.code !== 'veto');
  const { grade, veto } = gradeFor(rubric, result.total, flags, findingsOf(result, rubric));
  return { ...result, grade, flags: veto ? [...flags, veto] : flags };
}

function recomputeTotal(result: ScoreResult, rubric: Rubric): number {
  const dimensions = result.dimensions.reduce((s, d) => s + d.score, 0);
  const deducted = result.penalties.reduce((s, p) => s + p.points, 0);
  let total = dimensions + result.bonus.score - deducted;
  if (result.totalCap !== undefined) total = Math.min(total, result.totalCap);
  return round2(Math.max(0, Math.min(rubric.max, total)));
}

function setIndicator(result: ScoreResult, id: string, score: number, also: Pick<IndicatorScore, 'pointsWithCopied'> = {}): ScoreResult {
  const dimension = dimensionOf(result, id);
  if (dimension) {
    const dimensions = result.dimensions.map((d) => {
      if (d !== dimension) return d;
      const indicators = d.indicators.map((i) => (i.id === id ? { ...i, score, ...also } : i));
      return {
        ...d,
        indicators,
        score: cappedScore(d.max, indicators),
      };
    });
    return { ...result, dimensions };
  }
  const indicators = result.bonus.indicators.map((i) => (i.id === id ? { ...i, score, ...also } : i));
  return {
    ...result,
    bonus: {
      ...result.bonus,
      indicators,
      score: cappedScore(result.bonus.max, indicators),
    },
  };
}

function indicatorScore(result: ScoreResult, id: string): { score: number; name: string } | null {
  for (const d of result.dimensions) for (const i of d.indicators) if (i.id === id) return { score: i.score, name: i.name };
  const i = result.bonus.indicators.find((x) => x.id === id);
  return i ? { score: i.score, name: i.name } : null;
}

/** A penalty's points, and its cause when the review gives a new one (the machine's no longer describes it). */
function setPenalty(result: ScoreResult, id: string, points: number, note?: string): ScoreResult {
  return { ...result, penalties: result.penalties.map((p) => (p.id === id ? { ...p, points, ...(note ? { note } : {}) } : p)) };
}

interface UnitRequests {
  items: ItemRequest[];
  decisions: DecisionRequest[];
  total?: TotalRequest;
}

/** One unit: its changes applied in order, each recorded with the value before and after. */
function applyUnit(
  machine: ScoreResult,
  rubric: Rubric,
  requests: UnitRequests,
  refuse: (r: { sheet: string; row: number }, m: string) => void,
): { result: ScoreResult; changes: Change[] } {
  const unit = unitName(machine);
  const base = { source: machine.source, reportId: machine.reportId, unit };
  const changes: Change[] = [];
  let result = machine;
  const touched = new Set<string>();
  for (const item of requests.items) {
    touched.add(item.id);
    if (item.kind === 'penalty') {
      const penalty = result.penalties.find((p) => p.id === item.id)!;
      const to = round2(-item.value);
      changes.push({
        ...base,
        target: { kind: 'penalty', id: penalty.id, name: penalty.name },
        machine: penalty.points,
        from: penalty.points,
        to,
        reason: item.reason,
        reviewer: item.reviewer,
        sheet: item.sheet,
        row: item.row,
      });
      result = setPenalty(result, item.id, to);
    } else {
      const current = indicatorScore(result, item.id)!;
      const to = round2(item.value);
      changes.push({
        ...base,
        target: { kind: 'indicator', id: item.id, name: current.name },
        machine: current.score,
        from: current.score,
        to,
        reason: item.reason,
        reviewer: item.reviewer,
        sheet: item.sheet,
        row: item.row,
      });
      result = setIndicator(result, item.id, to);
    }
  }
  for (const decision of requests.decisions) {
    const pending = (machine.pending ?? []).find((p) => p.id === decision.id)!;
    if (touched.has(pending.target)) {
      refuse(decision, `“${SHEETS.evidence}”表已直接调整了这一待定事项所涉及的项目，不能再${decision.decision === 'confirm' ? '确认' : '撤销'}；请只保留一处`);
      continue;
    }
    const before = recomputeTotal(result, rubric);
    if (pending.kind === 'copy-deduction' && decision.decision === 'confirm') {
      // The copied paragraphs stop counting as evidence (voided indicators fall to what the scorer computed without
      // them); the rest of the proposed points is the copy penalty.
      let voidedPoints = 0;
      for (const v of pending.voided ?? []) {
        const current = indicatorScore(result, v.indicator);
        if (!current) continue;
        voidedPoints += Math.max(0, (indicatorScore(machine, v.indicator)?.score ?? current.score) - v.to);
        if (current.score > v.to) result = setIndicator(result, v.indicator, v.to, { pointsWithCopied: current.score });
      }
      const penalty = result.penalties.find((p) => p.id === pending.target);
      const penaltyPoints = round2(Math.max(0, pending.points - voidedPoints));
      // The printed cause must say who decided this copy (the machine's note, if it penalised nothing, said so).
      const confirmed = `经复核确认为照搬方（${decision.reviewer}）`;
      if (penalty)
        result = setPenalty(
          result,
          penalty.id,
          round2(Math.min(penalty.max, penalty.points + penaltyPoints)),
          penalty.points > 0 ? `${penalty.note}；${confirmed}` : confirmed,
        );
    } else if (pending.kind === 'low-confidence-award' && decision.decision === 'withdraw') {
      const current = indicatorScore(result, pending.target);
      if (current) result = setIndicator(result, pending.target, round2(Math.max(0, current.score - pending.points)));
    }
    const after = recomputeTotal(result, rubric);
    changes.push({
      ...base,
      target: { kind: 'decision', id: pending.id, decision: decision.decision, pendingKind: pending.kind, target: pending.target },
      machine: pending.points,
      from: before,
      to: after,
      reason: decision.reason || (decision.decision === 'confirm' ? '确认系统提出的待定事项' : '撤销系统提出的待定事项'),
      reviewer: decision.reviewer,
      sheet: decision.sheet,
      row: decision.row,
    });
  }
  // Only a unit with changes is recomputed: an untouched unit keeps the machine's numbers to the last digit.
  let total = changes.length > 0 ? recomputeTotal(result, rubric) : machine.total;
  if (requests.total) {
    const from = total;
    const to = round2(from + requests.total.delta);
    if (to < 0 || to > rubric.max) {
      refuse(requests.total, `调整后总分 ${to} 超出 0–${rubric.max} 分（机器计算为 ${from}，调整分 ${requests.total.delta}）`);
    } else {
      changes.push({
        ...base,
        target: { kind: 'total' },
        machine: machine.total,
        from,
        to,
        reason: requests.total.reason,
        reviewer: requests.total.reviewer,
        sheet: requests.total.sheet,
        row: requests.total.row,
      });
      total = to;
    }
  }
  if (changes.length === 0) return { result: machine, changes };
  const decided = new Set(requests.decisions.map((d) => d.id));
  const pending = (machine.pending ?? []).filter((p) => !decided.has(p.id));
  const { pending: _all, ...rest } = result;
  return { result: { ...rest, ...(pending.length > 0 ? { pending } : {}), total }, changes };
}

function rubricFor(result: ScoreResult, rubrics: readonly LoadedRubric[]): LoadedRubric {
  const loaded = rubrics.find((r) => r.sha256 === result.rubric.sha256);
  if (!loaded) throw new Error(`no rubric ${result.rubric.id}@${result.rubric.version} (${result.rubric.sha256}) for ${result.source}`);
  return loaded;
}

export interface Applied {
  results: FinalResult[];
  changes: ReviewChange[];
  refusals: ReviewRefusal[];
}

export function applyReview(machine: readonly ScoreResult[], rubrics: readonly LoadedRubric[], requests: ReviewRequests, meta: ApplyMeta): Applied {
  const refusals: ReviewRefusal[] = [];
  const refuse = (at: { sheet: string; row: number }, message: string): void => {
    refusals.push({ sheet: at.sheet, row: at.row, message: `${at.sheet === SHEETS.review ? '' : `“${at.sheet}”表`}第 ${at.row} 行：${message}` });
  };
  const byUnit = new Map<number, UnitRequests>();
  const of = (index: number): UnitRequests => {
    let unit = byUnit.get(index);
    if (!unit) byUnit.set(index, (unit = { items: [], decisions: [] }));
    return unit;
  };
  for (const item of requests.items) of(item.index).items.push(item);
  for (const decision of requests.decisions) of(decision.index).decisions.push(decision);
  for (const total of requests.totals) {
    const unit = of(total.index);
    if (unit.total) refuse(total, `同一单位的总分调整填写了两次（另见第 ${unit.total.row} 行）`);
    else unit.total = total;
  }

  const changes: ReviewChange[] = [];
  const adjusted = machine.map((result, index) => {
    const rubric = rubricFor(result, rubrics).rubric;
    const unit = byUnit.get(index);
    if (!unit) return { result: regrade(result, rubric), changes: [] as ReviewChange[] };
    const applied = applyUnit(result, rubric, unit, refuse);
    const stamped = applied.changes.map((c) => ({ ...c, at: meta.at, workbook: meta.workbook }));
    changes.push(...stamped);
    return { result: regrade(applied.result, rubric), changes: stamped };
  });

  // Re-rank per rubric (tie-breakers and quotas are the rubric's), as `fazhi score` ranks each rubric's results.
  const changesOf = new Map(adjusted.map((a, i) => [machine[i]!.source, a.changes]));
  const machineOf = new Map(machine.map((m) => [m.source, m]));
  const groups = new Map<string, ScoreResult[]>();
  for (const { result } of adjusted) groups.set(result.rubric.sha256, [...(groups.get(result.rubric.sha256) ?? []), result]);
  const ranked = [...groups.values()].flatMap((group) => rankResults(group, rubricFor(group[0]!, rubrics).rubric));
  const results: FinalResult[] = ranked.map((result) => {
    const original = machineOf.get(result.source)!;
    return {
      ...result,
      machineTotal: original.total,
      machineGrade: original.grade,
      machineRank: original.rank,
      adjustment: round2(result.total - original.total),
      changes: changesOf.get(result.source) ?? [],
    };
  });
  return { results, changes, refusals };
}
