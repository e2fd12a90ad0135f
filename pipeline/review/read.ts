import type ExcelJS from 'exceljs';
import { WorkbookPayload, WorkbookProvenance } from '../../schemas/review.ts';
import { Rubric } from '../../schemas/rubric.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { parseRubric, type LoadedRubric } from '../score/rubric.ts';
import { SHEETS } from '../workbook/keys.ts';
import { DATA_LABELS, decodePayload, resultsDigest } from '../workbook/provenance.ts';

/**
 * Reading a reviewed workbook as Excel, WPS, LibreOffice or another library saved it: cells may come back as shared or
 * inline strings, rich text (a reviewer who bolded one word), formulas with cached results, hyperlinks, numbers typed
 * as text, full-width digits. Columns are found by their header text, rows by the hidden 行编号, so a sorted,
 * filtered or re-saved copy reads the same. A workbook that cannot be matched to the machine results that made it is
 * unusable as a whole (UnusableWorkbookError); row problems are the caller's to report row by row.
 */

/** The workbook cannot be reviewed at all: not an .xlsx, not ours, or its hidden data was changed. Exit code 2. */
export class UnusableWorkbookError extends Error {
  override readonly name = 'UnusableWorkbookError';
}

export type Cell = { kind: 'empty' } | { kind: 'number'; value: number } | { kind: 'text'; value: string };

const EMPTY: Cell = { kind: 'empty' };

/** Full-width digits, signs and point (what a Chinese input method types) to ASCII. */
const toAscii = (text: string): string =>
  text.replace(/[\uff10-\uff19\uff0b\uff0d\uff0e]/gu, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/[−–—]/gu, '-');

export function cellOf(value: ExcelJS.CellValue | undefined): Cell {
  if (value === null || value === undefined) return EMPTY;
  if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'text', value: String(value) };
  if (typeof value === 'string') return value.trim() === '' ? EMPTY : { kind: 'text', value: value.trim() };
  if (typeof value === 'boolean') return { kind: 'text', value: value ? 'TRUE' : 'FALSE' };
  if (value instanceof Date) return { kind: 'text', value: value.toISOString().slice(0, 10) };
  if ('richText' in value) return cellOf(value.richText.map((r) => r.text).join(''));
  if ('formula' in value || 'sharedFormula' in value) return cellOf((value as { result?: ExcelJS.CellValue }).result);
  if ('hyperlink' in value) return cellOf((value as { text?: ExcelJS.CellValue }).text);
  if ('error' in value) return { kind: 'text', value: String((value as { error: unknown }).error) };
  return { kind: 'text', value: JSON.stringify(value) };
}

export const cellText = (cell: Cell): string => (cell.kind === 'empty' ? '' : cell.kind === 'number' ? String(cell.value) : cell.value);

/** A number, a number typed as text ("2", "-1.5", "＋２"), or null when the cell holds anything else. */
export function cellNumber(cell: Cell): number | null {
  if (cell.kind === 'number') return cell.value;
  if (cell.kind !== 'text') return null;
  const text = toAscii(cell.value).replace(/\s+/gu, '');
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/u.test(text) ? Number(text) : null;
}

export interface SheetRow {
  /** As the spreadsheet program shows it. */
  number: number;
  cells: Map<string, Cell>;
}

export interface SheetTable {
  name: string;
  headers: Set<string>;
  rows: SheetRow[];
}

/** The header row's texts → rows of cells by header; merged-over cells read as empty (notes under a table). */
function readTable(sheet: ExcelJS.Worksheet): SheetTable {
  const columns = new Map<number, string>();
  sheet.getRow(1).eachCell({ includeEmpty: false }, (cell, column) => {
    const text = cellText(cellOf(cell.value)).replace(/\s+/gu, '');
    if (text) columns.set(column, text);
  });
  const rows: SheetRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    if (number === 1) return;
    const cells = new Map<string, Cell>();
    for (const [column, header] of columns) {
      const cell = row.getCell(column);
      cells.set(header, cell.isMerged && cell.master !== cell ? EMPTY : cellOf(cell.value));
    }
    rows.push({ number, cells });
  });
  return { name: sheet.name, headers: new Set(columns.values()), rows };
}

export interface ReviewedWorkbook {
  provenance: WorkbookProvenance;
  results: ScoreResult[];
  failures: WorkbookPayload['failures'];
  notRanked: NonNullable<WorkbookPayload['notRanked']>;
  rubrics: LoadedRubric[];
  tables: { review: SheetTable; evidence: SheetTable | null; ranking: SheetTable | null };
}

/**
 * The rubrics the workbook carries, as this version of the system reads rubrics. A workbook written by an earlier
 * version can carry a rubric in a format this one no longer accepts: that is a workbook to export again, not a bug.
 */
function carriedRubrics(rubrics: readonly unknown[]): LoadedRubric[] {
  return rubrics.map((raw, i) => {
    const parsed = Rubric.safeParse(raw);
    if (!parsed.success) {
      const what = typeof raw === 'object' && raw !== null && 'id' in raw && 'version' in raw ? `${String(raw.id)} ${String(raw.version)}` : `第 ${i + 1} 份`;
      throw new UnusableWorkbookError(
        `工作簿携带的评分细则（${what}）是本系统早先版本的格式，现已无法读取，不能用于复核。请用当前系统重新导出工作簿，再把复核内容填入新工作簿。`,
      );
    }
    return parseRubric(parsed.data, `${SHEETS.data}#${i}`);
  });
}

function dataOf(workbook: ExcelJS.Workbook): { provenance: WorkbookProvenance; payload: WorkbookPayload; rubrics: LoadedRubric[] } {
  const sheet = workbook.getWorksheet(SHEETS.data);
  if (!sheet) throw new UnusableWorkbookError(`找不到隐藏的“${SHEETS.data}”表：这不是本系统生成的工作簿，或另存时丢失了该表。请用系统导出的工作簿填写复核。`);
  let provenanceText = '';
  const chunks: { index: number; text: string }[] = [];
  sheet.eachRow((row) => {
    const label = cellText(cellOf(row.getCell(1).value));
    const value = cellText(cellOf(row.getCell(2).value));
    if (label === DATA_LABELS.provenance) provenanceText = value;
    const part = new RegExp(`^${DATA_LABELS.data}\\s*(\\d+)/(\\d+)$`, 'u').exec(label);
    if (part) chunks.push({ index: Number(part[1]), text: value });
  });
  const changed = `“${SHEETS.data}”表被改动或损坏`;
  let provenance: WorkbookProvenance;
  try {
    provenance = WorkbookProvenance.parse(JSON.parse(provenanceText));
  } catch {
    throw new UnusableWorkbookError(`${changed}（来源信息无法读取），不能用于复核。请重新导出工作簿。`);
  }
  let payload: WorkbookPayload;
  let raw: unknown;
  try {
    raw = decodePayload(chunks.sort((a, b) => a.index - b.index).map((c) => c.text));
    payload = WorkbookPayload.parse(raw);
  } catch {
    throw new UnusableWorkbookError(`${changed}（评分数据无法读取），不能用于复核。请重新导出工作簿。`);
  }
  // The digest of what was carried, computed as the writer did: a mismatch means the hidden data was edited.
  if (resultsDigest((raw as { results: ScoreResult[] }).results) !== provenance.resultsDigest || payload.results.length !== provenance.results) {
    throw new UnusableWorkbookError(`${changed}（评分数据与校验码不符），不能用于复核。请重新导出工作簿。`);
  }
  return { provenance, payload, rubrics: carriedRubrics(payload.rubrics) };
}

export async function readReviewedWorkbook(bytes: Uint8Array): Promise<ReviewedWorkbook> {
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  } catch (error) {
    throw new UnusableWorkbookError(
      `不是可以读取的 Excel 工作簿（.xlsx）：${(error as Error).message}。请在 Excel 或 WPS 中另存为“Excel 工作簿（*.xlsx）”后再试。`,
    );
  }
  const { provenance, payload, rubrics } = dataOf(workbook);
  const review = workbook.getWorksheet(SHEETS.review);
  if (!review) throw new UnusableWorkbookError(`找不到“${SHEETS.review}”表：复核须在该表中填写。请用系统导出的工作簿。`);
  const evidence = workbook.getWorksheet(SHEETS.evidence);
  const ranking = workbook.getWorksheet(SHEETS.ranking);
  return {
    provenance,
    results: payload.results,
    failures: payload.failures,
    notRanked: payload.notRanked ?? [],
    rubrics,
    tables: { review: readTable(review), evidence: evidence ? readTable(evidence) : null, ranking: ranking ? readTable(ranking) : null },
  };
}
