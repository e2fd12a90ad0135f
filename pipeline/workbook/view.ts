import { PART_LABELS } from '../../schemas/report.ts';
import type { FinalResult, NotRanked, ReviewChange, ReviewTarget, WorkbookProvenance } from '../../schemas/review.ts';
import type { Rubric } from '../../schemas/rubric.ts';
import type { Failure } from '../../schemas/failure.ts';
import type { Flag, PendingDecision, ScoreResult } from '../../schemas/score.ts';
import { FLAG_LABELS, fileName, penaltyFlagCodes, printable, shorten, unitName } from './labels.ts';
import type { LoadedRubric } from '../score/rubric.ts';
import { factsOf, type ResultFacts, type ResultList, type ResultSource } from './results.ts';
import { round2 } from '../score/numbers.ts';
import { resultIndicators } from '../score/indicators.ts';

/**
 * What every sheet builder gets: the input, the facts of every listed result (order, groups, names), and each result
 * in full as the machine made it and as it is shown, read one at a time.
 */

export interface WorkbookReview {
  /** The results after review, in final rank order. */
  results: readonly FinalResult[];
  /** Every change of the round, in the order applied. */
  changes: readonly ReviewChange[];
  /** The reviewed workbook the changes came from (file name or S3 key). */
  workbook: string;
}

export interface WorkbookInput {
  /**
   * The machine results, ranked, in the order the sheets list them (an array, or a packed source for a year-wide
   * export: results.ts). They travel in the hidden 系统数据 sheet; the review refers to them by index.
   */
  results: ResultList;
  failures: readonly Failure[];
  rubric: LoadedRubric;
  /** E.g. "临澜县 2024年度": shown in titles and page headers. */
  scope: string;
  /** The county·year the workbook is of, when it is one (the pipeline's); default: read from the results. */
  scopeKey?: { county: string | null; year: number | null };
  /** When the ranking was made (ISO); passed in, not read from a clock, so the same input gives the same workbook. */
  generatedAt: string;
  /** Present for the final workbook `fazhi review` writes. */
  review?: WorkbookReview;
  /**
   * Uploads of the scope that are in neither the ranking nor `failures` (the pipeline's export): listed in 处理异常 and
   * counted under 排名, so whoever signs the ranking sees that it is not every unit's upload. Default: none.
   */
  notRanked?: readonly NotRanked[];
}

export interface Entry {
  /** Index among `input.results` (the row keys use it). */
  index: number;
  machine: ScoreResult;
  /** What the printed sheets show: the final result after review, else the machine's. */
  shown: ScoreResult;
  final?: FinalResult;
}

/** What every sheet knows of each listed result without reading it in full (ResultFacts of what is shown). */
export interface EntryFacts extends ResultFacts {
  /** Index among `input.results`. */
  index: number;
}

export interface SheetContext {
  input: WorkbookInput;
  rubric: Rubric;
  provenance: WorkbookProvenance;
  /** The results in the order the sheets list them (final rank order after a review, else the machine's). */
  facts: readonly EntryFacts[];
  /** Each listed result's unit, by source (for “与桃源镇雷同” instead of a file path). */
  units: ReadonlyMap<string, string>;
  /** Whether the workbook lists units of more than one county (then 县（区） and 全省排名 columns). */
  manyCounties: boolean;
  /** Whether the per-unit 反馈 sheets are written (feedback.ts FEEDBACK_SHEET_LIMIT). */
  feedback: boolean;
  /** The listed results in full, one at a time: all of them in list order, or those at the given list positions. */
  entries(positions?: Iterable<number>): Iterable<Entry>;
}

/** The sheets' view of the input: facts up front, each result read in full only when a sheet reaches it. */
export function sheetContext(input: WorkbookInput, source: ResultSource, provenance: WorkbookProvenance, feedbackLimit: number): SheetContext {
  const machineFacts = source.facts();
  const indexOf = new Map(machineFacts.map((f, i) => [f.source, i]));
  const finals = input.review?.results;
  const facts: EntryFacts[] = finals
    ? finals.map((final) => {
        const index = indexOf.get(final.source);
        if (index === undefined) throw new Error(`final result ${final.source} has no machine result in the workbook input`);
        return { ...factsOf(final), index };
      })
    : machineFacts.map((f, index) => ({ ...f, index }));
  function entryAt(position: number): Entry {
    const fact = facts[position];
    if (!fact) throw new Error(`no entry at ${position} of ${facts.length}`);
    const machine = source.at(fact.index);
    const final = finals?.[position];
    return final ? { index: fact.index, machine, shown: final, final } : { index: fact.index, machine, shown: machine };
  }
  return {
    input,
    rubric: input.rubric.rubric,
    provenance,
    facts,
    units: new Map(facts.map((f) => [f.source, unitName(f)])),
    manyCounties: new Set(facts.map((f) => f.county ?? '')).size > 1,
    feedback: facts.length <= feedbackLimit,
    *entries(positions?: Iterable<number>): Iterable<Entry> {
      if (positions) for (const position of positions) yield entryAt(position);
      else for (let position = 0; position < facts.length; position++) yield entryAt(position);
    },
  };
}

export const sumPenalties = (result: ScoreResult): number => round2(result.penalties.reduce((s, p) => s + p.points, 0));

/** How much of a flag's message a ranking row quotes: enough to say what was wrong, short enough for the row. */
const CAUSE_DETAIL_CHARS = 40;

const signed = (n: number): string => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');
export const signedPoints = signed;

function indicatorName(rubric: Rubric, id: string): string {
  for (const d of rubric.dimensions) for (const i of d.indicators) if (i.id === id) return i.name;
  for (const i of rubric.bonus.indicators) if (i.id === id) return i.name;
  return rubric.penalties.find((p) => p.id === id)?.name ?? id;
}

/** "内容雷同扣分（拟扣 12.3 分）" / "“某项”得分把握不大（已计 1 分）". */
export function pendingLabel(pending: PendingDecision, rubric: Rubric): string {
  const name = indicatorName(rubric, pending.target);
  return pending.kind === 'copy-deduction' ? `${name}扣分（拟扣 ${pending.points} 分，未计入）` : `“${name}”得分把握不大（已计 ${pending.points} 分）`;
}

export const otherName = (source: string | undefined, units: ReadonlyMap<string, string>): string => (source ? (units.get(source) ?? fileName(source)) : '');

/**
 * Every non-zero deduction and bonus with its cause, one per line: "−4 空话套话过多：套话 15 处，每千字 22.19 处".
 * What copied paragraphs no longer earn is stated beside the copy deduction (it is why a copier's dimensions are low).
 * Pending items are listed too, marked as not (or provisionally) counted.
 */
export function causeLines(result: ScoreResult, rubric: Rubric, units: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  for (const p of result.penalties) {
    if (p.points === 0) continue;
    const penalty = rubric.penalties.find((x) => x.id === p.id);
    const codes = penalty ? penaltyFlagCodes(penalty) : [];
    const others = [
      ...new Set(result.flags.filter((f) => f.code === 'similar-to' && codes.includes('similar-to') && f.other).map((f) => otherName(f.other, units))),
    ];
    // A deduction by flag ("1 处数据矛盾，每处扣 2 分") says what was wrong only in the flag: quote its start.
    const flag = penalty?.rule.kind === 'flag' && !codes.includes('similar-to') ? result.flags.find((f) => codes.includes(f.code)) : undefined;
    const detail = others.length > 0 ? `（与${others.join('、')}）` : flag ? `（${shorten(printable(flag.message, rubric), CAUSE_DETAIL_CHARS)}）` : '';
    lines.push(`${signed(-p.points)} ${p.name}：${printable(p.note, rubric)}${detail}`);
  }
  const copied = resultIndicators(result).filter((i) => i.pointsWithCopied !== undefined);
  if (copied.length > 0) {
    // What the copied paragraphs had earned: an indicator re-scored without them may keep points from other sentences.
    const lost = round2(copied.reduce((sum, i) => sum + (i.pointsWithCopied ?? 0) - i.score, 0));
    lines.push(`照搬段落不计分：${copied.length} 项指标共少得 ${lost} 分`);
  }
  for (const i of result.bonus.indicators) if (i.score > 0) lines.push(`${signed(i.score)} 加分·${i.name}`);
  if (result.totalCap !== undefined) lines.push(`总分封顶 ${result.totalCap} 分`);
  for (const pending of result.pending ?? []) {
    lines.push(
      pending.kind === 'copy-deduction'
        ? `待定 −${pending.points} ${indicatorName(rubric, pending.target)}：未计入，须评审确认`
        : `待定 ${indicatorName(rubric, pending.target)} ${pending.points} 分：已计入，可由评审撤销`,
    );
  }
  return lines;
}

function flagLabel(flag: Flag): string {
  return flag.code === 'missing-part' && flag.part ? `缺“${PART_LABELS[flag.part]}”` : FLAG_LABELS[flag.code];
}

/**
 * 问题标记: every warning and error, and any flag that cost points even when it is only informational (套话 that cost
 * 4 points must show here), plus 待复核 when something waits for the assessor.
 */
export function flagSummary(result: ScoreResult, rubric: Rubric): string {
  const costly = new Set<string>();
  for (const p of result.penalties) {
    const penalty = rubric.penalties.find((x) => x.id === p.id);
    if (p.points > 0 && penalty) for (const code of penaltyFlagCodes(penalty)) costly.add(code);
  }
  const labels = result.flags.filter((f) => f.severity !== 'info' || costly.has(f.code)).map(flagLabel);
  if ((result.pending ?? []).length > 0) labels.push('待复核');
  return [...new Set(labels)].join('、');
}

const OTHER_GROUP_NOTE = '单位类别未能识别（乡镇、街道或部门），单列，未与其他单位排名；请核实后补正';

/** 名次说明: how a tie was broken, why a grade is below its band (quota, veto), the group, review changes. */
export function rankExplanation(entry: Entry, rubric: Rubric): string {
  const shown = entry.shown;
  const parts: string[] = [];
  if (shown.rankNote) parts.push(printable(shown.rankNote, rubric));
  for (const veto of shown.flags.filter((f) => f.code === 'veto')) parts.push(printable(veto.message, rubric));
  if (shown.rankGroup === 'other') parts.push(OTHER_GROUP_NOTE);
  for (const change of entry.final?.changes ?? [])
    parts.push(`复核：${changeLabel(change.target, rubric)} ${change.from}→${change.to}（${change.reason || '未填理由'}，${change.reviewer}）`);
  return parts.join('；');
}

export function followThroughText(result: ScoreResult): string {
  if (!result.followThrough) return '—';
  return `${result.followThrough.done}/${result.followThrough.planned} 项`;
}

export function changeLabel(target: ReviewTarget, rubric: Rubric): string {
  switch (target.kind) {
    case 'total':
      return '总分调整';
    case 'indicator':
      return `指标“${target.name}”`;
    case 'penalty':
      return `扣分“${target.name}”`;
    case 'decision':
      return `${target.decision === 'confirm' ? '确认' : '撤销'}：${indicatorName(rubric, target.target)}${target.pendingKind === 'copy-deduction' ? '扣分' : '得分'}`;
  }
}
