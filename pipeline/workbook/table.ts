import type ExcelJS from 'exceljs';
import { displayWidth } from './labels.ts';

/**
 * One printable table per sheet, written row by row: column widths are fixed by the column specs (not measured over
 * every row first), each row's height comes from its own cells, and the autofilter, print area and data bars are set
 * at the end from the row count. That is all exceljs's streaming WorkbookWriter needs too, so a sheet builder can move
 * to it without random access to earlier rows.
 */

export const FONT = 'SimSun';
/**
 * 10.5 pt (五号字, the size of Chinese official documents). Printed sheets keep their columns within ~132 width units:
 * LibreOffice lays a unit out at about 7 pt, so A4 landscape (806 pt inside the margins) fits them at ≥ 86 %, i.e.
 * ≥ 9 pt on paper; Excel and WPS (about 5.3 pt per unit) print them at 100 %. The print check measures it.
 */
export const FONT_SIZE = 10.5;
/** Points per printed line at FONT_SIZE, for row heights. */
const LINE_HEIGHT = 14.5;
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDCE6F1' } };
/** Cells the assessor fills in (调整分, 调整理由, 复核人, 确认/撤销): pale yellow, like a form's blanks. */
export const INPUT_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF7D6' } };
const GRAY = { style: 'thin', color: { argb: 'FFB7B7B7' } } as const;
const THIN: Partial<ExcelJS.Borders> = { top: GRAY, left: GRAY, bottom: GRAY, right: GRAY };

export interface ColumnSpec {
  header: string;
  key: string;
  /** In Excel's character units (a Chinese character is two). */
  width: number;
  wrap?: boolean;
  numFmt?: string;
  align?: 'left' | 'center' | 'right';
  /** Outside the print area (kept for sorting, checking and the machine). Non-printing columns come last. */
  print?: boolean;
  /** Hidden as well (row keys for the review). */
  hidden?: boolean;
  /** A cell the assessor fills in. */
  input?: boolean;
}

export interface TableOptions {
  name: string;
  /** Printed in the page header of every page. */
  title: string;
  columns: readonly ColumnSpec[];
  orientation?: 'landscape' | 'portrait';
  /** Repeat and freeze the header row (default true). */
  header?: boolean;
}

export type Row = Record<string, ExcelJS.CellValue | undefined>;

export const PAGE_MARGINS = { left: 0.25, right: 0.25, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 };
/** No print date: programs print it in their own locale's format (11/27/2026); 生成时间 is in the sign-off block. */
export const FOOTER = '&L&9法治政府建设年度报告评分系统生成，须经评审人员核对&C&9第 &P 页，共 &N 页';

/**
 * Lines a text wraps to in a column: Excel and WPS fit about `width` display units of SimSun at 10.5 pt in a column
 * `width` wide (LibreOffice a little more), so heights err on the tall side rather than cut text off.
 */
export const linesIn = (text: string, width: number): number => {
  const usable = Math.max(1, width - 0.5);
  return text.split('\n').reduce((sum, line) => sum + Math.max(1, Math.ceil(displayWidth(line) / usable)), 0);
};

export const rowHeight = (lines: number): number => Math.min(409, 5 + LINE_HEIGHT * Math.max(1, lines));

export class TableWriter {
  readonly sheet: ExcelJS.Worksheet;
  private rows = 0;
  private readonly printed: number;

  constructor(
    workbook: ExcelJS.Workbook,
    readonly options: TableOptions,
  ) {
    const columns = options.columns;
    const firstHidden = columns.findIndex((c) => c.print === false);
    if (firstHidden >= 0 && columns.slice(firstHidden).some((c) => c.print !== false)) {
      throw new Error(`sheet ${options.name}: non-printing columns must come after the printed ones`);
    }
    this.printed = firstHidden < 0 ? columns.length : firstHidden;
    const header = options.header ?? true;
    this.sheet = workbook.addWorksheet(options.name, {
      views: header ? [{ state: 'frozen', ySplit: 1, xSplit: 0 }] : [{}],
      pageSetup: {
        orientation: options.orientation ?? 'landscape',
        paperSize: 9, // A4
        fitToPage: true,
        fitToWidth: 1,
        fitToHeight: 0,
        ...(header ? { printTitlesRow: '1:1' } : {}),
        horizontalCentered: true,
        margins: PAGE_MARGINS,
      },
      headerFooter: { oddHeader: `&C&"${FONT},Bold"&12${options.title}`, oddFooter: FOOTER },
    });
    this.sheet.columns = columns.map((c) => ({ key: c.key, width: c.width, hidden: c.hidden ?? false }));
    columns.forEach((c, i) => {
      const column = this.sheet.getColumn(i + 1);
      column.alignment = { vertical: 'top', wrapText: c.wrap ?? false, ...(c.align ? { horizontal: c.align } : {}) };
      if (c.numFmt) column.numFmt = c.numFmt;
    });
    // Whole columns: the print area needs no row count, so it can be set before the rows are written.
    this.sheet.pageSetup.printArea = `A:${this.sheet.getColumn(this.printed).letter}`;
    if (header) this.writeHeader();
  }

  private writeHeader(): void {
    const row = this.sheet.getRow(1);
    this.options.columns.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      cell.value = c.header;
      cell.font = { name: FONT, size: FONT_SIZE, bold: true };
      cell.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
      cell.fill = HEADER_FILL;
      cell.border = THIN;
    });
    row.height = rowHeight(Math.max(...this.options.columns.map((c) => linesIn(c.header, c.width))));
    this.rows = 1;
  }

  /** Appends one table row; returns its row number (as the spreadsheet shows it). */
  add(values: Row, style: { bold?: boolean; fill?: ExcelJS.Fill } = {}): number {
    const number = ++this.rows;
    const row = this.sheet.getRow(number);
    let lines = 1;
    this.options.columns.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      const value = values[c.key];
      cell.value = value === undefined ? null : value;
      cell.font = { name: FONT, size: FONT_SIZE, ...(style.bold ? { bold: true } : {}) };
      cell.border = THIN;
      const fill = c.input ? INPUT_FILL : style.fill;
      if (fill) cell.fill = fill;
      if (c.wrap && value !== null && value !== undefined) lines = Math.max(lines, linesIn(String(value as string | number), c.width));
    });
    // Rows as tall as their most wrapped cell: not every spreadsheet program sizes wrapped rows itself, and a
    // printout must not cut off evidence.
    if (lines > 1) row.height = rowHeight(lines);
    return number;
  }

  /** Row number the next row will get. */
  get nextRow(): number {
    return this.rows + 1;
  }

  get printedColumns(): number {
    return this.printed;
  }

  /**
   * A line of text under the table across the printed columns (merged), e.g. the sign-off block. `size` in points.
   */
  note(text: string, options: { bold?: boolean; size?: number; height?: number } = {}): number {
    const number = ++this.rows;
    const row = this.sheet.getRow(number);
    const cell = row.getCell(1);
    cell.value = text;
    cell.font = { name: FONT, size: options.size ?? FONT_SIZE, ...(options.bold ? { bold: true } : {}) };
    cell.alignment = { vertical: 'middle', wrapText: true };
    if (text !== '') this.sheet.mergeCells(number, 1, number, this.printed);
    const width = this.options.columns.slice(0, this.printed).reduce((s, c) => s + c.width, 0);
    row.height = options.height ?? rowHeight(linesIn(text, width)) * ((options.size ?? FONT_SIZE) / FONT_SIZE);
    return number;
  }

  /** The autofilter over the table rows written so far (call before any note rows). */
  filter(): void {
    const last = Math.max(1, this.rows);
    this.sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: last, column: this.options.columns.length } };
  }

  /** A data bar over a numeric column of the table rows (0..max). */
  dataBar(key: string, max: number, lastRow: number): void {
    const index = this.options.columns.findIndex((c) => c.key === key);
    if (index < 0 || lastRow < 2) return;
    const letter = this.sheet.getColumn(index + 1).letter;
    this.sheet.addConditionalFormatting({
      ref: `${letter}2:${letter}${lastRow}`,
      rules: [{ type: 'dataBar', priority: 1, cfvo: [{ type: 'num', value: 0 }, { type: 'num', value: max }], color: { argb: 'FF7FA7D8' } } as ExcelJS.DataBarRuleType],
    });
  }

  /** Column letter of a key (for data validations). */
  letter(key: string): string {
    const index = this.options.columns.findIndex((c) => c.key === key);
    if (index < 0) throw new Error(`sheet ${this.options.name} has no column ${key}`);
    return this.sheet.getColumn(index + 1).letter;
  }
}
