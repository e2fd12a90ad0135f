import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as XLSX from '@e965/xlsx';
import type { PendingDecision, ScoreResult } from '../../schemas/score.ts';
import { COLUMNS, SHEETS } from '../../pipeline/workbook/keys.ts';

/**
 * Reviewed workbooks as another program saves them. `fillWith…` writes the assessor's cells with SheetJS (a different
 * xlsx writer from exceljs: its own shared strings, styles and number encoding), `resaveWithLibreOffice` passes a
 * file through LibreOffice Calc as WPS/Excel users' files pass through their programs.
 */

export interface Fill {
  sheet?: string;
  /** The hidden 行编号 of the row (e.g. "R0", "R3.I:D4.training", "R2.D:copy:…"). */
  key: string;
  column: string;
  value: string | number | null;
}

/** The value of a SheetJS cell (its WorkSheet type indexes cells as any), or undefined for an empty cell. */
function valueAt(sheet: XLSX.WorkSheet, cell: XLSX.CellAddress): XLSX.CellObject['v'] {
  return (sheet[XLSX.utils.encode_cell(cell)] as XLSX.CellObject | undefined)?.v;
}

/** Sets cells by row key and column header with SheetJS and returns the bytes SheetJS writes. */
export function fillWithSheetJS(bytes: Uint8Array, fills: readonly Fill[]): Buffer {
  const book = XLSX.read(bytes, { type: 'buffer', cellStyles: true });
  for (const fill of fills) {
    const sheet = book.Sheets[fill.sheet ?? SHEETS.review];
    if (!sheet) throw new Error(`no sheet ${fill.sheet ?? SHEETS.review}`);
    const range = XLSX.utils.decode_range(sheet['!ref'] ?? 'A1');
    const columnOf = (header: string): number => {
      for (let c = range.s.c; c <= range.e.c; c++) if (valueAt(sheet, { r: 0, c }) === header) return c;
      throw new Error(`no column ${header}`);
    };
    const keyColumn = columnOf(COLUMNS.key);
    let row = -1;
    for (let r = 1; r <= range.e.r; r++) if (valueAt(sheet, { r, c: keyColumn }) === fill.key) row = r;
    if (row < 0) throw new Error(`no row ${fill.key} in ${fill.sheet ?? SHEETS.review}`);
    const address = XLSX.utils.encode_cell({ r: row, c: columnOf(fill.column) });
    if (fill.value === null) delete sheet[address];
    else sheet[address] = typeof fill.value === 'number' ? { t: 'n', v: fill.value } : { t: 's', v: fill.value };
  }
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer;
}

/** The spreadsheet row number (1-based, as messages say "第 N 行") of the row with this hidden 行编号. */
export function rowNumberOf(bytes: Uint8Array, key: string, sheetName: string = SHEETS.review): number {
  const book = XLSX.read(bytes, { type: 'buffer' });
  const sheet = book.Sheets[sheetName];
  if (!sheet) throw new Error(`no sheet ${sheetName}`);
  const range = XLSX.utils.decode_range(sheet['!ref'] ?? 'A1');
  let keyColumn = -1;
  for (let c = range.s.c; c <= range.e.c; c++) if (valueAt(sheet, { r: 0, c }) === COLUMNS.key) keyColumn = c;
  for (let r = 1; r <= range.e.r; r++) if (valueAt(sheet, { r, c: keyColumn }) === key) return r + 1;
  throw new Error(`no row ${key} in ${sheetName}`);
}

/** Appends a row by hand (as an assessor would type under the table), with SheetJS. */
export function appendRowWithSheetJS(bytes: Uint8Array, sheetName: string, values: Record<string, string | number>): Buffer {
  const book = XLSX.read(bytes, { type: 'buffer' });
  const sheet = book.Sheets[sheetName]!;
  const range = XLSX.utils.decode_range(sheet['!ref'] ?? 'A1');
  const row = range.e.r + 1;
  for (let c = range.s.c; c <= range.e.c; c++) {
    const header = valueAt(sheet, { r: 0, c });
    const value = typeof header === 'string' && header ? values[header] : undefined;
    if (value !== undefined) sheet[XLSX.utils.encode_cell({ r: row, c })] = typeof value === 'number' ? { t: 'n', v: value } : { t: 's', v: value };
  }
  range.e.r = row;
  sheet['!ref'] = XLSX.utils.encode_range(range);
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer;
}

/** LibreOffice with Calc (a Writer-only install has `soffice` but cannot open a workbook: "source file could not be loaded"). */
function calcInstalled(): boolean {
  const which = spawnSync('sh', ['-c', 'command -v soffice'], { encoding: 'utf8' });
  if (which.status !== 0 || !which.stdout.trim()) return false;
  return existsSync(join(dirname(realpathSync(which.stdout.trim())), 'libsclo.so'));
}

export const SOFFICE = calcInstalled();

/** LibreOffice Calc's own rendering of a file into another format (a throw-away profile: parallel runs don't fight). */
export function convertWithLibreOffice(bytes: Uint8Array, from: string, to: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'fazhi-calc-'));
  try {
    const input = join(dir, `in.${from}`);
    writeFileSync(input, bytes);
    const outDir = join(dir, 'out');
    const run = spawnSync('soffice', [`-env:UserInstallation=file://${join(dir, 'profile')}`, '--headless', '--convert-to', to, '--outdir', outDir, input], {
      encoding: 'utf8',
      timeout: 180_000,
    });
    const ext = to.split(':')[0]!;
    try {
      return readFileSync(join(outDir, `in.${ext}`));
    } catch {
      throw new Error(`soffice --convert-to ${to} failed (status ${run.status}): ${run.stderr || run.stdout}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Re-saved as .xlsx by LibreOffice Calc ("Calc MS Excel 2007 XML"). */
export const resaveWithLibreOffice = (bytes: Uint8Array): Buffer => convertWithLibreOffice(bytes, 'xlsx', 'xlsx:Calc MS Excel 2007 XML');

/**
 * A copy suspicion the scorer could not direct (fictional, for tests of the 确认/撤销 cell): on the result at `index`,
 * a proposed copy deduction that is not in its total.
 */
export function withPendingCopy(results: readonly ScoreResult[], index: number, points = 6.5): ScoreResult[] {
  return results.map((r, i) => {
    if (i !== index) return r;
    const other = results.find((x, j) => j !== i)!;
    const pending: PendingDecision = {
      id: `copy:${other.source}`,
      kind: 'copy-deduction',
      points,
      target: 'P.copy',
      message: `与“${other.township ?? ''}”的报告部分段落相同，无法判断谁照搬了谁，拟扣 ${points} 分，须评审确认`,
      other: other.source,
    };
    return { ...r, pending: [pending] };
  });
}
