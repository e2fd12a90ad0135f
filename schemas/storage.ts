import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Failure } from './failure.ts';

/**
 * Storage contracts: S3 key layout and the DynamoDB table. The CDK stack (infra/) and the embedded local stack (cli/)
 * both create their bucket and table from these definitions, so the two cannot drift apart.
 */

/** S3 key prefixes. Originals are never modified or deleted; everything we write goes under another prefix. */
export const KEY_PREFIX = {
  reports: 'reports/',
  normalized: 'normalized/',
  exports: 'exports/',
  /** ScoreResults too large for a DynamoDB item (400 KB) are kept here and the item points at them. */
  scores: 'scores/',
  /** The assessors' reviewed workbooks: `reviews/{year}/{county}/{file}.xlsx` (see schemas/review.ts). */
  reviews: 'reviews/',
  /** One small JSON per unit folder (`status/{year}/{county}/{unit}.json`) that the unit's upload page reads. */
  status: 'status/',
} as const;

/** File suffixes of the report formats we read (the uploader checks them before uploading; case as S3 sees it). */
export const REPORT_SUFFIXES = ['.docx', '.DOCX', '.doc', '.DOC', '.pdf', '.PDF', '.txt', '.TXT', '.html', '.HTML', '.htm', '.HTM', '.md', '.MD'] as const;

/**
 * The bucket's event notifications, shared by the CDK stack and the local stack. Every object created under reports/
 * goes to ingest, whatever its suffix: a .xlsx or .wps a township uploads by mistake must end as `failed` with a
 * reason ("不是报告文档（检测到：xlsx）"), not vanish because no filter matched. The format is read from the bytes.
 */
export const NOTIFICATIONS = [
  { prefix: KEY_PREFIX.reports, suffix: '', queue: 'ingest' },
  { prefix: KEY_PREFIX.normalized, suffix: '.json', queue: 'score' },
  // Every object under reviews/ (not only .xlsx): a wrong file there ends as a refused round with a reason.
  { prefix: KEY_PREFIX.reviews, suffix: '', queue: 'review' },
] as const;

/**
 * The bucket's CORS rule, shared by the CDK stack and the local stack: the per-unit upload pages (cli/invite/) POST
 * their report and GET their status object from wherever the clerk opened the page — usually a file from an e-mail,
 * whose origin is `null` — so any origin. CORS only lets a browser read the answer; every request still needs its
 * presigned policy or URL.
 */
export const BUCKET_CORS = {
  allowedMethods: ['POST', 'GET'],
  allowedOrigins: ['*'],
  allowedHeaders: [],
  exposedHeaders: ['ETag'],
  maxAgeSeconds: 3000,
} as const;

/** The single DynamoDB table: one Query per county·year, a GSI for a year-wide ranking. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  rankingIndex: { name: 'byYearRubric', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

/** DynamoDB's item limit is 400 KB counted in UTF-8 bytes (the local server counts characters; we check ourselves). */
export const MAX_ITEM_BYTES = 400 * 1024;
/** Above this many UTF-8 bytes a ScoreResult goes to S3 instead of inline, leaving room for the other attributes. */
export const INLINE_RESULT_LIMIT_BYTES = 300 * 1024;

export const ReportStatus = z.enum(['received', 'parsed', 'scored', 'failed']);
export type ReportStatus = z.infer<typeof ReportStatus>;

/**
 * Where an upload sits in the key space: `reports/{year}/{county}/{name}` (the name may hold sub-folders), e.g. from a
 * unit's upload page `reports/{year}/{county}/{unit}/{file}`: the first folder below the county says who filed it.
 */
export const UploadLocation = z
  .object({
    key: z.string(),
    year: z.number().int(),
    county: z.string().min(1),
    name: z.string().min(1),
    /** The first folder below the county, when there is one: the unit whose upload page wrote it. */
    unit: z.string().min(1).optional(),
  })
  .strict();
export type UploadLocation = z.infer<typeof UploadLocation>;

// ---- Key validation: the CLI's options, the S3 events the pipeline receives and the local S3 server all use these.

/** S3's own limit on a key (UTF-8 bytes). */
export const MAX_KEY_BYTES = 1024;
/** Longest folder or file name (UTF-8 bytes) that file systems accept: the local S3 server stores keys as paths. */
export const MAX_SEGMENT_BYTES = 255;
/** Years an upload may be filed under (a report is about a year of this century). */
export const UPLOAD_YEARS = { min: 2000, max: 2100 } as const;

/** C0/C1 control characters (newline, tab…) and the Unicode line/paragraph separators: invisible in a listing. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const EDGE_SPACE = /^[\s\u3000]|[\s\u3000]$/u;

export interface SegmentProblem {
  /** For people, in Chinese. */
  zh: string;
  en: string;
}

/** Why `segment` cannot be one folder or file name of a key; null when it can. */
export function segmentProblem(segment: string, what = '名称'): SegmentProblem | null {
  if (segment.length === 0) return { zh: `${what}为空（路径中有连续的“/”）`, en: 'an empty path segment (two slashes in a row)' };
  if (segment === '.' || segment === '..') return { zh: `${what}不能是“${segment}”`, en: `a "${segment}" path segment` };
  if (CONTROL_CHARACTER.test(segment)) return { zh: `${what}含有换行符或其他不可见的控制字符`, en: 'a newline or another control character' };
  if (segment.includes('\\')) return { zh: `${what}含有反斜杠“\\”`, en: 'a backslash' };
  if (EDGE_SPACE.test(segment)) return { zh: `${what}首尾有空格`, en: 'leading or trailing spaces' };
  if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES)
    return { zh: `${what}过长（超过 ${MAX_SEGMENT_BYTES} 字节）`, en: `a name longer than ${MAX_SEGMENT_BYTES} bytes` };
  return null;
}

/** Why `county` cannot be the county folder of a key (`fazhi upload --county`, a sidecar, the report's text); null when it can. */
export function countyProblem(county: string): SegmentProblem | null {
  if (county.includes('/')) return { zh: '县名不能含有“/”', en: 'a slash in the county name' };
  return segmentProblem(county, '县名');
}

export function yearProblem(year: number): SegmentProblem | null {
  if (Number.isInteger(year) && year >= UPLOAD_YEARS.min && year <= UPLOAD_YEARS.max) return null;
  return { zh: `年度应为 ${UPLOAD_YEARS.min}–${UPLOAD_YEARS.max} 之间的四位数字`, en: `a year outside ${UPLOAD_YEARS.min}..${UPLOAD_YEARS.max}` };
}

/** A key the pipeline will not process, with the reason a clerk can act on. */
export interface KeyProblem {
  code: 'misplaced' | 'invalid-name';
  message: string;
  messageEn: string;
}

export const MISPLACED_PROBLEM: KeyProblem = {
  code: 'misplaced',
  message: '文件放错了位置：上传路径应为 reports/{年度}/{县名}/{文件名}（年度为四位数字，例如 reports/2024/临澜县/望江镇.docx）。请按此路径重新上传。',
  messageEn: 'Upload key must be reports/{year}/{county}/{file} (four-digit year); upload the file again under such a key.',
};

export function invalidNameProblem(problem: SegmentProblem): KeyProblem {
  return {
    code: 'invalid-name',
    message: `文件名或路径无法使用：${problem.zh}。请改用普通的文件名，按 reports/{年度}/{县名}/{文件名} 重新上传。`,
    messageEn: `The upload key has ${problem.en}; rename the file and upload it again under reports/{year}/{county}/{file}.`,
  };
}

export interface ClassifiedKey {
  /** The county·year whose status partition records the upload (MISPLACED_UPLOADS when the key names none). */
  place: { year: number; county: string };
  /** Set when the key is a usable upload key. */
  location?: UploadLocation;
  /** Set when it is not: the upload is recorded as failed with this reason. */
  problem?: KeyProblem;
}

// [\s\S] rather than "." so that a name with a newline is read as a name (and refused as one), not as a wrong folder.
const uploadKeyPattern = /^reports\/([^/]*)\/([^/]*)\/([\s\S]+)$/u;

/**
 * Places an upload key: a usable `reports/{year}/{county}/{name}`, or the reason it is not. A bad file name stays in
 * its county·year (the clerk sees it in `fazhi status`); a key without a usable year or county goes to the misplaced
 * partition.
 */
export function classifyUploadKey(key: string): ClassifiedKey {
  const misplaced = { year: MISPLACED_UPLOADS.year, county: MISPLACED_UPLOADS.county };
  const match = uploadKeyPattern.exec(key);
  const [, yearText = '', county = '', name = ''] = match ?? [];
  const year = /^\d{4}$/u.test(yearText) ? Number(yearText) : NaN;
  if (!match || yearProblem(year)) {
    // A control character anywhere is the reason to give, whatever else is wrong with the key.
    const control = CONTROL_CHARACTER.test(key) ? { zh: '路径含有换行符或其他不可见的控制字符', en: 'a newline or another control character' } : null;
    return { place: misplaced, problem: control ? invalidNameProblem(control) : MISPLACED_PROBLEM };
  }
  const countyIssue = countyProblem(county);
  if (countyIssue) return { place: misplaced, problem: invalidNameProblem(countyIssue) };
  const nameIssue = name
    .split('/')
    .map((segment) => segmentProblem(segment, '文件名'))
    .find((p) => p !== null);
  const tooLong =
    Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES ? { zh: `路径过长（超过 ${MAX_KEY_BYTES} 字节）`, en: `a key longer than ${MAX_KEY_BYTES} bytes` } : null;
  const issue = nameIssue ?? tooLong;
  if (issue) return { place: { year, county }, problem: invalidNameProblem(issue) };
  // The first folder below the county, when there is one, is the unit whose upload page wrote the file.
  const slash = name.indexOf('/');
  const unit = slash > 0 ? name.slice(0, slash) : undefined;
  return { place: { year, county }, location: { key, year, county, name, ...(unit ? { unit } : {}) } };
}

/** Year and county of a usable upload key; null when the key is misplaced or its name cannot be used. */
export function parseUploadKey(key: string): UploadLocation | null {
  return classifyUploadKey(key).location ?? null;
}

export function uploadKey(year: number, county: string, fileName: string): string {
  return `${KEY_PREFIX.reports}${year}/${county}/${fileName}`;
}

/**
 * One version of one upload, as a short id: the first 16 hex digits of SHA-256 over its key and S3 sequencer. Its
 * normalised report, score results and status item all carry it, so the same bytes under several names or
 * county·years are several uploads with several results (the report id, a hash of the bytes, names the content).
 */
export function uploadIdOf(sourceKey: string, sequencer: string): string {
  return createHash('sha256').update(`${sourceKey}\u0000${sequencer}`, 'utf8').digest('hex').slice(0, 16);
}

/** The folder a unit's upload page writes into: `reports/{year}/{county}/{unit}/`. */
export const unitFolderPrefix = (year: number, county: string, unit: string): string => `${KEY_PREFIX.reports}${year}/${county}/${unit}/`;

/** The status object of a unit folder, written by the pipeline and read by the unit's upload page. */
export const unitStatusKey = (year: number, county: string, unit: string): string => `${KEY_PREFIX.status}${year}/${county}/${unit}.json`;

export const countyYearPk = (year: number, county: string): string => `CY#${year}#${county}`;
export const reportSk = (sourceKey: string): string => `REPORT#${sourceKey}`;
export const rubricTag = (rubric: { id: string; version: string }): string => `${rubric.id}@${rubric.version}`;
export const scoreSk = (rubric: { id: string; version: string }, sourceKey: string): string => `SCORE#${rubricTag(rubric)}#${sourceKey}`;
export const rankingPk = (year: number, rubric: { id: string; version: string }): string => `Y#${year}#${rubricTag(rubric)}`;

/** Where the normalised report of one upload is kept: `normalized/{year}/{county}/{uploadId}.json`. */
export interface NormalizedLocation {
  year: number;
  county: string;
  uploadId: string;
}
export const normalizedKey = (at: NormalizedLocation): string => `${KEY_PREFIX.normalized}${at.year}/${at.county}/${at.uploadId}.json`;
export const NORMALIZED_KEY_PATTERN = /^normalized\/(\d{4})\/([^/]+)\/([0-9a-f]{16})\.json$/u;
/** The county·year and upload a normalised report belongs to, read from its key; null for any other key. */
export function parseNormalizedKey(key: string): NormalizedLocation | null {
  const match = NORMALIZED_KEY_PATTERN.exec(key);
  if (!match) return null;
  return { year: Number(match[1]), county: match[2]!, uploadId: match[3]! };
}
export const exportKey = (year: number, county: string, rubricVersion: string): string =>
  `${KEY_PREFIX.exports}${year}/${county}/ranking-${rubricVersion}.xlsx`;

/**
 * S3 sequencers are hex strings of varying length; AWS says to left-pad the shorter with zeros and compare
 * lexicographically. We store them padded to a fixed width so DynamoDB condition expressions can compare them.
 */
export const SEQUENCER_WIDTH = 32;
export function padSequencer(sequencer: string): string {
  const hex = sequencer.toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex)) throw new Error(`S3 sequencer is not hexadecimal: ${sequencer}`);
  if (hex.length > SEQUENCER_WIDTH) throw new Error(`S3 sequencer longer than ${SEQUENCER_WIDTH} digits: ${sequencer}`);
  return hex.padStart(SEQUENCER_WIDTH, '0');
}

/** The status item of one uploaded file (one per S3 key; newer versions of the key replace older ones). */
export const ReportItem = z
  .object({
    pk: z.string(),
    sk: z.string(),
    kind: z.literal('report'),
    sourceKey: z.string(),
    year: z.number().int(),
    county: z.string(),
    status: ReportStatus,
    /** Padded S3 event sequencer of the object version this item describes. */
    sequencer: z.string(),
    /** `uploadIdOf(sourceKey, sequencer)`: names this version's normalised report and stored results. */
    uploadId: z.string().regex(/^[0-9a-f]{16}$/u),
    /** When S3 received this version (the event time): the trusted submission date. */
    uploadedAt: z.string(),
    versionId: z.string().optional(),
    bytes: z.number().int().nonnegative().optional(),
    /** The object's ETag from the event, so the reconciler can tell whether the item describes what S3 holds now. */
    eTag: z.string().optional(),
    /** Content id of the report (first 16 hex digits of the bytes' SHA-256): the same bytes, the same id. */
    reportId: z.string().optional(),
    township: z.string().nullable().optional(),
    failure: Failure.omit({ source: true }).optional(),
    /** Rubric tags (`id@version`) this report has been scored with. */
    scoredWith: z.array(z.string()).optional(),
    /** How often the reconciler has sent this version's work again (bounded: see MAX_REDRIVES). */
    redrives: z.number().int().nonnegative().optional(),
    receivedAt: z.string(),
    updatedAt: z.string(),
    /** `reportsByYearPk(year)`: every upload of a year in the GSI, so a rescore or a status finds them without knowing the counties. */
    gsi1pk: z.string().optional(),
    /** Epoch milliseconds of `receivedAt` (the GSI sort key is a Number). */
    gsi1sk: z.number().optional(),
  })
  .strict();
export type ReportItem = z.infer<typeof ReportItem>;

/**
 * Uploads whose key is not `reports/{year}/{county}/{file}` cannot be placed in a county·year. Their status item goes
 * to this partition (`CY#0#_misplaced`) with the reason, so `fazhi status` can show them and nothing is lost silently.
 */
export const MISPLACED_UPLOADS = { year: 0, county: '_misplaced' } as const;

/** GSI partition of the report items of a year (the same index as the ranking; the key prefixes do not collide). */
export const reportsByYearPk = (year: number): string => `REPORTS#${year}`;

/** Where a ScoreResult too large for its item is kept (one object per upload and rubric version). */
export const scoreResultKey = (uploadId: string, rubric: { id: string; version: string }): string =>
  `${KEY_PREFIX.scores}${uploadId}/${rubricTag(rubric)}.json`;

/**
 * One report scored with one rubric version: `pk = countyYearPk(year, county)` of the upload,
 * `sk = scoreSk(rubric, sourceKey)`, in the ranking GSI under `rankingPk(year, rubric)` sorted by total. The
 * ScoreResult is JSON in `result`, or, above INLINE_RESULT_LIMIT_BYTES, in S3 at `resultKey`.
 */
export const ScoreItem = z
  .object({
    pk: z.string(),
    sk: z.string(),
    kind: z.literal('score'),
    sourceKey: z.string(),
    /** The upload version scored (its normalised report is `normalizedKey({ year, county, uploadId })`). */
    uploadId: z.string().regex(/^[0-9a-f]{16}$/u),
    reportId: z.string(),
    year: z.number().int(),
    county: z.string(),
    township: z.string().nullable(),
    rubric: z.object({ id: z.string(), version: z.string(), sha256: z.string() }).strict(),
    /** Padded sequencer of the upload version that was scored; an older version never overwrites a newer one. */
    sequencer: z.string(),
    gsi1pk: z.string(),
    gsi1sk: z.number(),
    total: z.number(),
    max: z.number(),
    grade: z.string(),
    /** The ScoreResult as JSON (before the cross-report checks and ranking, which the export runs). */
    result: z.string().optional(),
    resultKey: z.string().optional(),
    /** `encodeSignature` of the report's copy signature, so the export need not recompute it. */
    signature: z.string().optional(),
    scoredAt: z.string(),
  })
  .strict()
  .refine((item) => (item.result === undefined) !== (item.resultKey === undefined), {
    message: 'a score item holds its result either inline (result) or in S3 (resultKey), exactly one of them',
    path: ['result'],
  });
export type ScoreItem = z.infer<typeof ScoreItem>;
