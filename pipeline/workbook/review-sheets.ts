import type ExcelJS from 'exceljs';
import type { Book } from './book.ts';
import { COLUMNS, DECISION_WORDS, rowKey, SHEETS } from './keys.ts';
import { beijingTime, fileName, printable, unitName } from './labels.ts';
import { TableWriter, type ColumnSpec } from './table.ts';
import { changeLabel, otherName, pendingLabel, type SheetContext } from './view.ts';

/**
 * 复核: the assessor's form. One row per scored report (机器得分; 调整分 with 调整理由 and 复核人), and under it one row per
 * item the machine left to the assessor (a copy deduction proposed but not applied, an award it is unsure of) with a
 * 确认/撤销 cell (a drop-down list). The hidden 行编号 column ties each row to its result, so the sheet may be sorted.
 * 复核记录 (final workbook only): every change with from, to, reason, reviewer, time and source workbook.
 */

const REVIEW_COLUMNS: ColumnSpec[] = [
  { header: COLUMNS.unit, key: 'unit', width: 10, wrap: true },
  { header: COLUMNS.item, key: 'item', width: 18, wrap: true },
  { header: COLUMNS.machine, key: 'machine', width: 7, numFmt: '0.00' },
  { header: COLUMNS.adjustment, key: 'adjustment', width: 7, numFmt: '0.##', input: true },
  { header: COLUMNS.decision, key: 'decision', width: 8, input: true, align: 'center' },
  { header: COLUMNS.reason, key: 'reason', width: 28, wrap: true, input: true },
  { header: COLUMNS.reviewer, key: 'reviewer', width: 9, wrap: true, input: true },
  { header: '说明', key: 'info', width: 44, wrap: true },
  { header: COLUMNS.key, key: 'key', width: 8, print: false, hidden: true },
];

/** The 确认/撤销 drop-down (one object for every cell: the writer merges equal neighbours into one range). */
const DECISION_LIST: ExcelJS.DataValidation = {
  type: 'list',
  allowBlank: true,
  formulae: [`"${DECISION_WORDS.confirm},${DECISION_WORDS.withdraw}"`],
  showErrorMessage: true,
  errorTitle: '确认/撤销',
  error: '请从下拉列表中选择“确认”或“撤销”',
};

function adjustmentRange(max: number): ExcelJS.DataValidation {
  return {
    type: 'decimal',
    operator: 'between',
    allowBlank: true,
    formulae: [-max, max],
    showErrorMessage: true,
    errorTitle: '调整分',
    error: `请填写数字（加分为正、减分为负，例如 -2 或 1.5），调整后总分须在 0–${max} 分之间`,
  };
}

export async function reviewSheet(book: Book, ctx: SheetContext): Promise<void> {
  const { input, rubric } = ctx;
  const table = new TableWriter(book, { name: SHEETS.review, title: `${input.scope}评分复核表`, columns: REVIEW_COLUMNS });
  const adjustment = { adjustment: adjustmentRange(rubric.max) };
  const decision = { decision: DECISION_LIST };
  for (const entry of ctx.entries()) {
    const { machine, shown } = entry;
    const total = entry.final?.changes.find((c) => c.target.kind === 'total');
    const pending = machine.pending ?? [];
    await table.add(
      {
        unit: unitName(machine),
        item: '总分',
        machine: machine.total,
        adjustment: total ? total.to - total.from : null,
        decision: null,
        reason: total?.reason ?? '',
        reviewer: total?.reviewer ?? '',
        info: `名次 ${shown.rank ?? '—'}，${shown.grade}${pending.length > 0 ? `；另有 ${pending.length} 项待定事项见下方` : ''}`,
        key: rowKey({ kind: 'total', index: entry.index }),
      },
      { validations: adjustment },
    );
    for (const p of pending) {
      const decided = entry.final?.changes.find((c) => c.target.kind === 'decision' && c.target.id === p.id);
      const word = decided?.target.kind === 'decision' ? DECISION_WORDS[decided.target.decision] : null;
      await table.add(
        {
          unit: unitName(machine),
          item: pendingLabel(p, rubric),
          machine: null,
          adjustment: null,
          decision: word,
          reason: decided?.reason ?? '',
          reviewer: decided?.reviewer ?? '',
          info: `${printable(p.message, rubric)}${p.other ? `（相关报告：${otherName(p.other, ctx.units)}）` : ''}`,
          key: rowKey({ kind: 'decision', index: entry.index, id: p.id }),
        },
        { validations: decision },
      );
    }
  }
  table.filter();
  await table.note('');
  await table.note(
    '填写说明：①调整总分：在“调整分”填写加减的分数（如 -2、1.5），并填写调整理由和复核人；②调整某一指标：在“评分依据”表该指标行的“调整后得分”填写新的得分，并填写理由和复核人；' +
      '③待定事项：在“确认/撤销”中选择——确认内容雷同扣分后才会扣分，撤销把握不大的得分后才会减分，不填则保持系统现状；④“机器得分”“得分”等系统填写的内容不能修改，' +
      '也不要删除隐藏的工作表和列。填好后保存为 Excel 工作簿，交系统生成复核定稿。',
  );
  table.commit();
}

const LOG_COLUMNS: ColumnSpec[] = [
  { header: COLUMNS.unit, key: 'unit', width: 10, wrap: true },
  { header: '调整项目', key: 'target', width: 22, wrap: true },
  { header: '原值', key: 'from', width: 7, numFmt: '0.##' },
  { header: '新值', key: 'to', width: 7, numFmt: '0.##' },
  { header: '理由', key: 'reason', width: 32, wrap: true },
  { header: COLUMNS.reviewer, key: 'reviewer', width: 9, wrap: true },
  { header: '时间', key: 'at', width: 16, wrap: true },
  { header: '来源工作簿', key: 'workbook', width: 20, wrap: true },
  { header: '来源位置', key: 'place', width: 14, print: false },
  { header: '来源文件', key: 'source', width: 30, print: false },
];

export async function reviewLogSheet(book: Book, ctx: SheetContext): Promise<void> {
  const review = ctx.input.review;
  if (!review) return;
  const table = new TableWriter(book, { name: SHEETS.log, title: `${ctx.input.scope}复核记录`, columns: LOG_COLUMNS });
  for (const c of review.changes) {
    await table.add({
      unit: c.unit,
      target: changeLabel(c.target, ctx.rubric),
      from: c.from,
      to: c.to,
      reason: c.reason,
      reviewer: c.reviewer,
      at: beijingTime(c.at),
      workbook: fileName(c.workbook),
      place: `${c.sheet}!${c.row}`,
      source: c.source,
    });
  }
  table.filter();
  await table.note('');
  await table.note(
    review.changes.length === 0
      ? '本次复核未作调整：最终得分即机器得分。'
      : `共 ${review.changes.length} 项调整；机器得分保留在“排名”表和“复核”表中，未被覆盖。`,
  );
  table.commit();
}
