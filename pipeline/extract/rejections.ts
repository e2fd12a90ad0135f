import { DocumentRejectedError } from '../failure.ts';

/**
 * Every way the extract stage refuses a file, with a Chinese reason a township clerk can act on and an English one
 * for logs. Kept in one place so the wording stays consistent and reviewable.
 */

/** What a sniffed non-report file turned out to be, as shown to people ("检测到：xlsx"). */
export type ForeignKind =
  | 'xlsx'
  | 'pptx'
  | 'xls'
  | 'ppt'
  | 'odt'
  | 'ods'
  | 'odp'
  | 'zip'
  | 'ole'
  | 'rtf'
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'bmp'
  | 'tiff'
  | 'webp'
  | 'gzip'
  | '7z'
  | 'rar'
  | 'binary';

const FOREIGN_ADVICE: Partial<Record<ForeignKind, [zh: string, en: string]>> = {
  rtf: ['请在 Word 中另存为 .docx 后上传', 'save it as .docx in Word and upload that'],
  odt: ['请另存为 Word (.docx) 或 PDF 后上传', 'save it as .docx or PDF and upload that'],
  png: ['图片无法读取文字，请上传 Word 文件或可复制文字的 PDF', 'images have no text layer; upload the Word file or a text PDF'],
  jpeg: ['图片无法读取文字，请上传 Word 文件或可复制文字的 PDF', 'images have no text layer; upload the Word file or a text PDF'],
};

export function rejectNotAReport(kind: ForeignKind): DocumentRejectedError {
  const [adviceZh, adviceEn] = FOREIGN_ADVICE[kind] ?? ['请上传 Word、PDF 或文本文件', 'upload a Word, PDF or text file'];
  return new DocumentRejectedError('not-a-report', `不是报告文档（检测到：${kind}）— ${adviceZh}`, `Not a report document (found: ${kind}) — ${adviceEn}`);
}

export function rejectEmpty(what: 'file' | 'whitespace' | 'no-text' = 'file', format?: string): DocumentRejectedError {
  if (what === 'file') return new DocumentRejectedError('empty', '文件为空（0 字节）— 请重新上传报告', 'The file is empty (0 bytes) — upload the report again');
  if (what === 'whitespace')
    return new DocumentRejectedError(
      'empty',
      '文件只有空白，没有文字 — 请检查是否上传了正确的文件',
      'The file holds only whitespace — check that the right file was uploaded',
    );
  return new DocumentRejectedError(
    'empty',
    `文档中没有文字内容（${format ?? '文件'}，可能只有图片或空白页）— 请上传含有报告正文的 Word 文件`,
    `The ${format ?? ''} document has no text (only images or blank pages?) — upload the Word file with the report text`,
  );
}

export function rejectTooLarge(bytes: number, max: number): DocumentRejectedError {
  return new DocumentRejectedError(
    'too-large',
    `文件过大（${formatMb(bytes)}，上限 ${formatMb(max)}）— 请压缩图片或删除附件后重新上传`,
    `File too large (${bytes} bytes, limit ${max}) — compress images or remove attachments and upload again`,
  );
}

export function rejectUnreadable(format: string, detailEn: string): DocumentRejectedError {
  return new DocumentRejectedError(
    'unreadable',
    `${format} 文件已损坏或不完整，无法打开 — 请重新导出或重新上传完整文件`,
    `The ${format} file is damaged or truncated and cannot be opened (${oneLine(detailEn)}) — export or upload it again`,
  );
}

export function rejectEncrypted(format: string): DocumentRejectedError {
  return new DocumentRejectedError(
    'encrypted',
    `${format} 文件设置了打开密码 — 请取消密码保护后重新上传`,
    `The ${format} file is password-protected — remove the password and upload again`,
  );
}

export function rejectScannedPdf(): DocumentRejectedError {
  return new DocumentRejectedError(
    'scanned-pdf',
    '扫描件，无文字层 — 请上传 Word 文件或可复制文字的 PDF',
    'PDF has no text layer (scanned?) — upload the Word file or a PDF with selectable text',
  );
}

export function rejectGarbledPdf(garbled: number, visible: number): DocumentRejectedError {
  return new DocumentRejectedError(
    'encoding',
    'PDF 的文字层是乱码（字体缺少编码信息）— 请上传 Word 文件，或重新导出 PDF',
    `The PDF text layer is garbled (${garbled} of ${visible} characters unmappable: fonts without a Unicode map) — upload the Word file`,
  );
}

export function rejectTooManyPages(pages: number, max: number): DocumentRejectedError {
  return new DocumentRejectedError(
    'too-large',
    `PDF 页数过多（${pages} 页，上限 ${max} 页）— 请只上传报告本身`,
    `The PDF has ${pages} pages (limit ${max}) — upload the report alone`,
  );
}

export function rejectEncoding(detailZh: string, detailEn: string): DocumentRejectedError {
  return new DocumentRejectedError(
    'encoding',
    `无法识别文本编码（${detailZh}）— 请用 Word 打开后另存为 .docx，或将文本另存为 UTF-8 编码`,
    `Cannot decode the text without loss (${detailEn}) — save it as .docx or as UTF-8 text`,
  );
}

export function rejectZipBomb(detailEn: string): DocumentRejectedError {
  return new DocumentRejectedError(
    'zip-bomb',
    'Word 文件结构异常（解压后体积或条目数超出限制）— 请在 Word 中重新另存为 .docx 后上传',
    `The .docx ZIP is over the safety limits (${detailEn}) — re-save it in Word and upload again`,
  );
}

export function rejectTextTooLong(chars: number, max: number): DocumentRejectedError {
  return new DocumentRejectedError(
    'text-too-long',
    `文字过多（约 ${chars} 字，上限 ${max} 字）— 这不像一份年度报告，请只上传报告本身`,
    `Too much text (${chars} characters, limit ${max}) — upload the report alone`,
  );
}

export function rejectLineTooLong(chars: number, max: number): DocumentRejectedError {
  return new DocumentRejectedError(
    'text-too-long',
    `有一行文字过长（${chars} 字，上限 ${max} 字）— 文件可能不是报告正文，请检查后重新上传`,
    `A single line has ${chars} characters (limit ${max}) — this does not look like report text`,
  );
}

export function rejectTimeout(ms: number): DocumentRejectedError {
  return new DocumentRejectedError(
    'timeout',
    `文件处理超时（超过 ${Math.round(ms / 1000)} 秒）— 请另存为 .docx 或简化文件后重新上传`,
    `Extraction took longer than ${ms} ms — re-save the file (e.g. as .docx) and upload again`,
  );
}

export function rejectNoReportContent(hanChars: number): DocumentRejectedError {
  return new DocumentRejectedError(
    'no-report-content',
    `文件中几乎没有中文正文（仅 ${hanChars} 个汉字）— 请上传法治政府建设年度报告`,
    `The file holds almost no Chinese text (${hanChars} Han characters) — upload the annual report`,
  );
}

function formatMb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 200);
}
