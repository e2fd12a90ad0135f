import type ExcelJS from 'exceljs';
import type { Book, PlainValue } from './book.ts';
import { displayWidth } from './labels.ts';

/**
 * One printable table per sheet, written row by row to the streaming workbook (book.ts): column widths are fixed by
 * the column specs (not measured over every row first), each row's height comes from its own cells, each row is
 * committed as soon as it is written, and the autofilter and data bars are set at the end from the row count. The
 * print area is whole columns, so it needs no row count.
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

export type Row = Record<string, PlainValue | undefined>;

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
  /** One shared style per column for table cells, and one for header cells (book.ts: shared styles). */
  private readonly cellStyles: Partial<ExcelJS.Style>[];
  private readonly boldStyles: Partial<ExcelJS.Style>[];

  constructor(
    private readonly book: Book,
    readonly options: TableOptions,
  ) {
    const columns = options.columns;
    const firstHidden = columns.findIndex((c) => c.print === false);
    if (firstHidden >= 0 && columns.slice(firstHidden).some((c) => c.print !== false)) {
      throw new Error(`sheet ${options.name}: non-printing columns must come after the printed ones`);
    }
    this.printed = firstHidden < 0 ? columns.length : firstHidden;
    const header = options.header ?? true;
    this.sheet = book.addSheet(options.name, {
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
        // Whole columns: the print area needs no row count, so it is set before the rows are written.
        printArea: `A:${columnLetter(this.printed)}`,
      },
      headerFooter: { oddHeader: `&C&"${FONT},Bold"&12${options.title}`, oddFooter: FOOTER },
    });
    const alignmentOf = (c: ColumnSpec): Partial<ExcelJS.Alignment> => ({
      vertical: 'top',
      wrapText: c.wrap ?? false,
      ...(c.align ? { horizontal: c.align } : {}),
    });
    // Column styles for cells the program adds later (what the assessor types into an empty cell).
    this.sheet.columns = columns.map((c) => ({
      key: c.key,
      width: c.width,
      hidden: c.hidden ?? false,
      style: book.styles.get(`column|${c.wrap ?? false}|${c.align ?? ''}|${c.numFmt ?? ''}`, () => ({
        alignment: alignmentOf(c),
        ...(c.numFmt ? { numFmt: c.numFmt } : {}),
      })),
    }));
    const cellStyle = (c: ColumnSpec, bold: boolean): Partial<ExcelJS.Style> =>
      book.styles.get(`cell|${c.wrap ?? false}|${c.align ?? ''}|${c.numFmt ?? ''}|${c.input ?? false}|${bold}`, () => ({
        font: { name: FONT, size: FONT_SIZE, ...(bold ? { bold: true } : {}) },
        border: THIN,
        alignment: alignmentOf(c),
        ...(c.numFmt ? { numFmt: c.numFmt } : {}),
        ...(c.input ? { fill: INPUT_FILL } : {}),
      }));
    this.cellStyles = columns.map((c) => cellStyle(c, false));
    this.boldStyles = columns.map((c) => cellStyle(c, true));
    if (header) this.writeHeader();
  }

  private writeHeader(): void {
    const style = this.book.styles.get('header', () => ({
      font: { name: FONT, size: FONT_SIZE, bold: true },
      alignment: { vertical: 'middle', horizontal: 'center', wrapText: true },
      fill: HEADER_FILL,
      border: THIN,
    }));
    const columns = this.options.columns;
    this.book.rowNow(
      this.sheet,
      1,
      columns.map((c) => c.header),
      columns.map(() => style),
      { height: rowHeight(Math.max(...columns.map((c) => linesIn(c.header, c.width)))) },
    );
    this.rows = 1;
  }

  /**
   * Appends one table row and commits it; resolves to its row number (as the spreadsheet shows it) once the workbook
   * can take more. `validations` are data validations of this row's cells, by column key.
   */
  async add(values: Row, options: { bold?: boolean; validations?: Readonly<Record<string, ExcelJS.DataValidation>> } = {}): Promise<number> {
    const number = ++this.rows;
    const columns = this.options.columns;
    const cells: PlainValue[] = [];
    let lines = 1;
    for (const c of columns) {
      const value = values[c.key];
      cells.push(value === undefined ? null : value);
      if (c.wrap && value !== null && value !== undefined) lines = Math.max(lines, linesIn(String(value), c.width));
    }
    const validations = options.validations;
    await this.book.row(this.sheet, number, cells, options.bold ? this.boldStyles : this.cellStyles, {
      // Rows as tall as their most wrapped cell: not every spreadsheet program sizes wrapped rows itself, and a
      // printout must not cut off evidence.
      ...(lines > 1 ? { height: rowHeight(lines) } : {}),
      ...(validations ? { validations: columns.map((c) => validations[c.key]) } : {}),
    });
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
  async note(text: string, options: { bold?: boolean; size?: number; height?: number } = {}): Promise<number> {
    const number = ++this.rows;
    const size = options.size ?? FONT_SIZE;
    const style = this.book.styles.get(`note|${options.bold ?? false}|${size}`, () => ({
      font: { name: FONT, size, ...(options.bold ? { bold: true } : {}) },
      alignment: { vertical: 'middle', wrapText: true },
    }));
    const width = this.options.columns.slice(0, this.printed).reduce((s, c) => s + c.width, 0);
    await this.book.row(this.sheet, number, [text], [style], {
      height: options.height ?? rowHeight(linesIn(text, width)) * (size / FONT_SIZE),
      // The merge is of this row only, made before it is committed (the streaming writer cannot reach back).
      ...(text !== '' ? { mergeAcross: this.printed } : {}),
    });
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
    const letter = columnLetter(index + 1);
    this.sheet.addConditionalFormatting({
      ref: `${letter}2:${letter}${lastRow}`,
      rules: [
        {
          type: 'dataBar',
          priority: 1,
          cfvo: [
            { type: 'num', value: 0 },
            { type: 'num', value: max },
          ],
          color: { argb: 'FF7FA7D8' },
        } as ExcelJS.DataBarRuleType,
      ],
    });
  }

  /** Commits the sheet: its autofilter, data bars, validations and page setup are written now. */
  commit(): void {
    this.book.commitSheet(this.sheet);
  }
}

/** Spreadsheet column letters: 1 → A, 27 → AA. */
export function columnLetter(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}
