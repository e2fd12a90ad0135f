import type { ReviewRefusal } from '../../schemas/review.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { COLUMNS, DECISION_WORDS, parseRowKey, SHEETS, type RowKey } from '../workbook/keys.ts';
import { unitName } from '../workbook/labels.ts';
import { cellNumber, cellText, UnusableWorkbookError, type Cell, type ReviewedWorkbook, type SheetRow, type SheetTable } from './read.ts';

/**
 * From the reviewed sheets to what the assessor asked for, checking every filled row: machine columns untouched (单位,
 * 机器得分, 得分, 满分 as the machine wrote them), rows the system made (行编号), numbers that are numbers, a reason and
 * a reviewer for every change, 确认/撤销 only where something is pending. Every problem is collected with its row, so
 * one run tells the assessor everything to fix.
 */

/** Numbers read back from a spreadsheet may differ in the last binary digits; a hundredth is what we print. */
const SAME = 0.005;
const same = (a: number, b: number): boolean => Math.abs(a - b) < SAME;

interface Attribution {
  reason: string;
  reviewer: string;
  sheet: string;
  row: number;
}
export interface TotalRequest extends Attribution {
  index: number;
  delta: number;
}
export interface ItemRequest extends Attribution {
  index: number;
  kind: 'indicator' | 'bonus' | 'penalty';
  id: string;
  /** As written in 调整后得分: the new score, or for a penalty minus the new points. */
  value: number;
}
export interface DecisionRequest extends Attribution {
  index: number;
  id: string;
  decision: 'confirm' | 'withdraw';
}
export interface ReviewRequests {
  totals: TotalRequest[];
  items: ItemRequest[];
  decisions: DecisionRequest[];
}

class Problems {
  readonly list: ReviewRefusal[] = [];
  add(sheet: string, row: number | null, message: string): void {
    // The 复核 sheet's rows are "第 7 行" (the contract's wording); other sheets are named.
    const where = row === null ? `“${sheet}”表` : sheet === SHEETS.review ? `第 ${row} 行` : `“${sheet}”表第 ${row} 行`;
    this.list.push({ sheet, row, message: `${where}：${message}` });
  }
}

const INPUT_COLUMNS = [COLUMNS.adjustment, COLUMNS.decision, COLUMNS.reason, COLUMNS.reviewer, COLUMNS.adjusted] as const;

function requireColumns(table: SheetTable, columns: readonly string[]): void {
  const missing = columns.filter((c) => !table.headers.has(c));
  if (missing.length > 0) {
    throw new UnusableWorkbookError(
      `“${table.name}”表缺少${missing.map((c) => `“${c}”`).join('、')}列（表头被改动或删除？）。请在系统导出的工作簿上填写，不要改动表头。`,
    );
  }
}

const get = (row: SheetRow, column: string): Cell => row.cells.get(column) ?? { kind: 'empty' };
const text = (row: SheetRow, column: string): string => cellText(get(row, column)).trim();
const filledInput = (row: SheetRow): boolean => INPUT_COLUMNS.some((c) => get(row, c).kind !== 'empty');
const shown = (cell: Cell): string => (cell.kind === 'empty' ? '空白' : cellText(cell));

interface KeyedRow {
  row: SheetRow;
  key: RowKey;
  result: ScoreResult;
}

/** Rows with a valid 行编号; keyless rows are notes unless the assessor wrote in them. Duplicates are refused. */
function keyedRows(table: SheetTable, results: readonly ScoreResult[], problems: Problems): KeyedRow[] {
  const seen = new Map<string, number>();
  const out: KeyedRow[] = [];
  for (const row of table.rows) {
    const raw = text(row, COLUMNS.key);
    if (!raw) {
      if (filledInput(row)) problems.add(table.name, row.number, '这一行不是系统生成的（没有行编号），不能复核；请在对应单位的行中填写');
      continue;
    }
    const key = parseRowKey(raw);
    const result = key ? results[key.index] : undefined;
    if (!key || !result) {
      problems.add(table.name, row.number, `行编号“${raw}”无法识别（隐藏的行编号列被改动？）`);
      continue;
    }
    const previous = seen.get(raw);
    if (previous !== undefined) {
      problems.add(table.name, row.number, `与第 ${previous} 行是同一项（行被复制？），请只保留一行`);
      continue;
    }
    seen.set(raw, row.number);
    out.push({ row, key, result });
  }
  return out;
}

function checkText(problems: Problems, table: SheetTable, row: SheetRow, column: string, expected: string): void {
  const found = text(row, column);
  if (found.replace(/\s+/gu, '') !== expected.replace(/\s+/gu, '')) {
    problems.add(table.name, row.number, `“${column}”被改动（系统为“${expected}”，表中为“${found || '空白'}”）；系统填写的内容不能修改`);
  }
}

function checkNumber(problems: Problems, table: SheetTable, row: SheetRow, column: string, expected: number, hint: string): void {
  const cell = get(row, column);
  const found = cellNumber(cell);
  if (found === null || !same(found, expected)) {
    problems.add(table.name, row.number, `${column}被改动（系统为 ${expected}，表中为 ${shown(cell)}）。${hint}`);
  }
}

/** Reason and reviewer for a change; a number where a number belongs. */
function attribution(problems: Problems, table: SheetTable, row: SheetRow, what: string): Attribution | null {
  const reason = text(row, COLUMNS.reason);
  const reviewer = text(row, COLUMNS.reviewer);
  let ok = true;
  if (!reason) {
    problems.add(table.name, row.number, `${what}时必须填写调整理由`);
    ok = false;
  }
  if (!reviewer) {
    problems.add(table.name, row.number, `${what}时必须填写复核人`);
    ok = false;
  }
  return ok ? { reason, reviewer, sheet: table.name, row: row.number } : null;
}

function reviewSheetRequests(table: SheetTable, results: readonly ScoreResult[], problems: Problems, requests: ReviewRequests): void {
  requireColumns(table, [COLUMNS.key, COLUMNS.unit, COLUMNS.machine, COLUMNS.adjustment, COLUMNS.decision, COLUMNS.reason, COLUMNS.reviewer]);
  for (const { row, key, result } of keyedRows(table, results, problems)) {
    checkText(problems, table, row, COLUMNS.unit, unitName(result));
    const adjustmentCell = get(row, COLUMNS.adjustment);
    const decisionText = text(row, COLUMNS.decision);
    if (key.kind === 'total') {
      checkNumber(problems, table, row, COLUMNS.machine, result.total, '机器得分不能修改；要调整请填写调整分');
      if (decisionText) problems.add(table.name, row.number, '总分行不填“确认/撤销”（只有待定事项行需要）');
      if (adjustmentCell.kind === 'empty') continue;
      const delta = cellNumber(adjustmentCell);
      if (delta === null) {
        problems.add(table.name, row.number, `调整分“${shown(adjustmentCell)}”不是数字（请填写如 -2 或 1.5）`);
        continue;
      }
      if (delta === 0) continue;
      const who = attribution(problems, table, row, '调整分不为 0 ');
      if (who) requests.totals.push({ index: key.index, delta, ...who });
    } else if (key.kind === 'decision') {
      const pending = (result.pending ?? []).find((p) => p.id === key.id);
      if (!pending) {
        problems.add(table.name, row.number, '这一待定事项在系统数据中不存在（行编号被改动？）');
        continue;
      }
      if (adjustmentCell.kind !== 'empty') problems.add(table.name, row.number, '待定事项行不填调整分，请在“确认/撤销”中选择');
      if (!decisionText) continue;
      const decision = decisionText === DECISION_WORDS.confirm ? 'confirm' : decisionText === DECISION_WORDS.withdraw ? 'withdraw' : null;
      if (!decision) {
        problems.add(table.name, row.number, `“确认/撤销”只能填“确认”或“撤销”，表中为“${decisionText}”`);
        continue;
      }
      const reviewer = text(row, COLUMNS.reviewer);
      if (!reviewer) {
        problems.add(table.name, row.number, `${decisionText}待定事项时必须填写复核人`);
        continue;
      }
      requests.decisions.push({ index: key.index, id: key.id, decision, reason: text(row, COLUMNS.reason), reviewer, sheet: table.name, row: row.number });
    } else {
      problems.add(table.name, row.number, '行编号不属于本表（隐藏的行编号列被改动？）');
    }
  }
}

function machineItem(result: ScoreResult, key: RowKey): { score: number; max: number } | null {
  if (key.kind === 'indicator') {
    for (const d of result.dimensions) for (const i of d.indicators) if (i.id === key.id) return { score: i.score, max: i.max };
  } else if (key.kind === 'bonus') {
    const i = result.bonus.indicators.find((x) => x.id === key.id);
    if (i) return { score: i.score, max: i.max };
  } else if (key.kind === 'penalty') {
    const p = result.penalties.find((x) => x.id === key.id);
    if (p) return { score: -p.points, max: -p.max };
  }
  return null;
}

function evidenceSheetRequests(table: SheetTable, results: readonly ScoreResult[], problems: Problems, requests: ReviewRequests): void {
  requireColumns(table, [COLUMNS.key, COLUMNS.unit, COLUMNS.score, COLUMNS.adjusted, COLUMNS.reason, COLUMNS.reviewer]);
  for (const { row, key, result } of keyedRows(table, results, problems)) {
    const machine = key.kind === 'indicator' || key.kind === 'bonus' || key.kind === 'penalty' ? machineItem(result, key) : null;
    if (!machine || (key.kind !== 'indicator' && key.kind !== 'bonus' && key.kind !== 'penalty')) {
      problems.add(table.name, row.number, '这一项在系统数据中不存在（行编号被改动？）');
      continue;
    }
    checkText(problems, table, row, COLUMNS.unit, unitName(result));
    checkNumber(problems, table, row, COLUMNS.score, machine.score, '系统得分不能修改；要调整请填写调整后得分');
    const cell = get(row, COLUMNS.adjusted);
    if (cell.kind === 'empty') continue;
    const value = cellNumber(cell);
    if (value === null) {
      problems.add(table.name, row.number, `调整后得分“${shown(cell)}”不是数字`);
      continue;
    }
    const [low, high] = key.kind === 'penalty' ? [machine.max, 0] : [0, machine.max];
    if (value < low - SAME || value > high + SAME) {
      problems.add(
        table.name,
        row.number,
        key.kind === 'penalty'
          ? `调整后得分 ${value} 超出本项范围（扣分项填 ${machine.max} 到 0 之间的数）`
          : `调整后得分 ${value} 超出本项 0–${machine.max} 分`,
      );
      continue;
    }
    if (same(value, machine.score)) continue;
    const who = attribution(problems, table, row, '调整后得分与系统得分不同');
    if (who) requests.items.push({ index: key.index, kind: key.kind, id: key.id, value, ...who });
  }
}

/** 排名 is not where changes are made, but an edited machine score there must not pass for a review. */
function rankingSheetChecks(table: SheetTable, results: readonly ScoreResult[], problems: Problems): void {
  if (!table.headers.has(COLUMNS.key) || !table.headers.has(COLUMNS.machine)) return;
  for (const { row, key, result } of keyedRows(table, results, problems)) {
    if (key.kind !== 'total') continue;
    checkText(problems, table, row, COLUMNS.unit, unitName(result));
    checkNumber(problems, table, row, COLUMNS.machine, result.total, `机器得分不能修改；要调整请在“${SHEETS.review}”表填写调整分`);
  }
}

export function collectRequests(workbook: ReviewedWorkbook): { requests: ReviewRequests; refusals: ReviewRefusal[] } {
  const problems = new Problems();
  const requests: ReviewRequests = { totals: [], items: [], decisions: [] };
  const { review, evidence, ranking } = workbook.tables;
  reviewSheetRequests(review, workbook.results, problems, requests);
  if (evidence) evidenceSheetRequests(evidence, workbook.results, problems, requests);
  if (ranking) rankingSheetChecks(ranking, workbook.results, problems);
  return { requests, refusals: problems.list };
}
