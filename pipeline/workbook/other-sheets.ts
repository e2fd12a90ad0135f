import type { NotRanked } from '../../schemas/review.ts';
import type { Indicator, Penalty, Rubric } from '../../schemas/rubric.ts';
import type { Book } from './book.ts';
import { COLUMNS, SHEETS } from './keys.ts';
import {
  englishLeft,
  fileName,
  FLAG_LABELS,
  PENALTY_RULE_LABELS,
  printable,
  quote,
  RULE_LABELS,
  SEVERITY_LABELS,
  unitName,
  VERIFIED_LABELS,
} from './labels.ts';
import { TableWriter, type ColumnSpec } from './table.ts';
import { otherName, pendingLabel, type SheetContext } from './view.ts';

/** 问题与预警 (flags with evidence), 处理异常 (files that could not be scored or are not ranked), 评分细则 (the rubric used). */

const FLAG_COLUMNS: ColumnSpec[] = [
  { header: COLUMNS.unit, key: 'unit', width: 9, wrap: true },
  { header: '问题', key: 'code', width: 9, wrap: true },
  { header: '程度', key: 'severity', width: 5 },
  { header: '说明', key: 'message', width: 40, wrap: true },
  { header: '相关报告', key: 'other', width: 9, wrap: true },
  { header: '相似度', key: 'similarity', width: 6, numFmt: '0%' },
  { header: '原文依据（【位置】原文）', key: 'evidence', width: 52, wrap: true },
  { header: '相关文件', key: 'otherSource', width: 30, print: false },
  { header: '问题代码', key: 'codeId', width: 16, print: false },
];

export async function flagsSheet(book: Book, ctx: SheetContext): Promise<void> {
  const table = new TableWriter(book, { name: SHEETS.flags, title: `${ctx.input.scope}问题与预警`, columns: FLAG_COLUMNS });
  const units = ctx.units;
  for (const { shown, machine } of ctx.entries()) {
    for (const f of shown.flags) {
      await table.add({
        unit: unitName(shown),
        code: FLAG_LABELS[f.code],
        severity: SEVERITY_LABELS[f.severity],
        message: printable(f.message, ctx.rubric),
        other: otherName(f.other, units),
        similarity: f.similarity ?? null,
        evidence: (f.evidence ?? []).map(quote).join('\n'),
        otherSource: f.other ?? '',
        codeId: f.code,
      });
    }
    for (const p of machine.pending ?? []) {
      await table.add({
        unit: unitName(machine),
        code: '待复核',
        severity: SEVERITY_LABELS.warning,
        message: `${pendingLabel(p, ctx.rubric)}：${printable(p.message, ctx.rubric)}`,
        other: otherName(p.other, units),
        similarity: null,
        evidence: (p.evidence ?? []).map(quote).join('\n'),
        otherSource: p.other ?? '',
        codeId: p.kind,
      });
    }
  }
  table.filter();
  table.commit();
}

const FAILURE_COLUMNS: ColumnSpec[] = [
  { header: '文件', key: 'file', width: 36, wrap: true },
  { header: '原因及处理办法', key: 'message', width: 90, wrap: true },
  { header: '上传位置', key: 'source', width: 40, print: false },
  { header: '原因代码', key: 'code', width: 16, print: false },
  { header: '英文说明', key: 'messageEn', width: 50, print: false },
];

/** Files that could not be scored, then uploads the ranking leaves out for another reason (WorkbookInput.notRanked). */
export async function failuresSheet(book: Book, ctx: SheetContext): Promise<void> {
  const title = `${ctx.input.scope}未能评分${ctx.input.notRanked?.length ? '或未列入排名' : ''}的文件`;
  const table = new TableWriter(book, { name: SHEETS.failures, title, columns: FAILURE_COLUMNS });
  for (const f of ctx.input.failures)
    await table.add({ file: fileName(f.source), message: f.message, source: f.source, code: f.code, messageEn: f.messageEn ?? '' });
  for (const upload of ctx.input.notRanked ?? []) {
    const { message, messageEn } = notRankedReason(upload, ctx.rubric);
    await table.add({ file: fileName(upload.source), message, source: upload.source, code: upload.kind, messageEn });
  }
  table.filter();
  table.commit();
}

const PROCESSING_STATUS: Record<Extract<NotRanked, { kind: 'processing' }>['status'], string> = { received: '已接收，等待解析', parsed: '已解析，等待评分' };

function notRankedReason(upload: NotRanked, rubric: Rubric): { message: string; messageEn: string } {
  switch (upload.kind) {
    case 'processing':
      return {
        message: `导出排名时仍在处理中（${PROCESSING_STATUS[upload.status]}），未列入排名。处理完成后请重新导出工作簿。`,
        messageEn: `still being processed (${upload.status}) when the ranking was made; export again once it is scored`,
      };
    case 'other-rubric':
      return {
        message: `已评分，但没有用本工作簿的评分细则（${rubric.id} ${rubric.version}）评分，未列入排名。请用该细则重新评分（fazhi rescore）后再导出。`,
        messageEn: `scored, but not with ${rubric.id}@${rubric.version}; rescore with it and export again`,
      };
    case 'superseded':
      return {
        message: `本单位后来又上传了“${fileName(upload.by)}”，排名以后上传的为准；此文件未参与排名，原文件仍保存。`,
        messageEn: `replaced by the unit's later upload ${upload.by}, which is ranked instead; the original is kept`,
      };
  }
}

const RUBRIC_COLUMNS: ColumnSpec[] = [
  { header: '方面', key: 'dimension', width: 14, wrap: true },
  { header: '方面满分', key: 'dimensionMax', width: 5, wrap: true },
  { header: '指标', key: 'indicator', width: 20, wrap: true },
  { header: '分值', key: 'max', width: 5, numFmt: '0.##' },
  { header: '评分方式', key: 'rule', width: 11, wrap: true },
  { header: '依据文件', key: 'doc', width: 30, wrap: true },
  { header: '条款', key: 'clause', width: 30, wrap: true },
  { header: '依据核对', key: 'verified', width: 8, wrap: true },
  { header: '是否启用', key: 'enabled', width: 5, wrap: true },
  { header: '指标编号', key: 'id', width: 22, print: false },
  { header: '规则类型', key: 'kind', width: 16, print: false },
];

const STRICT = { files: false } as const;

/** A rubric note fit to print: sentences still carrying English (editing hints with JSON) stay in the file only. */
function printableNote(note: string, ctx: SheetContext): string {
  // Asides in brackets that name machinery ("（S3 对象元数据、随附的 .json 文件）") go first, then whole sentences.
  const text = printable(note, ctx.rubric).replace(/（[^（）]*）/gu, (aside) => (englishLeft(aside, STRICT).length > 0 ? '' : aside));
  if (englishLeft(text, STRICT).length === 0) return text;
  return text
    .split(/(?<=。)/u)
    .filter((sentence) => englishLeft(sentence, STRICT).length === 0)
    .join('');
}

export async function rubricSheet(book: Book, ctx: SheetContext): Promise<void> {
  const loaded = ctx.input.rubric;
  const rubric = loaded.rubric;
  const table = new TableWriter(book, { name: SHEETS.rubric, title: `评分细则 ${rubric.title}（版本 ${rubric.version}）`, columns: RUBRIC_COLUMNS });
  const p = (text: string | undefined): string => printable(text ?? '', rubric);
  /** One row of the sheet: an indicator or penalty under its dimension (the points a penalty takes are negative). */
  const row = (dimension: string, dimensionMax: number | null, item: Indicator | Penalty, rule: string, max: number) =>
    table.add({
      dimension,
      dimensionMax,
      indicator: item.name,
      max,
      rule,
      doc: p(item.source.doc),
      clause: p(item.source.clause),
      verified: VERIFIED_LABELS[item.source.verified],
      enabled: item.enabled ? '是' : '否',
      id: item.id,
      kind: item.rule.kind,
    });
  for (const d of rubric.dimensions) for (const i of d.indicators) await row(d.name, d.max, i, RULE_LABELS[i.rule.kind], i.max);
  for (const x of rubric.penalties) await row('扣分项', null, x, PENALTY_RULE_LABELS[x.rule.kind], -x.max);
  for (const i of rubric.bonus.indicators) await row(`加分项（合计≤${rubric.bonus.max}）`, null, i, RULE_LABELS[i.rule.kind], i.max);
  table.filter();
  await table.note('');
  const grading = rubric.grading;
  const lines = [
    `名称：${rubric.title}\u3000版本：${rubric.version}\u3000总分：${rubric.max}\u3000校验码：${loaded.sha256}`,
    `等次：${grading.mode === 'quota' ? '名额制' : '分数段'}；${grading.bands.map((b) => `${b.grade} ≥ ${b.min}`).join('，')}${grading.quotas.length ? `；名额：${grading.quotas.map((q) => `${q.grade} ≤ ${Math.round(q.maxShare * 100)}%`).join('，')}` : ''}`,
    ...rubric.notes
      .map((n) => printableNote(n, ctx))
      .filter((n) => n !== '')
      .map((n, i) => `说明 ${i + 1}：${n}`),
  ];
  for (const line of lines) await table.note(line);
  table.commit();
}
