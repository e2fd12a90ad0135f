import { UNIT_KIND_LABELS } from '../../schemas/report.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { rankGroupLabel } from '../rank/index.ts';
import { COLUMNS, rowKey, SHEETS } from './keys.ts';
import { beijingTime, shortDimensionName, unitName } from './labels.ts';
import type { Book } from './book.ts';
import { FEEDBACK_SHEET_LIMIT } from './feedback.ts';
import { TableWriter, type ColumnSpec, type Row } from './table.ts';
import { causeLines, flagSummary, followThroughText, rankExplanation, sumPenalties, type Entry, type SheetContext, type WorkbookInput } from './view.ts';
import { WIDE_RANK_LABEL, wideOrder, wideRanks } from './wide-rank.ts';

/**
 * 排名: what the assessor signs. Printed (A4 landscape, ≥ 9 pt): group, rank, unit, grade, 机器得分 · 调整分 · 最终得分
 * side by side, the dimensions under short names, bonus and deductions with their causes in words, 问题标记, 名次说明,
 * last year's plans carried out, a blank for the assessor's opinion, and the sign-off block under the table. The
 * county is in every page header. Ids, file paths and the unit's kind are in non-printing columns on the right.
 *
 * A workbook of several counties (a year-wide export) adds 县（区） and 全省排名 (wide-rank.ts) and lists its rows by
 * the province-wide place; 名次 and 等次 stay those of the unit's county·year group. Its printed columns are narrowed
 * to keep the same total width (≥ 9 pt on A4 landscape).
 */

/** Group names short enough for a narrow printed column (the full names are in 名次说明 and the notes). */
const GROUP_SHORT: Record<ScoreResult['rankGroup'], string> = { township: '乡镇街道', department: '县直部门', county: '县政府', other: '类别未识别' };

function columns(ctx: SheetContext): ColumnSpec[] {
  const rubric = ctx.rubric;
  const many = ctx.manyCounties;
  return [
    { header: '排名组', key: 'group', width: 4.5, wrap: true },
    { header: many ? '县内名次' : '名次', key: 'rank', width: 4, align: 'center', wrap: many },
    { header: COLUMNS.unit, key: 'unit', width: 8, wrap: true },
    ...(many
      ? [
          { header: '县（区）', key: 'county', width: 6, wrap: true },
          { header: WIDE_RANK_LABEL, key: 'wideRank', width: 4.5, align: 'center' as const, wrap: true },
        ]
      : []),
    { header: '等次', key: 'grade', width: 4.5, align: 'center' },
    { header: COLUMNS.machine, key: 'machine', width: 6, numFmt: '0.00' },
    { header: COLUMNS.adjustment, key: 'adjustment', width: 5, numFmt: '+0.##;-0.##;""' },
    { header: COLUMNS.final, key: 'total', width: 6, numFmt: '0.00' },
    ...rubric.dimensions.map((d) => ({ header: `${shortDimensionName(d.name)}\n${d.max}分`, key: `dim:${d.id}`, width: 5, wrap: true, numFmt: '0.##' })),
    // Several counties: the two extra columns' width (10.5) comes out of the three widest text columns.
    { header: '扣分、加分及原因', key: 'causes', width: many ? 16.5 : 20, wrap: true },
    { header: '问题标记', key: 'flags', width: many ? 7.5 : 9, wrap: true },
    { header: '名次说明', key: 'rankNote', width: many ? 9 : 12, wrap: true },
    { header: '上年安排落实', key: 'followThrough', width: 5, wrap: true },
    // Not printed: for sorting and checking on screen, and for the machine. (The amounts of bonus and deductions are
    // printed in 扣分、加分及原因; their sums are here for sorting.)
    { header: `加分（≤${rubric.bonus.max}）`, key: 'bonus', width: 8, numFmt: '0.##', print: false },
    { header: '扣分', key: 'deducted', width: 6, numFmt: '0.##', print: false },
    { header: '评审意见', key: 'opinion', width: 16, wrap: true, print: false },
    { header: '县（区）', key: 'countyAll', width: 10, print: false },
    { header: '年度', key: 'year', width: 6, print: false },
    { header: '类别', key: 'kind', width: 8, print: false },
    { header: '来源文件', key: 'source', width: 30, print: false },
    { header: '报告编号', key: 'reportId', width: 18, print: false },
    { header: COLUMNS.key, key: 'key', width: 8, print: false, hidden: true },
  ];
}

function row(entry: Entry, ctx: SheetContext, wideRank: number | null): Row {
  const { machine, shown } = entry;
  return {
    group: GROUP_SHORT[shown.rankGroup],
    rank: shown.rank,
    unit: unitName(shown),
    county: shown.county ?? '',
    wideRank: wideRank ?? '—',
    grade: shown.grade,
    machine: machine.total,
    adjustment: entry.final && entry.final.adjustment !== 0 ? entry.final.adjustment : null,
    total: shown.total,
    ...Object.fromEntries(shown.dimensions.map((d) => [`dim:${d.id}`, d.score])),
    bonus: shown.bonus.score,
    deducted: sumPenalties(shown),
    causes: causeLines(shown, ctx.rubric, ctx.units).join('\n'),
    flags: flagSummary(shown, ctx.rubric),
    rankNote: rankExplanation(entry, ctx.rubric),
    followThrough: followThroughText(shown),
    opinion: '',
    countyAll: shown.county ?? '',
    year: shown.year,
    kind: shown.unitKind ? UNIT_KIND_LABELS[shown.unitKind] : '',
    source: shown.source,
    reportId: shown.reportId,
    key: rowKey({ kind: 'total', index: entry.index }),
  };
}

export async function rankingSheet(book: Book, ctx: SheetContext): Promise<void> {
  const { input, rubric } = ctx;
  const title = `${input.scope}法治政府建设年度报告评分排名${input.review ? '（复核定稿）' : ''}`;
  const table = new TableWriter(book, { name: SHEETS.ranking, title, columns: columns(ctx) });
  const ranks = ctx.manyCounties ? wideRanks(ctx.facts) : null;
  const order = ranks ? wideOrder(ctx.facts, ranks) : ctx.facts.map((_, i) => i);
  let position = 0;
  for (const entry of ctx.entries(order)) await table.add(row(entry, ctx, ranks?.[order[position++]!] ?? null));
  const lastRow = table.nextRow - 1;
  table.filter();
  table.dataBar('total', rubric.max, lastRow);

  // The sign-off block: under the table, outside the autofilter, inside the print area. One row: a page break can
  // fall between rows but not inside one, so the signatures never land on a page of their own, apart from the notes
  // and check codes they sign for (before stop 22 the samples' block split so, its signature line alone on page 4).
  await table.note('');
  await table.note([...signOffNotes(ctx), '', SIGNATURES, ''].join('\n'));
  table.commit();
}

const SIGNATURES =
  '评审人（签字）：＿＿＿＿＿＿＿＿\u3000\u3000复核人（签字）：＿＿＿＿＿＿＿＿\u3000\u3000审定人（签字）：＿＿＿＿＿＿＿＿\u3000\u3000日期：\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日';

/** What the signatures sign for: the rubric and data check codes, how to read and review the table, what it leaves out. */
function signOffNotes(ctx: SheetContext): string[] {
  const { input, rubric } = ctx;
  const feedbackNote = ctx.feedback ? '各单位的得失分见“反馈-单位”表；' : '';
  const groups = [...new Set(ctx.facts.map((f) => f.rankGroup))];
  const notes = [
    `评分细则：${rubric.title}（版本 ${rubric.version}，校验码 ${input.rubric.sha256.slice(0, 12)}）\u3000数据校验码：${ctx.provenance.resultsDigest.slice(0, 12)}\u3000生成时间：${beijingTime(input.generatedAt)}`,
    input.review
      ? `本表为复核定稿：机器得分由系统根据报告原文评出，调整分和复核意见见“复核记录”表（来源：${input.review.workbook.split(/[\\/]/u).pop() ?? ''}）。`
      : `本表由系统根据报告原文自动评分，每项得分的原文依据见“评分依据”表，${feedbackNote}调整得分、确认或撤销待定事项请在“复核”表中填写，并注明理由和复核人。`,
    notRankedNote(input),
    groups.length > 1 ? `名次在各排名组内分别排定：${groups.map(rankGroupLabel).join('、')}。` : null,
    ctx.manyCounties
      ? `县内名次和等次在各县（区）的同一排名组内评定（并列的先后、等次名额均按县计算）；${WIDE_RANK_LABEL}把各县同一排名组的单位按最终得分统一排序，得分相同者名次并列，不另评等次。`
      : null,
    ctx.feedback
      ? null
      : `本工作簿共 ${ctx.facts.length} 个单位，超过 ${FEEDBACK_SHEET_LIMIT} 个，未逐一生成“反馈-单位”表；需要时请按县（区）分别导出排名工作簿，其中每个单位各有一张反馈表。`,
  ];
  return notes.filter((note): note is string => note !== null);
}

/**
 * What the ranking leaves out, on the page that is signed: files that failed, uploads still being processed or scored
 * with another rubric, uploads replaced by a later one of the same unit (each listed in 处理异常). Null when nothing.
 */
function notRankedNote(input: Pick<WorkbookInput, 'failures' | 'notRanked'>): string | null {
  const count = (kind: NonNullable<WorkbookInput['notRanked']>[number]['kind']) => (input.notRanked ?? []).filter((u) => u.kind === kind).length;
  const parts = [
    [input.failures.length, '个文件未能评分'],
    [count('processing'), '个文件导出排名时仍在处理中'],
    [count('other-rubric'), '个文件未用本评分细则评分'],
    [count('superseded'), '个文件已被本单位后来上传的文件取代'],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return said.length > 0 ? `未列入本表：${said.join('，')}（逐一见“${SHEETS.failures}”表）。` : null;
}
