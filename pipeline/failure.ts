import type { Failure, FailureCode } from '../schemas/failure.ts';

/**
 * An error whose message is written for the person who caused it (a clerk, an assessor, an operator): the CLI prints
 * the message alone and exits with `exitCode`; Lambda logs it as it is. Every other error is a bug and is reported as
 * one. Subclasses name the kind (UsageError, ConfigError, UnknownRubricError, BoundaryError…). Modelled on SST v2's
 * VisibleError.
 */
export class VisibleError extends Error {
  override name = 'VisibleError';
  /** 2: how the program was called or configured; 1: the data it was given. */
  readonly exitCode: 1 | 2;
  constructor(message: string, options: { exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

export const isVisibleError = (error: unknown): error is VisibleError => error instanceof VisibleError;

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
