import type ExcelJS from 'exceljs';
import { PART_LABELS, UNIT_KIND_LABELS } from '../../schemas/report.ts';
import type { Failure } from '../../schemas/failure.ts';
import type { Evidence, Flag, ScoreResult } from '../../schemas/score.ts';
import { rankGroupLabel } from '../rank/index.ts';
import type { LoadedRubric } from '../score/rubric.ts';

/**
 * The workbook an assessor prints, sorts, checks and signs: 排名 (the ranking), 评分依据 (every indicator with the
 * sentences that earned it), 问题与预警 (flags with evidence), 处理异常 (files that could not be scored, and why),
 * 评分细则 (the rubric used, its version and hash). Chinese throughout; every sheet has a frozen header row, an
 * autofilter, widths that fit Chinese text, and prints landscape, fit to width, with the header row on every page.
 */

export interface WorkbookInput {
  results: readonly ScoreResult[];
  failures: readonly Failure[];
  rubric: LoadedRubric;
  /** E.g. "临澜县 2024年度": shown in titles and page headers. */
  scope: string;
  /** When the ranking was made (ISO); passed in, not read from a clock, so the same input gives the same workbook. */
  generatedAt: string;
}

/** Chinese names of the flags, shared by the workbook and the CLI's ranking table. */
export const FLAG_LABELS: Record<Flag['code'], string> = {
  'missing-part': '缺少法定内容',
  'inconsistent-figures': '数据矛盾',
  'similar-to': '内容雷同',
  late: '逾期报送',
  'no-figures': '缺少数据',
  boilerplate: '套话多',
  'template-leftover': '模板残留',
  'wrong-year': '年份错误',
  perfunctory: '查摆流于形式',
  'keyword-stuffing': '堆砌关键词',
  'meta-missing': '信息缺失',
  'meta-mismatch': '信息不符',
  'duplicate-township': '重复报送',
  veto: '一票否优',
};
const SEVERITY_LABELS: Record<Flag['severity'], string> = { error: '严重', warning: '注意', info: '提示' };
const VERIFIED_LABELS = { V: '已核对原文', P: '部分核对', U: '未核对原文' } as const;

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDCE6F1' } };
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin', color: { argb: 'FFB7B7B7' } },
  left: { style: 'thin', color: { argb: 'FFB7B7B7' } },
  bottom: { style: 'thin', color: { argb: 'FFB7B7B7' } },
  right: { style: 'thin', color: { argb: 'FFB7B7B7' } },
};
const FONT = 'SimSun';

/** Display width of text in Excel's character units: a Chinese character is about two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += /[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]/u.test(char) ? 2 : 1;
  return width;
}

interface ColumnSpec {
  header: string;
  key: string;
  /** Maximum width; long text wraps instead. */
  max: number;
  min?: number;
  wrap?: boolean;
  numFmt?: string;
}

function addTable(workbook: ExcelJS.Workbook, name: string, columns: readonly ColumnSpec[], rows: readonly Record<string, unknown>[], pageTitle: string): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }],
    pageSetup: {
      orientation: 'landscape',
      paperSize: 9, // A4
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '1:1',
      horizontalCentered: true,
      margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    },
    headerFooter: {
      oddHeader: `&C&"${FONT},Bold"${pageTitle}`,
      oddFooter: '&L&8Fazhi Score 生成，须经评审人员核对&C第 &P 页，共 &N 页&R&8&D',
    },
  });
  sheet.columns = columns.map((c) => ({ header: c.header, key: c.key }));
  for (const row of rows) sheet.addRow(row);
  const header = sheet.getRow(1);
  header.font = { name: FONT, bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
  columns.forEach((column, i) => {
    const excelColumn = sheet.getColumn(i + 1);
    let width = displayWidth(column.header);
    for (const row of rows) {
      const value = row[column.key];
      const text = value === null || value === undefined ? '' : String(value);
      for (const line of text.split('\n')) width = Math.max(width, displayWidth(line));
    }
    excelColumn.width = Math.max(column.min ?? 6, Math.min(column.max, width + 2));
    excelColumn.alignment = { vertical: 'top', wrapText: column.wrap ?? false };
    if (column.numFmt) excelColumn.numFmt = column.numFmt;
  });
  // Rows as tall as their most wrapped cell: not every spreadsheet program sizes wrapped rows itself, and a
  // printout must not cut off evidence.
  const linesIn = (text: string, column: number): number => {
    const width = Math.max(1, (sheet.getColumn(column).width ?? 10) - 1);
    return text.split('\n').reduce((sum, line) => sum + Math.max(1, Math.ceil(displayWidth(line) / width)), 0);
  };
  header.height = 6 + 14 * Math.max(1, ...columns.map((c, i) => linesIn(c.header, i + 1)));
  rows.forEach((row, r) => {
    const lines = Math.max(1, ...columns.map((c, i) => (c.wrap ? linesIn(String(row[c.key] ?? ''), i + 1) : 1)));
    if (lines > 1) sheet.getRow(r + 2).height = Math.min(409, 4 + 14 * lines);
  });
  sheet.eachRow((row, index) => {
    row.eachCell({ includeEmpty: true }, (cell) => {
      cell.border = THIN;
      if (index === 1) cell.fill = HEADER_FILL;
      else cell.font = { name: FONT, size: 10 };
    });
  });
  if (rows.length > 0 || columns.length > 0) {
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, rows.length + 1), column: columns.length } };
  }
  return sheet;
}

const quote = (e: Evidence): string => `【${e.section || PART_LABELS[e.part ?? 'other']}】${e.text}`;
const flagSummary = (flags: readonly Flag[]): string =>
  [...new Set(flags.filter((f) => f.severity !== 'info').map((f) => (f.code === 'missing-part' && f.part ? `缺“${PART_LABELS[f.part]}”` : FLAG_LABELS[f.code])))].join('、');

function rankingSheet(workbook: ExcelJS.Workbook, input: WorkbookInput): void {
  const dimensions = input.rubric.rubric.dimensions;
  // The printed page holds what an assessor signs off (up to 评审意见); the columns after it are for sorting and
  // checking on screen and fall outside the print area, so the page stays legible on A4 landscape.
  const columns: ColumnSpec[] = [
    { header: '排名组', key: 'group', max: 12 },
    { header: '年度', key: 'year', max: 6 },
    { header: '名次', key: 'rank', max: 6 },
    { header: '单位', key: 'unit', max: 14 },
    { header: '总分', key: 'total', max: 8, numFmt: '0.00' },
    { header: '等次', key: 'grade', max: 8 },
    ...dimensions.map((d) => ({ header: `${d.id} ${d.name}（${d.max}）`, key: d.id, max: 9, min: 9, wrap: true, numFmt: '0.00' })),
    { header: `加分（≤${input.rubric.rubric.bonus.max}）`, key: 'bonus', max: 10, numFmt: '0.00' },
    { header: '扣分', key: 'deducted', max: 7, numFmt: '0.00' },
    { header: '问题标记', key: 'flags', max: 24, wrap: true },
    { header: '评审意见', key: 'review', max: 18, min: 16, wrap: true },
    { header: '类别', key: 'kind', max: 8 },
    { header: '县（区）', key: 'county', max: 10 },
    { header: '上年安排落实', key: 'followThrough', max: 12 },
    { header: '名次说明', key: 'rankNote', max: 30, wrap: true },
    { header: '来源文件', key: 'source', max: 30, wrap: true },
  ];
  const rows = input.results.map((r) => ({
    group: rankGroupLabel(r.rankGroup),
    rank: r.rank,
    unit: r.township ?? '（未识别）',
    kind: r.unitKind ? UNIT_KIND_LABELS[r.unitKind] : '',
    county: r.county ?? '',
    year: r.year,
    total: r.total,
    grade: r.grade,
    ...Object.fromEntries(r.dimensions.map((d) => [d.id, d.score])),
    bonus: r.bonus.score,
    deducted: Math.round(r.penalties.reduce((s, p) => s + p.points, 0) * 100) / 100,
    flags: flagSummary(r.flags),
    followThrough: r.followThrough ? `${r.followThrough.done}/${r.followThrough.planned}` : '',
    rankNote: r.rankNote ?? '',
    source: r.source,
    review: '',
  }));
  const sheet = addTable(workbook, '排名', columns, rows, `${input.scope}法治政府建设年度报告评分排名`);
  const totalColumn = columns.findIndex((c) => c.key === 'total') + 1;
  if (rows.length > 0) {
    const letter = sheet.getColumn(totalColumn).letter;
    sheet.addConditionalFormatting({
      ref: `${letter}2:${letter}${rows.length + 1}`,
      rules: [{ type: 'dataBar', priority: 1, cfvo: [{ type: 'num', value: 0 }, { type: 'num', value: input.rubric.rubric.max }], color: { argb: 'FF7FA7D8' } } as ExcelJS.DataBarRuleType],
    });
  }
  // Sign-off lines under the table, outside the autofilter range, so the printed ranking can be signed.
  sheet.addRow([]);
  const rubric = input.rubric.rubric;
  sheet.addRow([`评分细则：${rubric.title}（${rubric.id} 版本 ${rubric.version}，SHA-256 ${input.rubric.sha256.slice(0, 12)}…）；生成时间：${input.generatedAt}`]);
  sheet.addRow(['本表由系统根据报告原文自动评分，每项得分的原文依据见“评分依据”表；结果须经评审人员核对确认。']);
  sheet.addRow([]);
  sheet.addRow(['评审人（签字）：', '', '', '', '复核人（签字）：', '', '', '', '日期：']);
  const lastPrinted = sheet.getColumn(columns.findIndex((c) => c.key === 'review') + 1).letter;
  // exceljs prefixes each part with "$" before the column only; "A$1" makes it the fully absolute $A$1 that
  // LibreOffice (and strict readers) require.
  sheet.pageSetup.printArea = `A$1:${lastPrinted}$${sheet.rowCount}`;
}

function evidenceSheet(workbook: ExcelJS.Workbook, input: WorkbookInput): void {
  const columns: ColumnSpec[] = [
    { header: '名次', key: 'rank', max: 6 },
    { header: '单位', key: 'unit', max: 14 },
    { header: '维度', key: 'dimension', max: 18, wrap: true },
    { header: '指标', key: 'indicator', max: 22, wrap: true },
    { header: '得分', key: 'score', max: 7, numFmt: '0.00' },
    { header: '满分', key: 'max', max: 7, numFmt: '0.00' },
    { header: '评分说明', key: 'note', max: 36, wrap: true },
    { header: '原文依据', key: 'evidence', max: 70, wrap: true },
    { header: '原文位置（字符）', key: 'offset', max: 12, wrap: true },
    { header: '核对', key: 'check', max: 8, min: 8 },
  ];
  const rows: Record<string, unknown>[] = [];
  for (const r of input.results) {
    const unit = r.township ?? r.source;
    for (const d of r.dimensions) {
      for (const i of d.indicators) {
        rows.push({ rank: r.rank, unit, dimension: `${d.id} ${d.name}`, indicator: `${i.id} ${i.name}`, score: i.score, max: i.max, note: i.note, evidence: i.evidence.map(quote).join('\n'), offset: i.evidence.map((e) => e.offset).join('、'), check: '' });
      }
    }
    for (const i of r.bonus.indicators) {
      rows.push({ rank: r.rank, unit, dimension: '加分项', indicator: `${i.id} ${i.name}`, score: i.score, max: i.max, note: i.note, evidence: i.evidence.map(quote).join('\n'), offset: i.evidence.map((e) => e.offset).join('、'), check: '' });
    }
    for (const p of r.penalties) {
      if (p.points === 0) continue;
      rows.push({ rank: r.rank, unit, dimension: '扣分项', indicator: `${p.id} ${p.name}`, score: -p.points, max: -p.max, note: p.note, evidence: p.evidence.map(quote).join('\n'), offset: p.evidence.map((e) => e.offset).join('、'), check: '' });
    }
  }
  addTable(workbook, '评分依据', columns, rows, `${input.scope}评分依据（逐项得分与原文）`);
}

function flagsSheet(workbook: ExcelJS.Workbook, input: WorkbookInput): void {
  const columns: ColumnSpec[] = [
    { header: '单位', key: 'unit', max: 14 },
    { header: '问题', key: 'code', max: 12 },
    { header: '程度', key: 'severity', max: 6 },
    { header: '说明', key: 'message', max: 50, wrap: true },
    { header: '相关报告', key: 'other', max: 30, wrap: true },
    { header: '相似度', key: 'similarity', max: 8, numFmt: '0%' },
    { header: '原文依据', key: 'evidence', max: 70, wrap: true },
  ];
  const rows = input.results.flatMap((r) =>
    r.flags.map((f) => ({
      unit: r.township ?? r.source,
      code: FLAG_LABELS[f.code],
      severity: SEVERITY_LABELS[f.severity],
      message: f.message,
      other: f.other ?? '',
      similarity: f.similarity ?? null,
      evidence: (f.evidence ?? []).map(quote).join('\n'),
    })),
  );
  addTable(workbook, '问题与预警', columns, rows, `${input.scope}问题与预警`);
}

function failuresSheet(workbook: ExcelJS.Workbook, input: WorkbookInput): void {
  const columns: ColumnSpec[] = [
    { header: '文件', key: 'source', max: 40, wrap: true },
    { header: '原因代码', key: 'code', max: 16 },
    { header: '说明（请据此处理后重新上传）', key: 'message', max: 60, wrap: true },
    { header: 'Reason (English)', key: 'messageEn', max: 50, wrap: true },
  ];
  const rows = input.failures.map((f) => ({ source: f.source, code: f.code, message: f.message, messageEn: f.messageEn ?? '' }));
  addTable(workbook, '处理异常', columns, rows, `${input.scope}未能评分的文件`);
}

function rubricSheet(workbook: ExcelJS.Workbook, input: WorkbookInput): void {
  const rubric = input.rubric.rubric;
  const columns: ColumnSpec[] = [
    { header: '维度', key: 'dimension', max: 22, wrap: true },
    { header: '维度满分', key: 'dimensionMax', max: 8 },
    { header: '指标', key: 'indicator', max: 28, wrap: true },
    { header: '分值', key: 'max', max: 6 },
    { header: '规则', key: 'rule', max: 14 },
    { header: '依据文件', key: 'doc', max: 40, wrap: true },
    { header: '条款', key: 'clause', max: 36, wrap: true },
    { header: '依据核对', key: 'verified', max: 10 },
    { header: '是否启用', key: 'enabled', max: 8 },
  ];
  const rows: Record<string, unknown>[] = [];
  for (const d of rubric.dimensions) {
    for (const i of d.indicators) {
      rows.push({ dimension: `${d.id} ${d.name}`, dimensionMax: d.max, indicator: `${i.id} ${i.name}`, max: i.max, rule: i.rule.kind, doc: i.source.doc, clause: i.source.clause ?? '', verified: VERIFIED_LABELS[i.source.verified], enabled: i.enabled ? '是' : '否' });
    }
  }
  for (const p of rubric.penalties) {
    rows.push({ dimension: '扣分项', dimensionMax: '', indicator: `${p.id} ${p.name}`, max: -p.max, rule: p.rule.kind, doc: p.source.doc, clause: p.source.clause ?? '', verified: VERIFIED_LABELS[p.source.verified], enabled: p.enabled ? '是' : '否' });
  }
  for (const i of rubric.bonus.indicators) {
    rows.push({ dimension: `加分项（合计≤${rubric.bonus.max}）`, dimensionMax: '', indicator: `${i.id} ${i.name}`, max: i.max, rule: i.rule.kind, doc: i.source.doc, clause: i.source.clause ?? '', verified: VERIFIED_LABELS[i.source.verified], enabled: i.enabled ? '是' : '否' });
  }
  const sheet = addTable(workbook, '评分细则', columns, rows, `评分细则 ${rubric.id} 版本 ${rubric.version}`);
  sheet.addRow([]);
  const grading = rubric.grading;
  const lines = [
    `名称：${rubric.title}`,
    `编号：${rubric.id}\u3000版本：${rubric.version}\u3000总分：${rubric.max}`,
    `SHA-256：${input.rubric.sha256}`,
    `等次：${grading.mode === 'quota' ? '名额制' : '分数段'}；${grading.bands.map((b) => `${b.grade} ≥ ${b.min}`).join('，')}${grading.quotas.length ? `；名额：${grading.quotas.map((q) => `${q.grade} ≤ ${Math.round(q.maxShare * 100)}%`).join('，')}` : ''}`,
    ...rubric.notes.map((n, i) => `说明 ${i + 1}：${n}`),
  ];
  for (const line of lines) {
    const row = sheet.addRow([line]);
    sheet.mergeCells(row.number, 1, row.number, columns.length);
    row.getCell(1).alignment = { wrapText: true, vertical: 'top' };
    row.height = Math.max(18, Math.ceil(displayWidth(line) / 180) * 16);
  }
}

/** exceljs is loaded on first use: most of the export function's bundle, and only the export needs it. */
export async function buildWorkbook(input: WorkbookInput): Promise<ExcelJS.Workbook> {
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  workbook.creator = 'Fazhi Score';
  workbook.created = new Date(input.generatedAt);
  workbook.modified = new Date(input.generatedAt);
  workbook.title = `${input.scope}法治政府建设年度报告评分排名`;
  rankingSheet(workbook, input);
  evidenceSheet(workbook, input);
  flagsSheet(workbook, input);
  failuresSheet(workbook, input);
  rubricSheet(workbook, input);
  return workbook;
}

export async function workbookBuffer(input: WorkbookInput): Promise<Buffer> {
  const data = await (await buildWorkbook(input)).xlsx.writeBuffer();
  return Buffer.from(data as ArrayBuffer);
}
