import type { IndicatorScore, PenaltyScore } from '../../schemas/score.ts';
import { COLUMNS, rowKey, SHEETS, type RowKey } from './keys.ts';
import { printable, quote, unitName } from './labels.ts';
import type { Book } from './book.ts';
import { TableWriter, type ColumnSpec, type Row } from './table.ts';
import type { Entry, SheetContext } from './view.ts';

/**
 * 评分依据: every indicator of every unit with its points, why, and the sentences that earned them (with where to find
 * each: part, heading and paragraph, or the PDF page). 得分 is the machine's and must not be edited; an assessor who
 * disagrees with one item writes 调整后得分 with 调整理由 and 复核人 on its row (a penalty row takes a negative number,
 * e.g. −1 instead of −4). Indicator ids are in the hidden 行编号 column only.
 */

const COLUMN_SPECS: ColumnSpec[] = [
  { header: '名次', key: 'rank', width: 4, align: 'center' },
  { header: COLUMNS.unit, key: 'unit', width: 8, wrap: true },
  { header: '方面', key: 'dimension', width: 9, wrap: true },
  { header: '指标', key: 'indicator', width: 13, wrap: true },
  { header: COLUMNS.score, key: 'score', width: 5, numFmt: '0.##' },
  { header: COLUMNS.max, key: 'max', width: 5, numFmt: '0.##' },
  { header: '评分说明', key: 'note', width: 21, wrap: true },
  { header: '原文依据（【位置】原文）', key: 'evidence', width: 40, wrap: true },
  { header: COLUMNS.adjusted, key: 'adjusted', width: 6, numFmt: '0.##', input: true },
  { header: COLUMNS.reason, key: 'reason', width: 11, wrap: true, input: true },
  { header: COLUMNS.reviewer, key: 'reviewer', width: 6, wrap: true, input: true },
  { header: COLUMNS.key, key: 'key', width: 8, print: false, hidden: true },
];

type Prefill = Map<string, { to: number; reason: string; reviewer: string }>;

function prefillOf(entry: Entry): Prefill {
  const map: Prefill = new Map();
  for (const c of entry.final?.changes ?? []) {
    if (c.target.kind === 'indicator') map.set(`I:${c.target.id}`, { to: c.to, reason: c.reason, reviewer: c.reviewer });
    if (c.target.kind === 'penalty') map.set(`P:${c.target.id}`, { to: -c.to, reason: c.reason, reviewer: c.reviewer });
  }
  return map;
}

function indicatorRow(entry: Entry, ctx: SheetContext, dimension: string, indicator: IndicatorScore, key: RowKey, prefill: Prefill): Row {
  const filled = prefill.get(`I:${indicator.id}`);
  return {
    rank: entry.shown.rank,
    unit: unitName(entry.machine),
    dimension,
    indicator: indicator.name,
    score: indicator.score,
    max: indicator.max,
    note: printable(indicator.note, ctx.rubric),
    evidence: indicator.evidence.map(quote).join('\n'),
    adjusted: filled?.to ?? null,
    reason: filled?.reason ?? '',
    reviewer: filled?.reviewer ?? '',
    key: rowKey(key),
  };
}

function penaltyRow(entry: Entry, ctx: SheetContext, penalty: PenaltyScore, prefill: Prefill): Row {
  const filled = prefill.get(`P:${penalty.id}`);
  return {
    rank: entry.shown.rank,
    unit: unitName(entry.machine),
    dimension: '扣分项',
    indicator: penalty.name,
    score: -penalty.points,
    max: -penalty.max,
    note: printable(penalty.note, ctx.rubric),
    evidence: penalty.evidence.map(quote).join('\n'),
    adjusted: filled?.to ?? null,
    reason: filled?.reason ?? '',
    reviewer: filled?.reviewer ?? '',
    key: rowKey({ kind: 'penalty', index: entry.index, id: penalty.id }),
  };
}

export async function evidenceSheet(book: Book, ctx: SheetContext): Promise<void> {
  const table = new TableWriter(book, { name: SHEETS.evidence, title: `${ctx.input.scope}评分依据（逐项得分与原文）`, columns: COLUMN_SPECS });
  for (const entry of ctx.entries()) {
    // The machine's rows (what 得分 must match); adjusted values come from the final result's changes.
    const { machine } = entry;
    const prefill = prefillOf(entry);
    for (const d of machine.dimensions) {
      for (const i of d.indicators) await table.add(indicatorRow(entry, ctx, d.name, i, { kind: 'indicator', index: entry.index, id: i.id }, prefill));
    }
    for (const i of machine.bonus.indicators) await table.add(indicatorRow(entry, ctx, '加分项', i, { kind: 'bonus', index: entry.index, id: i.id }, prefill));
    const pendingTargets = new Set((machine.pending ?? []).map((p) => p.target));
    for (const p of machine.penalties)
      if (p.points !== 0 || pendingTargets.has(p.id) || prefill.has(`P:${p.id}`)) await table.add(penaltyRow(entry, ctx, p, prefill));
  }
  table.filter();
  table.commit();
}
