import { z } from 'zod';
import { FailureCode } from './failure.ts';
import { ReportStatus } from './storage.ts';

/**
 * What a unit sees of its upload: `status/{year}/{county}/{unit}.json`, written by the pipeline (functions/shared/
 * unit-status.ts) and read by the unit's upload page through a presigned GET. It describes the unit's newest upload
 * only, and deliberately carries no score, grade or rank: those are the county's to publish, after its review.
 */
export const UnitStatus = z
  .object({
    year: z.number().int(),
    county: z.string().min(1),
    unit: z.string().min(1),
    /** The same four states as the upload's item in DynamoDB. */
    state: ReportStatus,
    /** The file name within the unit folder (the upload page names it after the unit and the type). */
    file: z.string().min(1),
    bytes: z.number().int().nonnegative().optional(),
    /** When S3 received this upload (ISO 8601; the upload's trusted receipt date, `uploadedAt` of its item). */
    receivedAt: z.string(),
    updatedAt: z.string(),
    /** Only when `state` is failed: the reason, in Chinese, as the clerk must act on it. */
    reason: z.object({ code: FailureCode, message: z.string() }).strict().optional(),
  })
  .strict()
  .refine((status) => (status.state === 'failed') === (status.reason !== undefined), {
    message: 'a unit status has a reason exactly when it is failed',
    path: ['reason'],
  });
export type UnitStatus = z.infer<typeof UnitStatus>;
