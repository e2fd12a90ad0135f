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
  /** One small JSON per unit folder (`status/{year}/{county}/{unit}.json`) that the unit's upload page reads. */
  status: 'status/',
} as const;

/** File suffixes of the report formats we read (the uploader checks them before uploading; case as S3 sees it). */
export const REPORT_SUFFIXES = [
  '.docx', '.DOCX', '.doc', '.DOC', '.pdf', '.PDF', '.txt', '.TXT', '.html', '.HTML', '.htm', '.HTM', '.md', '.MD',
] as const;

/**
 * The bucket's event notifications, shared by the CDK stack and the local stack. Every object created under reports/
 * goes to ingest, whatever its suffix: a .xlsx or .wps a township uploads by mistake must end as `failed` with a
 * reason ("不是报告文档（检测到：xlsx）"), not vanish because no filter matched. The format is read from the bytes.
 */
export const NOTIFICATIONS = [
  { prefix: KEY_PREFIX.reports, suffix: '', queue: 'ingest' },
  { prefix: KEY_PREFIX.normalized, suffix: '.json', queue: 'score' },
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
 * Where an upload sits in the key space: `reports/{year}/{county}/{name}.{ext}`, or, from a unit's upload page,
 * `reports/{year}/{county}/{unit}/{file}`: the unit folder says who filed it.
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

const uploadKeyPattern = /^reports\/(\d{4})\/([^/]+)\/(.+)$/;

/** Reads year and county from an upload key; null when the key is not under `reports/{year}/{county}/`. */
export function parseUploadKey(key: string): UploadLocation | null {
  const match = uploadKeyPattern.exec(key);
  if (!match) return null;
  const [, year, county, name] = match;
  if (!year || !county || !name) return null;
  const slash = name.indexOf('/');
  const unit = slash > 0 ? name.slice(0, slash) : undefined;
  return { key, year: Number(year), county, name, ...(unit ? { unit } : {}) };
}

export function uploadKey(year: number, county: string, fileName: string): string {
  return `${KEY_PREFIX.reports}${year}/${county}/${fileName}`;
}

/** The folder a unit's upload page writes into: `reports/{year}/{county}/{unit}/`. */
export const unitFolderPrefix = (year: number, county: string, unit: string): string => `${KEY_PREFIX.reports}${year}/${county}/${unit}/`;

/** The status object of a unit folder, written by the pipeline and read by the unit's upload page. */
export const unitStatusKey = (year: number, county: string, unit: string): string => `${KEY_PREFIX.status}${year}/${county}/${unit}.json`;

export const countyYearPk = (year: number, county: string): string => `CY#${year}#${county}`;
export const reportSk = (sourceKey: string): string => `REPORT#${sourceKey}`;
export const rubricTag = (rubric: { id: string; version: string }): string => `${rubric.id}@${rubric.version}`;
export const scoreSk = (rubric: { id: string; version: string }, sourceKey: string): string =>
  `SCORE#${rubricTag(rubric)}#${sourceKey}`;
export const rankingPk = (year: number, rubric: { id: string; version: string }): string => `Y#${year}#${rubricTag(rubric)}`;
export const normalizedKey = (reportId: string): string => `${KEY_PREFIX.normalized}${reportId}.json`;
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
    versionId: z.string().optional(),
    bytes: z.number().int().nonnegative().optional(),
    reportId: z.string().optional(),
    township: z.string().nullable().optional(),
    failure: Failure.omit({ source: true }).optional(),
    /** Rubric tags (`id@version`) this report has been scored with. */
    scoredWith: z.array(z.string()).optional(),
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

/** Where a ScoreResult too large for its item is kept (one object per report and rubric version). */
export const scoreResultKey = (reportId: string, rubric: { id: string; version: string }): string =>
  `${KEY_PREFIX.scores}${reportId}/${rubricTag(rubric)}.json`;

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
