import { z } from 'zod';

/**
 * Why a file could not be scored. A bad file is data, not an exception: it ends in this shape, in the CLI's
 * `failures`, in DynamoDB (status `failed`) and in the workbook's 处理异常 sheet.
 */
export const FailureCode = z.enum([
  'empty', // no bytes, or only whitespace
  'too-large', // over the upload size limit
  'not-a-report', // a spreadsheet, archive, image or binary junk
  'unreadable', // a damaged or truncated document the format library could not open, or a file that could not be read at all
  'encrypted', // password-protected document
  'scanned-pdf', // a PDF with no text layer
  'encoding', // text whose character encoding could not be decoded without loss
  'zip-bomb', // a .docx whose uncompressed size or entry count is over the limit
  'text-too-long', // more extracted text than any report has
  'timeout', // extraction took longer than the per-document limit
  'no-report-content', // decoded fine, but nothing in it looks like a report (no Chinese prose)
  'misplaced', // uploaded outside reports/{year}/{county}/, so it belongs to no county·year
  'invalid-name', // the key holds a control character (a newline…), a "." or ".." segment, or is too long to keep safely
  'internal', // a bug on our side; the message says so and the file is kept for a retry
]);
export type FailureCode = z.infer<typeof FailureCode>;

export const Failure = z
  .object({
    /** The file path or S3 key the input came from. */
    source: z.string(),
    code: FailureCode,
    /** For the township clerk and the assessor, in Chinese: what is wrong and what to do. */
    message: z.string(),
    /** The same in English, for logs and operators. */
    messageEn: z.string().optional(),
  })
  .strict();
export type Failure = z.infer<typeof Failure>;
