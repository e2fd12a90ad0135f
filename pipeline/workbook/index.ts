import { once } from 'node:events';
import { open, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { WorkbookProvenance } from '../../schemas/review.ts';
import { Book, type BookOptions } from './book.ts';
import { evidenceSheet } from './evidence.ts';
import { FEEDBACK_SHEET_LIMIT, feedbackSheets } from './feedback.ts';
import { SHEETS } from './keys.ts';
import { failuresSheet, flagsSheet, rubricSheet } from './other-sheets.ts';
import { compressPayload, dataSheet } from './provenance.ts';
import { rankingSheet } from './ranking.ts';
import { resultSource, type ResultFacts, type ResultSource } from './results.ts';
import { reviewLogSheet, reviewSheet } from './review-sheets.ts';
import { sheetContext, type WorkbookInput } from './view.ts';

/**
 * The workbook an assessor prints, checks, adjusts and signs:
 *   排名        the ranking (printed and signed; 机器得分 · 调整分 · 最终得分 side by side)
 *   复核        the review form: 调整分 with 调整理由 and 复核人 per report, 确认/撤销 per pending item
 *   复核记录    (final workbook only) every change, who, why, when, from which workbook
 *   评分依据    every indicator with the sentences that earned it; 调整后得分 per indicator
 *   问题与预警  flags and pending items with evidence
 *   处理异常    files that could not be scored, and uploads left out of the ranking (still processing, replaced), and why
 *   评分细则    the rubric used, its version and check code
 *   反馈-<单位> one page (or more) per unit to hand to it: what earned and lost points, what to fix next year
 *   系统数据    (hidden) provenance and the machine results, so a reviewed copy can be checked and applied
 * Chinese throughout; printed sheets carry no internal ids or English; A4, fit to width, header row on every page.
 * Each sheet is written row by row by its own builder (see table.ts), in this order, to exceljs's streaming writer
 * (book.ts): a sink (file, S3 multipart upload, buffer) receives the zip as it is made, and memory does not grow with
 * the rows. Results are read one at a time per sheet (results.ts), so a packed source need not be held as objects.
 */

export type { BookOptions } from './book.ts';
export { FEEDBACK_SHEET_LIMIT } from './feedback.ts';
export { displayWidth, FLAG_LABELS, penaltyFlagCodes } from './labels.ts';
export { ArrayResults, PackedResults, type ResultList, type ResultSource } from './results.ts';
export type { WorkbookInput, WorkbookReview } from './view.ts';
export { WIDE_RANK_LABEL, wideRanks } from './wide-rank.ts';

/** Scope from the results when the caller names none: the one county and year they share, else null. */
function scopeKeyOf(input: WorkbookInput, facts: readonly ResultFacts[]): { county: string | null; year: number | null } {
  if (input.scopeKey) return input.scopeKey;
  const counties = new Set(facts.map((r) => r.county));
  const years = new Set(facts.map((r) => r.year));
  const only = <T>(set: Set<T | null>): T | null => (set.size === 1 ? ([...set][0] ?? null) : null);
  return { county: only(counties), year: only(years) };
}

function rubricRefs(facts: readonly ResultFacts[], input: WorkbookInput): WorkbookProvenance['rubrics'] {
  const refs = new Map<string, WorkbookProvenance['rubrics'][number]>();
  const main = input.rubric;
  refs.set(main.sha256, { id: main.rubric.id, version: main.rubric.version, sha256: main.sha256 });
  for (const f of facts) refs.set(f.rubric.sha256, f.rubric);
  return [...refs.values()];
}

export function provenanceOf(input: WorkbookInput, source: ResultSource = resultSource(input.results)): WorkbookProvenance {
  const facts = source.facts();
  return {
    format: 1,
    kind: input.review ? 'final' : 'machine',
    scope: { label: input.scope, ...scopeKeyOf(input, facts) },
    rubrics: rubricRefs(facts, input),
    generatedAt: input.generatedAt,
    resultsDigest: source.digest(),
    results: source.length,
  };
}

export interface WrittenWorkbook {
  /** Rows listed (results). */
  results: number;
  /** Whether the per-unit 反馈 sheets were written (FEEDBACK_SHEET_LIMIT). */
  feedbackSheets: boolean;
  /** Compressed bytes of the hidden payload. */
  payloadBytes: number;
}

/**
 * Writes the workbook to `sink` and resolves once the sink has finished (a file written, an upload's body ended).
 * Rejects if the sink fails; the caller disposes of a half-written sink.
 */
export async function writeWorkbook(input: WorkbookInput, sink: Writable, options: BookOptions = {}): Promise<WrittenWorkbook> {
  const source = resultSource(input.results);
  const provenance = provenanceOf(input, source);
  const book = await Book.open(
    sink,
    { title: `${input.scope}法治政府建设年度报告评分排名`, creator: '法治政府建设年度报告评分系统', created: new Date(input.generatedAt) },
    options,
  );
  const ctx = sheetContext(input, source, provenance, FEEDBACK_SHEET_LIMIT);
  await rankingSheet(book, ctx);
  await reviewSheet(book, ctx);
  await reviewLogSheet(book, ctx);
  await evidenceSheet(book, ctx);
  await flagsSheet(book, ctx);
  await failuresSheet(book, ctx);
  await rubricSheet(book, ctx);
  await feedbackSheets(book, ctx, new Set(Object.values(SHEETS)));
  const compressed = await compressPayload(source, input.failures, [input.rubric.rubric], input.notRanked);
  await dataSheet(book, provenance, compressed);
  await book.close();
  return { results: source.length, feedbackSheets: ctx.feedback, payloadBytes: compressed.reduce((s, b) => s + b.length, 0) };
}

/** The workbook in memory (a county's, a review's final workbook): the zip's bytes, not exceljs's object model. */
export async function workbookBuffer(input: WorkbookInput, options: BookOptions = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await writeWorkbook(input, sink, options);
  return Buffer.concat(chunks);
}

/** The workbook written to a file as it is made (`fazhi score --out`, `fazhi export`); no file is left on failure. */
export async function writeWorkbookFile(path: string, input: WorkbookInput): Promise<WrittenWorkbook> {
  // Opened first, so a path that cannot be written fails before any work.
  const handle = await open(path, 'w');
  const sink = handle.createWriteStream();
  const closed = once(sink, 'close');
  try {
    const written = await writeWorkbook(input, sink);
    await closed;
    return written;
  } catch (error) {
    sink.destroy();
    await closed.catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
}
