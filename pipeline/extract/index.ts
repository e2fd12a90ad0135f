import type { DocumentFormat, ExtractedDocument } from '../../schemas/extracted.ts';
import { countHan } from './blocks.ts';
import type { ExtractWarning, ExtractedContent } from './blocks.ts';
import { decodeLossy, decodeText, detectBom, guessBomlessUtf16, loadLegacyDecoders } from './decode.ts';
import { extractDoc } from './doc.ts';
import { checkDocxZip, extractDocx } from './docx.ts';
import { htmlToBlocks, looksLikeHtml, sniffHtmlCharset } from './html.ts';
import { checkUploadSize, resolveLimits } from './limits.ts';
import type { ExtractLimits } from './limits.ts';
import { OleFormatError, classifyOle } from './ole.ts';
import type { OleKind } from './ole.ts';
import { extractPdf } from './pdf.ts';
import type { Deadline } from './pdf.ts';
import {
  rejectEmpty,
  rejectEncrypted,
  rejectLineTooLong,
  rejectNoReportContent,
  rejectNotAReport,
  rejectTextTooLong,
  rejectTimeout,
  rejectUnreadable,
} from './rejections.ts';
import { classifyZip, looksBinary, sniffContainer } from './sniff.ts';
import { looksLikeMarkdown, markdownToBlocks, plainTextToBlocks } from './text.ts';
import { ZipFormatError, readZipDirectory } from './zip.ts';

export {
  DEFAULT_EXTRACT_LIMITS,
  EXTRACT_TIMEOUT_MS,
  MAX_DOCX_UNCOMPRESSED_BYTES,
  MAX_DOCX_XML_PART_BYTES,
  MAX_LINE_CHARS,
  MAX_PDF_PAGES,
  MAX_TEXT_CHARS,
  MAX_UPLOAD_BYTES,
  MAX_ZIP_COMPRESSION_RATIO,
  MAX_ZIP_ENTRIES,
  MIN_HAN_CHARS,
  ZIP_RATIO_MIN_BYTES,
  checkUploadSize,
} from './limits.ts';
export type { ExtractLimits } from './limits.ts';
export { PDF_DATA_BUNDLE_DIRNAME, PDF_DATA_DIR_ENV, PDF_DATA_FILES, pdfDataDir, pdfDataOptions, pdfDataSourceDir } from './pdf-data.ts';

export interface ExtractOptions {
  /** The upload's file name or S3 key: only used to warn when its extension disagrees with the content. */
  name?: string;
  /** Tighter (or, in tests, looser) limits than the defaults in limits.ts. */
  limits?: Partial<ExtractLimits>;
}

/**
 * Bytes of an uploaded report → text blocks with layout hints. The format is sniffed from the content (a .docx named
 * .pdf is read as .docx). A file that cannot be a report, or cannot be read safely, throws DocumentRejectedError
 * with a FailureCode and reasons in Chinese and English; any other error is a bug.
 */
export async function extractDocument(bytes: Uint8Array, options: ExtractOptions = {}): Promise<ExtractedDocument> {
  const limits = resolveLimits(options.limits);
  if (bytes.length === 0) throw rejectEmpty('file');
  checkUploadSize(bytes.length, limits.maxUploadBytes);

  const deadline = { expired: false };
  let timer: NodeJS.Timeout | undefined;
  // The timer cannot interrupt synchronous work inside a library; the PDF reader also checks `deadline` per page.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      deadline.expired = true;
      reject(rejectTimeout(limits.timeoutMs));
    }, limits.timeoutMs);
  });
  try {
    const { format, content } = await Promise.race([extractByFormat(bytes, limits, deadline), timeout]);
    return finish(format, content, limits, options.name);
  } finally {
    clearTimeout(timer);
  }
}

async function extractByFormat(bytes: Uint8Array, limits: ExtractLimits, deadline: Deadline): Promise<{ format: DocumentFormat; content: ExtractedContent }> {
  const container = sniffContainer(bytes);
  switch (container.kind) {
    case 'foreign':
      throw rejectNotAReport(container.foreign);
    case 'zip': {
      let zip;
      try {
        zip = readZipDirectory(bytes, limits.maxZipEntries);
      } catch (error) {
        if (error instanceof ZipFormatError) throw rejectUnreadable('Word (.docx)', error.message);
        throw error;
      }
      const kind = classifyZip(bytes, zip);
      if (kind !== 'docx') throw rejectNotAReport(kind);
      const parts = checkDocxZip(bytes, zip, limits);
      return { format: 'docx', content: await extractDocx(bytes, parts) };
    }
    case 'ole': {
      let kind: OleKind;
      try {
        kind = classifyOle(bytes);
      } catch (error) {
        if (error instanceof OleFormatError) throw rejectUnreadable('Office', error.message);
        throw error;
      }
      if (kind === 'encrypted-doc') throw rejectEncrypted('Word');
      if (kind === 'encrypted-office') throw rejectEncrypted('Office');
      if (kind === 'unknown') throw rejectNotAReport('ole');
      if (kind !== 'doc') throw rejectNotAReport(kind);
      return { format: 'doc', content: await extractDoc(bytes) };
    }
    case 'pdf':
      return { format: 'pdf', content: await extractPdf(bytes, limits, deadline) };
    case 'text':
      await loadLegacyDecoders();
      return extractText(bytes, limits);
  }
}

function extractText(bytes: Uint8Array, limits: ExtractLimits): { format: DocumentFormat; content: ExtractedContent } {
  const bom = detectBom(bytes);
  const utf16 = bom ? undefined : guessBomlessUtf16(bytes);
  if (!bom && !utf16 && looksBinary(bytes)) throw rejectNotAReport('binary');

  const prefixEncoding = bom?.encoding ?? utf16 ?? 'latin1';
  // A single-byte text is HTML only if it opens with "<" (after spaces): most uploads are answered without decoding.
  const html =
    (bom !== undefined || utf16 !== undefined || opensWithMarkup(bytes)) && looksLikeHtml(decodeLossy(bytes.subarray(bom?.length ?? 0, 4096), prefixEncoding));
  // Every supported encoding needs at most 4 bytes per character, so more bytes than this cannot fit the limit.
  // HTML is exempt: markup may outweigh the text many times over.
  if (!html && bytes.length > limits.maxTextChars * 4) throw rejectTextTooLong(Math.floor(bytes.length / 4), limits.maxTextChars);

  const decoded = decodeText(bytes, html && !bom ? sniffHtmlCharset(bytes) : undefined);
  if (decoded.text.trim().length === 0) throw rejectEmpty('whitespace');
  if (!html) checkLongestLine(decoded.text, limits.maxLineChars);

  const format: DocumentFormat = html ? 'html' : looksLikeMarkdown(decoded.text) ? 'md' : 'txt';
  const blocks = format === 'html' ? htmlToBlocks(decoded.text) : format === 'md' ? markdownToBlocks(decoded.text) : plainTextToBlocks(decoded.text);
  return { format, content: { blocks, encoding: decoded.encoding, warnings: decoded.warnings } };
}

/**
 * Whether the first byte that is not a space is "<" (within the prefix looksLikeHtml reads). Spaces are the bytes whose
 * latin1 (windows-1252) character is whitespace to a regular expression: tab, LF, VT, FF, CR, space and no-break
 * space; every HTML test in looksLikeHtml starts with "<" after them.
 */
function opensWithMarkup(bytes: Uint8Array): boolean {
  const prefix = bytes.subarray(0, 4096);
  for (let i = 0; i < prefix.length; i++) {
    const byte = prefix[i]!;
    if ((byte >= 0x09 && byte <= 0x0d) || byte === 0x20 || byte === 0xa0) continue;
    return byte === 0x3c;
  }
  return false;
}

/** Fails on an over-long line before the text is split into blocks. */
function checkLongestLine(text: string, maxLineChars: number): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > maxLineChars) throw rejectLineTooLong(end - start, maxLineChars);
    start = end + 1;
  }
}

const EXTENSION_FORMATS: Record<string, DocumentFormat> = {
  docx: 'docx',
  docm: 'docx',
  doc: 'doc',
  wps: 'doc',
  pdf: 'pdf',
  txt: 'txt',
  text: 'txt',
  md: 'md',
  markdown: 'md',
  html: 'html',
  htm: 'html',
  shtml: 'html',
};

function finish(format: DocumentFormat, content: ExtractedContent, limits: ExtractLimits, name: string | undefined): ExtractedDocument {
  const { blocks } = content;
  if (blocks.length === 0) throw format === 'txt' || format === 'md' || format === 'html' ? rejectEmpty('whitespace') : rejectEmpty('no-text', format);
  let total = 0;
  let han = 0;
  for (const block of blocks) {
    if (block.text.length > limits.maxLineChars) throw rejectLineTooLong(block.text.length, limits.maxLineChars);
    total += block.text.length;
    if (total > limits.maxTextChars) throw rejectTextTooLong(total, limits.maxTextChars);
    if (han < limits.minHanChars) han += countHan(block.text);
  }
  if (han < limits.minHanChars) throw rejectNoReportContent(han);

  const warnings: ExtractWarning[] = [...content.warnings];
  const extension = name ? /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() : undefined;
  const claimed = extension ? EXTENSION_FORMATS[extension] : undefined;
  const textual = new Set<DocumentFormat>(['txt', 'md']);
  if (claimed && claimed !== format && !(textual.has(claimed) && textual.has(format))) {
    warnings.push({
      code: 'extension-mismatch',
      message: `文件名为 .${extension}，内容实际是 ${format} / named .${extension} but the content is ${format}`,
    });
  }
  const document: ExtractedDocument = { format, blocks, warnings };
  if (content.encoding) document.encoding = content.encoding;
  return document;
}
