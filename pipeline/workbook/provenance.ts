import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createGzip, gunzipSync } from 'node:zlib';
import type { Failure } from '../../schemas/failure.ts';
import type { NotRanked, WorkbookProvenance } from '../../schemas/review.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { canonicalJson } from '../score/rubric.ts';
import type { Book } from './book.ts';
import { SHEETS } from './keys.ts';
import { ResultsDigest, type ResultSource } from './results.ts';

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
 *
 * The payload is `{"results":[…],"failures":[…],"rubrics":[…]}` (WorkbookPayload), compressed as it is serialised, one
 * result at a time, so a 10,000-report workbook never holds its JSON (≈ 290 MB) as one string; only the compressed
 * bytes are held until the sheet is written (it is the last).
 */

/** Characters of base64 per cell: under Excel's 32,767 limit with room to spare for programs that count differently. */
export const PAYLOAD_CHUNK = 30_000;
/** Bytes per cell: PAYLOAD_CHUNK base64 characters (a multiple of 3, so each cell's base64 stands alone). */
const PAYLOAD_CHUNK_BYTES = (PAYLOAD_CHUNK / 4) * 3;
/** zlib level 6 (its default): level 9 costs about twice the time for ≈ 3 % fewer bytes on this JSON. */
const PAYLOAD_GZIP_LEVEL = 6;

export const digestOf = (value: unknown): string => createHash('sha256').update(canonicalJson(value)).digest('hex');

/** The digest of a set of machine results: what a reviewed workbook is matched against. */
export function resultsDigest(results: readonly ScoreResult[]): string {
  const digest = new ResultsDigest();
  for (const result of results) digest.add(result);
  return digest.digest();
}

/** The payload, gzip-compressed as it is serialised: the compressed bytes, in pieces as zlib gave them. */
export async function compressPayload(
  results: ResultSource,
  failures: readonly Failure[],
  rubrics: readonly unknown[],
  notRanked: readonly NotRanked[] = [],
): Promise<Buffer[]> {
  // gzip with a zero mtime (zlib's default): the same payload gives the same bytes.
  const gzip = createGzip({ level: PAYLOAD_GZIP_LEVEL });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = once(gzip, 'end');
  const write = async (text: string): Promise<void> => {
    if (!gzip.write(text, 'utf8')) await once(gzip, 'drain');
  };
  await write('{"results":[');
  for (let i = 0; i < results.length; i++) await write(`${i > 0 ? ',' : ''}${results.json(i)}`);
  // notRanked only when there are some: a payload without them is byte for byte what it was before they existed.
  const notRankedJson = notRanked.length > 0 ? `,"notRanked":${JSON.stringify(notRanked)}` : '';
  await write(`],"failures":${JSON.stringify(failures)}${notRankedJson},"rubrics":${JSON.stringify(rubrics)}}`);
  gzip.end();
  await ended;
  return out;
}

/** The compressed payload as base64 cells of PAYLOAD_CHUNK characters (the last shorter), one at a time. */
export function* payloadCells(compressed: readonly Buffer[]): Generator<string> {
  let pending: Buffer[] = [];
  let size = 0;
  const take = (): Buffer => {
    const whole = Buffer.concat(pending, size);
    const cell = whole.subarray(0, PAYLOAD_CHUNK_BYTES);
    const rest = whole.subarray(PAYLOAD_CHUNK_BYTES);
    pending = rest.length > 0 ? [rest] : [];
    size = rest.length;
    return cell;
  };
  for (const chunk of compressed) {
    pending.push(chunk);
    size += chunk.length;
    while (size >= PAYLOAD_CHUNK_BYTES) yield take().toString('base64');
  }
  if (size > 0 || compressed.length === 0) yield take().toString('base64');
}

export const payloadCellCount = (compressed: readonly Buffer[]): number =>
  Math.max(1, Math.ceil(compressed.reduce((s, b) => s + b.length, 0) / PAYLOAD_CHUNK_BYTES));

/** Throws on bad base64/gzip/JSON; the caller turns that into a message for the assessor. */
export function decodePayload(chunks: readonly string[]): unknown {
  const bytes = Buffer.from(chunks.join('').replace(/\s+/gu, ''), 'base64');
  return JSON.parse(gunzipSync(bytes).toString('utf8'));
}

export const DATA_LABELS = { note: '说明', provenance: '来源信息', data: '数据' } as const;

export async function dataSheet(book: Book, provenance: WorkbookProvenance, compressed: readonly Buffer[]): Promise<void> {
  // Hidden (not "very hidden"): every spreadsheet program keeps a hidden sheet when it saves.
  const sheet = book.addSheet(SHEETS.data, { state: 'hidden' });
  sheet.columns = [{ width: 10 }, { width: 80 }];
  let number = 0;
  const add = async (label: string, value: string): Promise<void> => {
    const row = sheet.getRow(++number);
    row.getCell(1).value = label;
    row.getCell(2).value = value;
    row.commit();
    await book.drained(sheet);
  };
  await add(DATA_LABELS.note, '本表供系统核对复核工作簿使用，请勿修改或删除；修改后工作簿将不能用于复核。');
  await add(DATA_LABELS.provenance, JSON.stringify(provenance));
  const count = payloadCellCount(compressed);
  let index = 0;
  for (const cell of payloadCells(compressed)) await add(`${DATA_LABELS.data} ${++index}/${count}`, cell);
  book.commitSheet(sheet);
}
