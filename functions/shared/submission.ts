import { SubmissionInfo, type Warning } from '../../schemas/report.ts';

/**
 * Submission facts travel with the upload as S3 user metadata (the text cannot tell them): `x-amz-meta-submitted-at`,
 * `-published-url` (percent-encoded: header values must be ASCII), `-published-at`, `-findings` (comma-separated).
 * The upload command writes them; the ingest function reads them back. A malformed value is dropped with a warning
 * on the report (shown in the workbook), not a failed file: the report itself is fine.
 */

export const SUBMISSION_METADATA = {
  submittedAt: 'submitted-at',
  publishedUrl: 'published-url',
  publishedAt: 'published-at',
  findings: 'findings',
} as const;

export function submissionToMetadata(info: SubmissionInfo): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (info.submittedAt) metadata[SUBMISSION_METADATA.submittedAt] = info.submittedAt;
  if (info.publishedUrl) metadata[SUBMISSION_METADATA.publishedUrl] = encodeURIComponent(info.publishedUrl);
  if (info.publishedAt) metadata[SUBMISSION_METADATA.publishedAt] = info.publishedAt;
  if (info.findings && info.findings.length > 0) metadata[SUBMISSION_METADATA.findings] = info.findings.join(',');
  return metadata;
}

const DATE_FIELDS = new Set(['submittedAt', 'publishedAt']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function decodeUrl(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Typed in by hand (console, another tool) without encoding: take it as it is.
    return value;
  }
}

export function submissionFromMetadata(metadata: Record<string, string>): { submission: SubmissionInfo; warnings: Warning[] } {
  const lower = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const candidate: Record<string, unknown> = {};
  const submitted = lower[SUBMISSION_METADATA.submittedAt];
  const url = lower[SUBMISSION_METADATA.publishedUrl];
  const published = lower[SUBMISSION_METADATA.publishedAt];
  const findings = lower[SUBMISSION_METADATA.findings];
  if (submitted) candidate.submittedAt = submitted;
  if (url) candidate.publishedUrl = decodeUrl(url);
  if (published) candidate.publishedAt = published;
  if (findings)
    candidate.findings = findings
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f.length > 0);

  const submission: SubmissionInfo = {};
  const warnings: Warning[] = [];
  const shape = SubmissionInfo.shape;
  for (const [field, value] of Object.entries(candidate)) {
    const schema = shape[field as keyof typeof shape];
    const parsed = schema.safeParse(value);
    // The rubric compares dates as YYYY-MM-DD strings: anything else would be compared wrongly, not refused.
    const dateLike = !DATE_FIELDS.has(field) || (typeof value === 'string' && ISO_DATE.test(value));
    if (parsed.success && dateLike) Object.assign(submission, { [field]: parsed.data });
    else {
      const header = `x-amz-meta-${SUBMISSION_METADATA[field as keyof typeof SUBMISSION_METADATA]}`;
      warnings.push({ code: `metadata-invalid:${field}`, message: `上传信息 ${header} 的值无法识别，已忽略（${JSON.stringify(value)}）` });
    }
  }
  return { submission, warnings };
}

/**
 * Deadlines such as 3月1日 are dates in Beijing (China Standard Time, UTC+8, no daylight saving): the receipt time of
 * an upload is turned into that local time before its date is compared with a deadline.
 */
export const REPORTING_UTC_OFFSET_MINUTES = 8 * 60;

/** `2025-03-01T17:30:00.000Z` → `2025-03-02T01:30:00+08:00`: the same instant, written as a Beijing date and time. */
export function toReportingTime(instant: string | Date): string {
  const ms = (typeof instant === 'string' ? Date.parse(instant) : instant.getTime()) + REPORTING_UTC_OFFSET_MINUTES * 60_000;
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(instant)}`);
  const sign = REPORTING_UTC_OFFSET_MINUTES >= 0 ? '+' : '-';
  const offset = Math.abs(REPORTING_UTC_OFFSET_MINUTES);
  const hhmm = `${String(Math.floor(offset / 60)).padStart(2, '0')}:${String(offset % 60).padStart(2, '0')}`;
  return `${new Date(ms).toISOString().slice(0, 19)}${sign}${hhmm}`;
}

/** The date part (YYYY-MM-DD) of an ISO date or date-time as written: what the rubric compares with its deadlines. */
const datePart = (iso: string): string => iso.slice(0, 10);

export const CLAIM_DIFFERS_WARNING = 'submitted-at-claim-differs';

/**
 * The submission facts of an upload in the pipeline. `submittedAt` is when S3 received it (the event time, in
 * Beijing time): the only date on-time points are earned from. What the uploader wrote into `x-amz-meta-submitted-at`
 * is kept as `claimedSubmittedAt`, shown to the assessor, and flagged when its date is not the receipt date (a late
 * unit could otherwise backdate its report).
 */
export function trustedSubmission(receivedAt: string, metadata: Record<string, string>): { submission: SubmissionInfo; warnings: Warning[] } {
  const { submission: claimed, warnings } = submissionFromMetadata(metadata);
  const { submittedAt: claim, ...rest } = claimed;
  const submittedAt = toReportingTime(receivedAt);
  const submission: SubmissionInfo = { ...rest, submittedAt, ...(claim ? { claimedSubmittedAt: claim } : {}) };
  if (claim && datePart(claim) !== datePart(submittedAt)) {
    warnings.push({
      code: CLAIM_DIFFERS_WARNING,
      message: `上传时声明的报送日期 ${datePart(claim)} 与系统收到文件的日期 ${datePart(submittedAt)}（北京时间）不一致；按期报送按收到日期计分，声明的日期仅供核对。`,
    });
  }
  return { submission, warnings };
}
