import { rejectTooLarge } from './rejections.ts';

/**
 * The extract stage's limits. Every one is generous for a real township report (5–30 pages, 3k–30k characters) and
 * small enough that a hostile or broken upload fails fast with bounded memory in a 1 GB Lambda.
 */

/** Largest upload accepted at all (bytes). A report with photos is a few MB; edges refuse bigger files by size alone. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** Sum of the uncompressed sizes a .docx's ZIP directory may declare (bytes); more is treated as a zip bomb. */
export const MAX_DOCX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024;

/**
 * Largest single XML part of a .docx (e.g. word/document.xml) we let mammoth parse into a DOM (bytes). A 50-page
 * report's document.xml is 1–3 MB; a DOM costs ~20× the XML in memory.
 */
export const MAX_DOCX_XML_PART_BYTES = 16 * 1024 * 1024;

/** Most entries a .docx ZIP may have (a real one has 10–200, images included). */
export const MAX_ZIP_ENTRIES = 2_000;

/**
 * Highest uncompressed/compressed ratio allowed for a ZIP entry bigger than ZIP_RATIO_MIN_BYTES. Word XML compresses
 * 5–30×; deflate bombs reach ~1000×.
 */
export const MAX_ZIP_COMPRESSION_RATIO = 200;

/** Entries smaller than this (bytes) are not ratio-checked: tiny repetitive parts compress well and are harmless. */
export const ZIP_RATIO_MIN_BYTES = 1024 * 1024;

/** Most characters of extracted text (all blocks). The longest real reports have ~50k characters. */
export const MAX_TEXT_CHARS = 500_000;

/** Longest single line/paragraph (characters). A whole report pasted into one line is ~20k characters. */
export const MAX_LINE_CHARS = 50_000;

/** Most PDF pages read. Reports have 3–40 pages; a 1000-page PDF is something else. */
export const MAX_PDF_PAGES = 300;

/** Per-document extraction time limit (ms). Warm extraction of a real report takes 5–200 ms. */
export const EXTRACT_TIMEOUT_MS = 30_000;

/**
 * Fewest Chinese (Han) characters a report must have. Below this the file decoded fine but holds no Chinese prose.
 * Deliberately tiny so that short test inputs still pass.
 */
export const MIN_HAN_CHARS = 10;

export interface ExtractLimits {
  maxUploadBytes: number;
  maxDocxUncompressedBytes: number;
  maxDocxXmlPartBytes: number;
  maxZipEntries: number;
  maxZipCompressionRatio: number;
  maxTextChars: number;
  maxLineChars: number;
  maxPdfPages: number;
  timeoutMs: number;
  minHanChars: number;
}

export const DEFAULT_EXTRACT_LIMITS: Readonly<ExtractLimits> = Object.freeze({
  maxUploadBytes: MAX_UPLOAD_BYTES,
  maxDocxUncompressedBytes: MAX_DOCX_UNCOMPRESSED_BYTES,
  maxDocxXmlPartBytes: MAX_DOCX_XML_PART_BYTES,
  maxZipEntries: MAX_ZIP_ENTRIES,
  maxZipCompressionRatio: MAX_ZIP_COMPRESSION_RATIO,
  maxTextChars: MAX_TEXT_CHARS,
  maxLineChars: MAX_LINE_CHARS,
  maxPdfPages: MAX_PDF_PAGES,
  timeoutMs: EXTRACT_TIMEOUT_MS,
  minHanChars: MIN_HAN_CHARS,
});

export function resolveLimits(overrides?: Partial<ExtractLimits>): ExtractLimits {
  const limits = { ...DEFAULT_EXTRACT_LIMITS };
  for (const [key, value] of Object.entries(overrides ?? {}) as [keyof ExtractLimits, number | undefined][]) {
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/**
 * Refuses an upload from its size alone (stat, S3 event `size`, Content-Length) before any byte is read.
 * Throws DocumentRejectedError `too-large`.
 */
export function checkUploadSize(bytes: number, maxUploadBytes: number = MAX_UPLOAD_BYTES): void {
  if (bytes > maxUploadBytes) throw rejectTooLarge(bytes, maxUploadBytes);
}
