import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { columnLetter } from './table.ts';

/**
 * The workbook as a stream: exceljs's streaming writer (stream.xlsx.WorkbookWriter), one sheet at a time, each row
 * committed as soon as it is written (`Book.row`: its XML joins a batch of at most ROW_BATCH_CHARS on its way to the
 * sheet's zip entry), so memory does not grow with the number of rows. Three things make that true:
 *
 * - Shared styles: a cell's style is one of a few shared objects (`Styles`); exceljs remembers the style id of an
 *   object it has seen (a WeakMap), so a style is serialised once, not once per cell.
 * - Backpressure: a sheet's XML goes through the zip archiver (deflate) to the sink (a file, an S3 multipart upload, a
 *   buffer). The writer does not wait for any of them by itself, so `Book.row` waits whenever the sheet's zip entry
 *   stream is full, until the sink has taken what came before (`drained`).
 * - One sheet open at a time: the archiver takes entries in order, so a second open sheet would be buffered whole.
 *
 * What the streaming writer does not do, and what the sheets do instead: no images (none are used), merged cells only
 * within a row not yet committed (the notes under a table and the feedback lines merge their own row), data
 * validations and conditional formats are set per cell or range before the sheet is committed, and strings are
 * written inline (`t="str"`, no shared-strings table, which would hold every distinct string until the end).
 */

export type StreamWorkbook = ExcelJS.stream.xlsx.WorkbookWriter;

/**
 * Bytes of a sheet's XML queued for the zip before a row waits: enough that deflate (in zlib's thread) always has work
 * while the next rows are made, small against the workbook. (The stream's own high-water mark, 16 KB, made each
 * side wait for the other: a sixth of the time idle.)
 */
const QUEUE_LIMIT = 64 * 1024;

/** A cell's value as the sheets write it. */
export type PlainValue = string | number | null;

export interface RowOptions {
  /** Points; none: the program's default height. */
  height?: number;
  /** The row's one value is a merged cell of this many columns from column A. */
  mergeAcross?: number;
  /** Data validations of the row's cells, by column (index as in `values`). */
  validations?: readonly (ExcelJS.DataValidation | undefined)[];
}

export interface BookOptions {
  /**
   * 'direct' (the default): rows of plain values are made into XML by `Book.row` itself; 'exceljs': every row through
   * exceljs's Row and Cell objects (the reference the direct rows are compared with).
   */
  rows?: 'direct' | 'exceljs';
}

/** The pieces of exceljs (4.4.0) the direct rows use: its text escaping and its merged-range class. */
interface DirectRowTools {
  xmlEncode(text: string): string;
  Dimensions: new (top: number, left: number, bottom: number, right: number) => object;
}

/**
 * What `Book.row` reads and sets of exceljs's WorksheetWriter (lib/stream/xlsx/worksheet-writer.js, exceljs 4.4.0,
 * pinned in package.json): the rows not yet written, the number of the next row, the merged ranges, the sheet's
 * zip entry stream, the workbook's style table, and what it writes before the first row.
 */
interface WorksheetInternals {
  committed: boolean;
  startedData: boolean;
  _rows: unknown[] | null;
  _rowZero: number;
  _merges: object[];
  dataValidations: { add(address: string, validation: ExcelJS.DataValidation): void };
  _workbook: { styles: { addStyleModel(style: object, cellType: number | undefined): number } };
  stream: { write(text: string): unknown };
  _writeColumns(): void;
  _writeOpenSheetData(): void;
}

/** Characters of row XML handed to a sheet's stream at once: a fraction of its 64 KB buffers and of QUEUE_LIMIT. */
const ROW_BATCH_CHARS = 16 * 1024;

/** exceljs's cell value types (lib/doc/enums.js ValueType): the style of a cell without a number format depends on it. */
const VALUE_TYPE = { null: 0, merge: 1, number: 2, string: 3 } as const;

/** The style of every directly written row: empty, as exceljs's rows; one object, so exceljs looks it up once. */
const NO_ROW_STYLE: Partial<ExcelJS.Style> = Object.freeze({});

/** The same row through exceljs's objects: rows with data validations, and the reference for the direct rows. */
function writeThroughExceljs(
  sheet: ExcelJS.Worksheet,
  number: number,
  values: readonly PlainValue[],
  styles: readonly Partial<ExcelJS.Style>[],
  options: RowOptions,
): void {
  const row = sheet.getRow(number);
  values.forEach((value, i) => {
    const cell = row.getCell(i + 1);
    cell.value = value;
    cell.style = styles[i]!;
    const validation = options.validations?.[i];
    if (validation) cell.dataValidation = validation;
  });
  if (options.mergeAcross !== undefined) sheet.mergeCells(number, 1, number, options.mergeAcross);
  if (options.height) row.height = options.height;
  row.commit();
}

export interface BookMeta {
  title: string;
  creator: string;
  created: Date;
}

/** The piece of exceljs's StreamBuf (a sheet's zip entry stream) that says where its data goes. */
interface EntryStream {
  pipes?: readonly DrainTarget[];
}

interface DrainTarget {
  /** readable-stream's (archiver's PassThrough): the same fields as Node's own writable state. */
  _writableState?: { needDrain?: boolean; ended?: boolean; length?: number };
  once(event: 'drain', listener: () => void): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export class Book {
  /** Styles shared by every sheet of the workbook. */
  readonly styles = new Styles();
  private sinkError: Error | undefined;
  /**
   * XML of directly written rows not yet written to their sheet's zip entry, and that sheet: handed over in pieces of
   * ROW_BATCH_CHARS, not a row at a time (each write to exceljs's stream buffer encodes and copies on its own).
   */
  private batch = '';
  private batchSheet: WorksheetInternals | null = null;
  private readonly failed: Promise<never>;

  private constructor(
    readonly workbook: StreamWorkbook,
    sink: Writable,
    private readonly direct: DirectRowTools | null,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      sink.on('error', (error: Error) => {
        this.sinkError = error;
        reject(error);
      });
    });
    // Observed only through `drained` and `close`; never an unhandled rejection of its own.
    this.failed.catch(() => undefined);
  }

  /**
   * exceljs's streaming writer is loaded on first use: it is most of the export function's code, and only the workbook
   * needs it. The writer alone, not the package's entry (which adds the reader and unzip: ≈ 0.13 s per start).
   */
  static async open(sink: Writable, meta: BookMeta, options: BookOptions = {}): Promise<Book> {
    const [{ default: WorkbookWriter }, { default: exceljsUtils }, { default: Dimensions }] = await Promise.all([
      import('exceljs/lib/stream/xlsx/workbook-writer.js'),
      import('exceljs/lib/utils/utils.js'),
      import('exceljs/lib/doc/range.js'),
    ]);
    const workbook = new WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false });
    workbook.creator = meta.creator;
    workbook.created = meta.created;
    workbook.modified = meta.created;
    workbook.title = meta.title;
    const direct = (options.rows ?? 'direct') === 'direct' ? { xmlEncode: exceljsUtils.xmlEncode, Dimensions } : null;
    return new Book(workbook, sink, direct);
  }

  addSheet(name: string, options: Partial<ExcelJS.AddWorksheetOptions>): ExcelJS.Worksheet {
    return this.workbook.addWorksheet(name, options);
  }

  /**
   * Resolves when the sheet's zip entry can take more: at once while it is below its high-water mark, else once the
   * archiver (and through it the sink) has taken what is queued. Rejects if the sink failed.
   */
  async drained(sheet: ExcelJS.Worksheet): Promise<void> {
    if (this.sinkError) throw this.sinkError;
    const target = (sheet as unknown as { stream?: EntryStream }).stream?.pipes?.[0];
    const state = target?._writableState;
    if (!target || !state || state.ended || (state.length ?? 0) < QUEUE_LIMIT || !state.needDrain) return;
    await Promise.race([once(target as unknown as NodeJS.EventEmitter, 'drain'), this.failed]);
  }

  /**
   * Writes row `number` of `sheet` and commits it, then waits as `drained` does: `values[i]` with `styles[i]` in column
   * i + 1 (a style shared through `styles`, never a fresh object per cell). `mergeAcross` merges the first cell across
   * that many columns (`values` then has one value). A row with no value and no height is not written, as
   * exceljs does. Rows of a sheet are written in order, each before the next is begun.
   *
   * The row's XML is made here, the bytes exceljs makes of the same row (test/pipeline/workbook/rows.test.ts compares
   * whole workbooks both ways): exceljs builds a Row, a Cell per column, their models and an XML writer per row (≈ 0.2 s
   * of CPU for a county's 6,000 rows in a fresh process; made here, with ROW_BATCH_CHARS, ≈ 0.04 s), where a row of
   * plain values needs a string. The style ids still come from exceljs,
   * asked in the same order as it asks itself, and the text is escaped by its own function. Anything this does not
   * cover (a row of the sheet already begun through exceljs) goes through exceljs.
   */
  async row(
    sheet: ExcelJS.Worksheet,
    number: number,
    values: readonly PlainValue[],
    styles: readonly Partial<ExcelJS.Style>[],
    options: RowOptions = {},
  ): Promise<void> {
    this.rowNow(sheet, number, values, styles, options);
    await this.drained(sheet);
  }

  /** `row` without the wait: for a sheet's first rows, before anything can be queued. */
  rowNow(sheet: ExcelJS.Worksheet, number: number, values: readonly PlainValue[], styles: readonly Partial<ExcelJS.Style>[], options: RowOptions = {}): void {
    const writer = sheet as unknown as WorksheetInternals;
    if (this.direct && !writer.committed && writer._rows?.length === 0 && number >= writer._rowZero) {
      this.writeDirect(writer, this.direct, number, values, styles, options);
    } else {
      this.flushRows();
      writeThroughExceljs(sheet, number, values, styles, options);
    }
  }

  /** Hands the batched rows to their sheet's stream (before anything else is written to it). */
  private flushRows(): void {
    if (this.batchSheet && this.batch !== '') this.batchSheet.stream.write(this.batch);
    this.batch = '';
    this.batchSheet = null;
  }

  private writeDirect(
    writer: WorksheetInternals,
    tools: DirectRowTools,
    number: number,
    values: readonly PlainValue[],
    styles: readonly Partial<ExcelJS.Style>[],
    options: RowOptions,
  ): void {
    if (this.batchSheet !== writer) this.flushRows();
    if (!writer.startedData) {
      writer._writeColumns();
      writer._writeOpenSheetData();
      writer.startedData = true;
    }
    writer._rowZero = number + 1;
    const merged = options.mergeAcross !== undefined;
    const columns = merged ? options.mergeAcross! : values.length;
    // exceljs writes a row that has a value (a merged cell counts as one) or a height.
    if (!options.height && columns <= values.length && values.every((v) => v === null)) return;
    const styleIds = writer._workbook.styles;
    // The row's own style (exceljs gives every row an empty one): asked first, as exceljs does.
    const rowStyle = styleIds.addStyleModel(NO_ROW_STYLE, undefined);
    let xml = `<row r="${number}"`;
    if (options.height) xml += ` ht="${options.height}" customHeight="1"`;
    xml += ` spans="1:${columns}"`;
    if (rowStyle) xml += ` s="${rowStyle}" customFormat="1"`;
    xml += ' x14ac:dyDescent="0.25">';
    for (let i = 0; i < columns; i++) {
      const address = `${columnLetter(i + 1)}${number}`;
      if (merged && i > 0) {
        // A merged cell: no value, the first cell's style.
        const id = styleIds.addStyleModel(styles[0]!, VALUE_TYPE.merge);
        xml += `<c r="${address}"${id ? ` s="${id}"` : ''}/>`;
        continue;
      }
      const value = values[i] ?? null;
      const type = value === null ? VALUE_TYPE.null : typeof value === 'number' ? VALUE_TYPE.number : VALUE_TYPE.string;
      const id = styleIds.addStyleModel(styles[i]!, type);
      const validation = options.validations?.[i];
      if (validation) writer.dataValidations.add(address, validation);
      if (value === null) {
        if (id) xml += `<c r="${address}" s="${id}"/>`;
        continue;
      }
      xml += `<c r="${address}"${id ? ` s="${id}"` : ''}`;
      xml += typeof value === 'number' ? `><v>${tools.xmlEncode(String(value))}</v></c>` : ` t="str"><v>${tools.xmlEncode(value)}</v></c>`;
    }
    xml += '</row>';
    if (merged) writer._merges.push(new tools.Dimensions(number, 1, number, columns));
    this.batch += xml;
    this.batchSheet = writer;
    if (this.batch.length >= ROW_BATCH_CHARS) this.flushRows();
  }

  /**
   * Commits the sheet (its last rows, merges, validations, page setup). Its zip entry ends without a 'drain', so this
   * does not wait: what is queued is at most one high-water mark, and the next sheet's rows wait behind it.
   */
  commitSheet(sheet: ExcelJS.Worksheet): void {
    if (this.sinkError) throw this.sinkError;
    this.flushRows();
    sheet.commit();
  }

  /** Writes the workbook's remaining parts and resolves when the sink has finished. */
  async close(): Promise<void> {
    this.flushRows();
    await Promise.race([this.workbook.commit(), this.failed]);
  }
}

/**
 * Shared style objects by name. Never change one after it is made: every cell using it would change (exceljs keeps
 * the id of the first serialisation).
 */
export class Styles {
  private readonly made = new Map<string, Partial<ExcelJS.Style>>();

  get(key: string, make: () => Partial<ExcelJS.Style>): Partial<ExcelJS.Style> {
    let style = this.made.get(key);
    if (!style) {
      style = Object.freeze(make());
      this.made.set(key, style);
    }
    return style;
  }
}
