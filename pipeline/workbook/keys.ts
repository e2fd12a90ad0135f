/**
 * Names the workbook writer and the review reader share: sheets, column headers, and the row keys kept in each sheet's
 * hidden 行编号 column. A key names a row by the index of its result among the results carried in the hidden 系统数据
 * sheet, so a reviewed copy can be sorted or filtered and still be read row by row.
 */

export const SHEETS = {
  ranking: '排名',
  review: '复核',
  log: '复核记录',
  evidence: '评分依据',
  flags: '问题与预警',
  failures: '处理异常',
  rubric: '评分细则',
  data: '系统数据',
} as const;

/** Per-unit feedback sheets are named `反馈-<unit>`. */
export const FEEDBACK_PREFIX = '反馈-';

export const COLUMNS = {
  key: '行编号',
  unit: '单位',
  item: '事项',
  machine: '机器得分',
  adjustment: '调整分',
  final: '最终得分',
  decision: '确认/撤销',
  reason: '调整理由',
  reviewer: '复核人',
  score: '得分',
  max: '满分',
  adjusted: '调整后得分',
} as const;

export const DECISION_WORDS = { confirm: '确认', withdraw: '撤销' } as const;

export type RowKey =
  { kind: 'total'; index: number } | { kind: 'decision'; index: number; id: string } | { kind: 'indicator' | 'bonus' | 'penalty'; index: number; id: string };

const LETTER = { decision: 'D', indicator: 'I', bonus: 'B', penalty: 'P' } as const;
const KIND: Record<string, Exclude<RowKey['kind'], 'total'>> = { D: 'decision', I: 'indicator', B: 'bonus', P: 'penalty' };

export function rowKey(key: RowKey): string {
  if (key.kind === 'total') return `R${key.index}`;
  return `R${key.index}.${LETTER[key.kind]}:${key.id}`;
}

export function parseRowKey(text: string): RowKey | null {
  const match = /^R(\d{1,6})(?:\.([DIBP]):(.+))?$/u.exec(text.trim());
  if (!match) return null;
  const index = Number(match[1]);
  if (!match[2]) return { kind: 'total', index };
  const kind = KIND[match[2]];
  return kind ? { kind, index, id: match[3]! } : null;
}
