import type { Failure, FailureCode } from '../schemas/failure.ts';

/**
 * Thrown by the pure core when a document cannot be turned into a report: the file is bad, not the code. Edges catch
 * it and record the file as `failed` with `message` (Chinese, for the clerk) and `messageEn` (for logs). Any other
 * error is a bug and is retried by the pipeline.
 */
export class DocumentRejectedError extends Error {
  override readonly name = 'DocumentRejectedError';
  constructor(
    readonly code: FailureCode,
    /** For people, in Chinese: what is wrong and what to do about it. */
    readonly reason: string,
    /** The same in English, for logs. */
    readonly reasonEn: string,
  ) {
    super(`${code}: ${reasonEn}`);
  }

  toFailure(source: string): Failure {
    return { source, code: this.code, message: this.reason, messageEn: this.reasonEn };
  }
}

export function isDocumentRejected(error: unknown): error is DocumentRejectedError {
  return error instanceof DocumentRejectedError;
}
