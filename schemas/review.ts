import { z } from 'zod';
import { decodeS3EventKey, type S3EventRecord } from './events.ts';
import { Failure } from './failure.ts';
import { ScoreResult } from './score.ts';
import { padSequencer } from './storage.ts';

/**
 * The assessor's review: what a reviewed workbook may change, the change log, the final results (machine and human
 * side by side — the machine verdict is never overwritten), the workbook's provenance, and the DynamoDB items of the
 * review rounds (append-only). Stable contract: `fazhi review --json` prints FinalResults; the review Lambda stores
 * ReviewRoundItem and ReviewChangeItem.
 */

/** What a change touches: the total (调整分), one indicator or penalty (评分依据's 调整后得分), or a pending decision. */
export const ReviewTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('total') }).strict(),
  /** A scored indicator or bonus item: `score` goes from → to (0..max). */
  z.object({ kind: z.literal('indicator'), id: z.string(), name: z.string() }).strict(),
  /** A penalty: the points deducted go from → to (0..max, positive). */
  z.object({ kind: z.literal('penalty'), id: z.string(), name: z.string() }).strict(),
  /** A PendingDecision (by its id): 确认 or 撤销; from → to are the total before and after. */
  z
    .object({
      kind: z.literal('decision'),
      id: z.string(),
      decision: z.enum(['confirm', 'withdraw']),
      pendingKind: z.enum(['copy-deduction', 'low-confidence-award']),
      /** The penalty or indicator the pending item concerns. */
      target: z.string(),
    })
    .strict(),
]);
export type ReviewTarget = z.infer<typeof ReviewTarget>;

export const ReviewChange = z
  .object({
    /** The report's source (upload key or file path) and unit, as in the ScoreResult. */
    source: z.string(),
    reportId: z.string(),
    unit: z.string(),
    target: ReviewTarget,
    /**
     * The machine's own value of the target when the change was made (indicator score, points deducted, total, or
     * the pending item's points): a later re-score is compared with it to tell whether the change needs another look.
     */
    machine: z.number(),
    from: z.number(),
    to: z.number(),
    reason: z.string(),
    reviewer: z.string(),
    /** When the change was applied (ISO 8601). */
    at: z.string(),
    /** The reviewed workbook it came from (file name or S3 key) and where in it. */
    workbook: z.string(),
    sheet: z.string(),
    row: z.number().int().positive(),
  })
  .strict();
export type ReviewChange = z.infer<typeof ReviewChange>;

/** A row the review would not apply, with the reason in Chinese ("第 7 行：调整分不为 0 时必须填写调整理由"). */
export const ReviewRefusal = z
  .object({
    sheet: z.string(),
    /** Row number in the sheet as the spreadsheet program shows it; null for the workbook as a whole. */
    row: z.number().int().positive().nullable(),
    message: z.string(),
  })
  .strict();
export type ReviewRefusal = z.infer<typeof ReviewRefusal>;

/** A result after review: `total`, `grade`, `rank` are final; the machine's are kept beside them. */
export const FinalResult = ScoreResult.extend({
  machineTotal: z.number(),
  machineGrade: z.string(),
  machineRank: z.number().int().positive().nullable(),
  /** final total − machine total (every change of this unit together). */
  adjustment: z.number(),
  /** This unit's changes, in the order applied. */
  changes: z.array(ReviewChange),
}).strict();
export type FinalResult = z.infer<typeof FinalResult>;

/** What `fazhi review --json` prints: final rank order. */
export const ReviewOutput = z.object({ results: z.array(FinalResult) }).strict();
export type ReviewOutput = z.infer<typeof ReviewOutput>;

/**
 * The workbook's provenance (hidden sheet 系统数据): enough to match a reviewed copy to what produced it. The machine
 * results themselves travel beside it, compressed; `resultsDigest` is the SHA-256 of their canonical JSON.
 */
export const WorkbookProvenance = z
  .object({
    format: z.literal(1),
    /** `machine`: made by score/export; `final`: made by review (it can be reviewed again as a whole new round). */
    kind: z.enum(['machine', 'final']),
    scope: z
      .object({
        /** E.g. "临澜县 2024年度". */
        label: z.string(),
        /** Set when every result is of one county (the pipeline's county·year), else null. */
        county: z.string().nullable(),
        year: z.number().int().nullable(),
      })
      .strict(),
    rubrics: z.array(z.object({ id: z.string(), version: z.string(), sha256: z.string() }).strict()),
    generatedAt: z.string(),
    resultsDigest: z.string().regex(/^[0-9a-f]{64}$/),
    results: z.number().int().nonnegative(),
  })
  .strict();
export type WorkbookProvenance = z.infer<typeof WorkbookProvenance>;

/**
 * An upload of the scope that the ranking leaves out although it did not fail (the pipeline's export), and why:
 * still on its way (received, to be parsed; parsed, to be scored), scored with another rubric only, or replaced by a
 * later upload of the same unit (`by`, which the ranking holds instead).
 */
export const NotRanked = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('processing'), source: z.string(), status: z.enum(['received', 'parsed']) }).strict(),
  z.object({ kind: z.literal('other-rubric'), source: z.string() }).strict(),
  z.object({ kind: z.literal('superseded'), source: z.string(), by: z.string() }).strict(),
]);
export type NotRanked = z.infer<typeof NotRanked>;

/**
 * The compressed payload beside the provenance: the machine results, the failures, the uploads not ranked and the
 * rubrics (as validated).
 */
export const WorkbookPayload = z
  .object({
    results: z.array(ScoreResult),
    failures: z.array(Failure),
    /** Absent when there are none (and in workbooks made before it existed). */
    notRanked: z.array(NotRanked).optional(),
    /** The Rubric objects (as `parseRubric` returns them); their SHA-256 must match `provenance.rubrics`. */
    rubrics: z.array(z.unknown()),
  })
  .strict();
export type WorkbookPayload = z.infer<typeof WorkbookPayload>;

// ---- Pipeline storage: review rounds and changes live in their own partition per county·year, never beside or over
// the score items (a re-score writes score items; it cannot touch these).

export const KEY_PREFIX_REVIEWS = 'reviews/'; // = KEY_PREFIX.reviews in storage.ts

/** `reviews/{year}/{county}/{file}`: where an assessor uploads the reviewed workbook. */
export const REVIEW_SUFFIXES = ['.xlsx', '.XLSX'] as const;

const reviewKeyPattern = /^reviews\/(\d{4})\/([^/]+)\/(.+)$/;

export function parseReviewKey(key: string): { key: string; year: number; county: string; name: string } | null {
  const match = reviewKeyPattern.exec(key);
  if (!match) return null;
  const [, year, county, name] = match;
  if (!year || !county || !name) return null;
  return { key, year: Number(year), county, name };
}

export const reviewUploadKey = (year: number, county: string, fileName: string): string => `${KEY_PREFIX_REVIEWS}${year}/${county}/${fileName}`;

/** The final workbook of a review round: beside the machine workbook under exports/. */
export const finalExportKey = (year: number, county: string, rubricVersion: string): string => `exports/${year}/${county}/final-${rubricVersion}.xlsx`;

export const reviewPk = (year: number, county: string): string => `REVIEW#${year}#${county}`;
/** Rounds sort by the time S3 received the workbook, then key and sequencer (unique per upload version). */
export const reviewRoundSk = (receivedAt: string, workbookKey: string, sequencer: string): string => `ROUND#${receivedAt}#${workbookKey}#${sequencer}`;
export const reviewChangeSk = (roundSk: string, index: number): string => `CHANGE#${roundSk.slice('ROUND#'.length)}#${String(index).padStart(5, '0')}`;

/** Where a review uploaded outside reviews/{year}/{county}/ is recorded (as MISPLACED_UPLOADS is for reports). */
export const MISPLACED_REVIEWS = { year: 0, county: '_misplaced' } as const;

/** One uploaded version of a reviewed workbook, as its S3 event names it: where its round is recorded, under which key. */
export interface ReviewUpload {
  key: string;
  /** Null when the workbook is not under reviews/{year}/{county}/ (its round is then MISPLACED_REVIEWS'). */
  location: ReturnType<typeof parseReviewKey>;
  year: number;
  county: string;
  sequencer: string;
  versionId?: string;
  /** When S3 received it (the event's time). */
  receivedAt: string;
  /** The round's sort key: the review function and the reconciler find the same round from the same event. */
  sk: string;
}

/** The upload an S3 event record is about; `now` only when the event carries no readable time. */
export function reviewUploadOf(record: S3EventRecord, now: () => Date): ReviewUpload {
  const key = decodeS3EventKey(record.s3.object.key);
  const location = parseReviewKey(key);
  const { year, county } = location ?? MISPLACED_REVIEWS;
  const sequencer = padSequencer(record.s3.object.sequencer ?? Math.max(0, Date.parse(record.eventTime) || 0).toString(16));
  const receivedAt = new Date(Date.parse(record.eventTime) || now().getTime()).toISOString();
  const versionId = record.s3.object.versionId;
  return { key, location, year, county, sequencer, ...(versionId ? { versionId } : {}), receivedAt, sk: reviewRoundSk(receivedAt, key, sequencer) };
}

/** What every round item of an upload says, whatever became of it. */
export function roundBase(upload: ReviewUpload, appliedAt: string) {
  return {
    pk: reviewPk(upload.year, upload.county),
    sk: upload.sk,
    year: upload.year,
    county: upload.county,
    workbookKey: upload.key,
    sequencer: upload.sequencer,
    ...(upload.versionId ? { versionId: upload.versionId } : {}),
    receivedAt: upload.receivedAt,
    appliedAt,
  };
}

export const ReviewRoundStatus = z.enum(['applied', 'refused']);
export type ReviewRoundStatus = z.infer<typeof ReviewRoundStatus>;

/** One uploaded reviewed workbook and what became of it. Written once (after its changes); never updated. */
export const ReviewRoundItem = z
  .object({
    pk: z.string(),
    sk: z.string(),
    kind: z.literal('review-round'),
    year: z.number().int(),
    county: z.string(),
    workbookKey: z.string(),
    sequencer: z.string(),
    versionId: z.string().optional(),
    receivedAt: z.string(),
    status: ReviewRoundStatus,
    /** Why it was refused (each with its row), in Chinese; empty when applied. */
    refusals: z.array(ReviewRefusal),
    changes: z.number().int().nonnegative(),
    reviewers: z.array(z.string()),
    rubric: z.object({ id: z.string(), version: z.string(), sha256: z.string() }).strict().optional(),
    resultsDigest: z.string().optional(),
    finalKey: z.string().optional(),
    appliedAt: z.string(),
  })
  .strict();
export type ReviewRoundItem = z.infer<typeof ReviewRoundItem>;

/** One change of an applied round (append-only: one item per change, conditional on not existing). */
export const ReviewChangeItem = ReviewChange.extend({
  pk: z.string(),
  sk: z.string(),
  kind: z.literal('review-change'),
  round: z.string(),
}).strict();
export type ReviewChangeItem = z.infer<typeof ReviewChangeItem>;
