import type ExcelJS from 'exceljs';
import type { WorkbookPayload, WorkbookProvenance } from '../../schemas/review.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { evidenceSheet } from './evidence.ts';
import { feedbackSheets } from './feedback.ts';
import { SHEETS } from './keys.ts';
import { failuresSheet, flagsSheet, rubricSheet } from './other-sheets.ts';
import { dataSheet, encodePayload, resultsDigest } from './provenance.ts';
import { rankingSheet } from './ranking.ts';
import { reviewLogSheet, reviewSheet } from './review-sheets.ts';
import { entriesOf, type SheetContext, type WorkbookInput } from './view.ts';

/**
 * The workbook an assessor prints, checks, adjusts and signs:
 *   排名        the ranking (printed and signed; 机器得分 · 调整分 · 最终得分 side by side)
 *   复核        the review form: 调整分 with 调整理由 and 复核人 per report, 确认/撤销 per pending item
 *   复核记录    (final workbook only) every change, who, why, when, from which workbook
 *   评分依据    every indicator with the sentences that earned it; 调整后得分 per indicator
 *   问题与预警  flags and pending items with evidence
 *   处理异常    files that could not be scored, and why
 *   评分细则    the rubric used, its version and check code
 *   反馈-<单位> one page (or more) per unit to hand to it: what earned and lost points, what to fix next year
 *   系统数据    (hidden) provenance and the machine results, so a reviewed copy can be checked and applied
 * Chinese throughout; printed sheets carry no internal ids or English; A4, fit to width, header row on every page.
 * Each sheet is written row by row by its own builder (see table.ts), in this order.
 */

export { displayWidth, FLAG_LABELS, penaltyFlagCodes } from './labels.ts';
export type { WorkbookInput, WorkbookReview } from './view.ts';

/** Scope from the results when the caller names none: the one county and year they share, else null. */
function scopeKeyOf(input: WorkbookInput): { county: string | null; year: number | null } {
  if (input.scopeKey) return input.scopeKey;
  const counties = new Set(input.results.map((r) => r.county));
  const years = new Set(input.results.map((r) => r.year));
  const only = <T>(set: Set<T | null>): T | null => (set.size === 1 ? ([...set][0] ?? null) : null);
  return { county: only(counties), year: only(years) };
}

function rubricRefs(results: readonly ScoreResult[], input: WorkbookInput): WorkbookProvenance['rubrics'] {
  const refs = new Map<string, WorkbookProvenance['rubrics'][number]>();
  const main = input.rubric;
  refs.set(main.sha256, { id: main.rubric.id, version: main.rubric.version, sha256: main.sha256 });
  for (const r of results) refs.set(r.rubric.sha256, r.rubric);
  return [...refs.values()];
}

export function provenanceOf(input: WorkbookInput): WorkbookProvenance {
  return {
    format: 1,
    kind: input.review ? 'final' : 'machine',
    scope: { label: input.scope, ...scopeKeyOf(input) },
    rubrics: rubricRefs(input.results, input),
    generatedAt: input.generatedAt,
    resultsDigest: resultsDigest(input.results),
    results: input.results.length,
  };
}

/** exceljs is loaded on first use: most of the export function's bundle, and only the export needs it. */
export async function buildWorkbook(input: WorkbookInput): Promise<ExcelJS.Workbook> {
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  workbook.creator = '法治政府建设年度报告评分系统';
  workbook.created = new Date(input.generatedAt);
  workbook.modified = new Date(input.generatedAt);
  workbook.title = `${input.scope}法治政府建设年度报告评分排名`;
  const provenance = provenanceOf(input);
  const ctx: SheetContext = { input, rubric: input.rubric.rubric, entries: entriesOf(input), provenance };
  rankingSheet(workbook, ctx);
  reviewSheet(workbook, ctx);
  reviewLogSheet(workbook, ctx);
  evidenceSheet(workbook, ctx);
  flagsSheet(workbook, ctx);
  failuresSheet(workbook, ctx);
  rubricSheet(workbook, ctx);
  feedbackSheets(workbook, ctx, new Set(Object.values(SHEETS)));
  const payload: WorkbookPayload = { results: [...input.results], failures: [...input.failures], rubrics: [input.rubric.rubric] };
  dataSheet(workbook, provenance, encodePayload(payload));
  return workbook;
}

export async function workbookBuffer(input: WorkbookInput): Promise<Buffer> {
  const data = await (await buildWorkbook(input)).xlsx.writeBuffer();
  return Buffer.from(data as ArrayBuffer);
}
