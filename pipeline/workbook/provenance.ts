import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type ExcelJS from 'exceljs';
import type { WorkbookPayload, WorkbookProvenance } from '../../schemas/review.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { canonicalJson } from '../score/rubric.ts';
import { SHEETS } from './keys.ts';

/**
 * The hidden 系统数据 sheet: the workbook's provenance (scope, rubrics, a digest of the machine results) and the machine
 * results themselves, gzip-compressed and base64-encoded in cells. A reviewed copy is therefore self-contained: the
 * review needs nothing but the file to know what the machine said, and the digest tells whether that is still what
 * the pipeline holds (and whether anyone edited the hidden data).
 *
 * Layout (column A a label, column B the value; one row each, written in order, so a streaming writer can do it):
 *   row 1  说明      a warning not to edit
 *   row 2  来源信息  the provenance as JSON
 *   row 3… 数据 i/n  the payload, base64, in pieces below Excel's 32,767-character cell limit
 */

/** Characters of base64 per cell: under Excel's 32,767 limit with room to spare for programs that count differently. */
export const PAYLOAD_CHUNK = 30_000;

export const digestOf = (value: unknown): string => createHash('sha256').update(canonicalJson(value)).digest('hex');

/** The digest of a set of machine results: what a reviewed workbook is matched against. */
export const resultsDigest = (results: readonly ScoreResult[]): string => digestOf(results);

export function encodePayload(payload: WorkbookPayload): string[] {
  // gzip with a zero mtime (zlib's default): the same payload gives the same bytes.
  const text = gzipSync(Buffer.from(JSON.stringify(payload), 'utf8'), { level: 9 }).toString('base64');
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += PAYLOAD_CHUNK) chunks.push(text.slice(i, i + PAYLOAD_CHUNK));
  return chunks.length > 0 ? chunks : [''];
}

/** Throws on bad base64/gzip/JSON; the caller turns that into a message for the assessor. */
export function decodePayload(chunks: readonly string[]): unknown {
  const bytes = Buffer.from(chunks.join('').replace(/\s+/gu, ''), 'base64');
  return JSON.parse(gunzipSync(bytes).toString('utf8'));
}

export const DATA_LABELS = { note: '说明', provenance: '来源信息', data: '数据' } as const;

export function dataSheet(workbook: ExcelJS.Workbook, provenance: WorkbookProvenance, chunks: readonly string[]): void {
  // Hidden (not "very hidden"): every spreadsheet program keeps a hidden sheet when it saves.
  const sheet = workbook.addWorksheet(SHEETS.data, { state: 'hidden' });
  sheet.columns = [{ width: 10 }, { width: 80 }];
  sheet.addRow([DATA_LABELS.note, '本表供系统核对复核工作簿使用，请勿修改或删除；修改后工作簿将不能用于复核。']);
  sheet.addRow([DATA_LABELS.provenance, JSON.stringify(provenance)]);
  chunks.forEach((chunk, i) => sheet.addRow([`${DATA_LABELS.data} ${i + 1}/${chunks.length}`, chunk]));
}
