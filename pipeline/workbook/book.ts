import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';

/**
 * The workbook as a stream: exceljs's streaming writer (stream.xlsx.WorkbookWriter), one sheet at a time, each row
 * committed as soon as it is written, so memory does not grow with the number of rows. Three things make that true:
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
  private readonly failed: Promise<never>;

  private constructor(
    readonly workbook: StreamWorkbook,
    sink: Writable,
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
  static async open(sink: Writable, meta: BookMeta): Promise<Book> {
    const { default: WorkbookWriter } = await import('exceljs/lib/stream/xlsx/workbook-writer.js');
    const workbook = new WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false });
    workbook.creator = meta.creator;
    workbook.created = meta.created;
    workbook.modified = meta.created;
    workbook.title = meta.title;
    return new Book(workbook, sink);
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
   * Commits the sheet (its last rows, merges, validations, page setup). Its zip entry ends without a 'drain', so this
   * does not wait: what is queued is at most one high-water mark, and the next sheet's rows wait behind it.
   */
  commitSheet(sheet: ExcelJS.Worksheet): void {
    if (this.sinkError) throw this.sinkError;
    sheet.commit();
  }

  /** Writes the workbook's remaining parts and resolves when the sink has finished. */
  async close(): Promise<void> {
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
      style = Object.freeze(make()) as Partial<ExcelJS.Style>;
      this.made.set(key, style);
    }
    return style;
  }
}
