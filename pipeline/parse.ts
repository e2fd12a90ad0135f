import { createHash } from 'node:crypto';
import type { Failure } from '../schemas/failure.ts';
import type { NormalizedReport, SubmissionInfo } from '../schemas/report.ts';
import type { Metric } from '../schemas/rubric.ts';
import { extractDocument } from './extract/index.ts';
import { isDocumentRejected } from './failure.ts';
import { normalizeReport } from './normalize/index.ts';

/**
 * Upload → extract → normalise, for one file: bytes in, a NormalizedReport or a Failure out. A file that cannot be
 * read becomes a Failure with a reason; only a bug in our code throws.
 */

export interface ReportFile {
  /** File path (CLI) or S3 key (pipeline): the report's `source`. */
  key: string;
  bytes: Uint8Array;
  /** Year and county from where the file sits (S3 key, CLI flags); used only where the text says nothing. */
  location?: { year?: number; county?: string };
  submission?: SubmissionInfo;
  versionId?: string;
  sequencer?: string;
}

export type ParseOutcome = { ok: true; report: NormalizedReport } | { ok: false; failure: Failure };

export async function parseReport(file: ReportFile, metrics: readonly Metric[]): Promise<ParseOutcome> {
  try {
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    const document = await extractDocument(file.bytes, { name: file.key });
    const report = normalizeReport(
      document,
      {
        key: file.key,
        format: document.format,
        ...(document.encoding ? { encoding: document.encoding } : {}),
        bytes: file.bytes.byteLength,
        sha256,
        ...(file.versionId ? { versionId: file.versionId } : {}),
        ...(file.sequencer ? { sequencer: file.sequencer } : {}),
      },
      { metrics, ...(file.location ? { location: file.location } : {}), ...(file.submission ? { submission: file.submission } : {}) },
    );
    return { ok: true, report };
  } catch (error) {
    if (isDocumentRejected(error)) return { ok: false, failure: error.toFailure(file.key) };
    throw error;
  }
}
