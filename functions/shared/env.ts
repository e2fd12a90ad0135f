import { z } from 'zod';
import { VisibleError } from '../../pipeline/failure.ts';
import { LOG_LEVELS } from './log.ts';

/**
 * Environment of the Lambda functions, parsed once at module initialisation (infra/fazhi-stack.ts sets it). Optional
 * FAZHI_*_ENDPOINT variables point the same handler module at local servers.
 */

const Url = z.url({ message: 'must be a URL such as http://127.0.0.1:4569' });
const Name = z.string().trim().min(1, 'must not be empty');

export const CommonEnv = z.object({
  BUCKET_NAME: Name,
  TABLE_NAME: Name,
  LOG_LEVEL: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(LOG_LEVELS))
    .default('INFO'),
  AWS_REGION: z.string().min(1).optional(),
  POWERTOOLS_SERVICE_NAME: z.string().min(1).optional(),
  FAZHI_S3_ENDPOINT: Url.optional(),
  FAZHI_DYNAMODB_ENDPOINT: Url.optional(),
  FAZHI_SQS_ENDPOINT: Url.optional(),
});
export type CommonEnv = z.infer<typeof CommonEnv>;

/** The queues' maxReceiveCount (infra/constructs/work-queue.ts defaults to 4; the stack does not pass it down). */
const MaxReceiveCount = z.coerce.number().int().min(1).max(1000).default(4);

export const IngestEnv = CommonEnv.extend({ MAX_RECEIVE_COUNT: MaxReceiveCount, FAZHI_PDF_DATA_DIR: z.string().min(1).optional() });
export type IngestEnv = z.infer<typeof IngestEnv>;

export const ScoreEnv = CommonEnv.extend({
  /** A year ("2024"), a rubric id, or id@version of a bundled rubric: used for reports whose year is unknown. */
  DEFAULT_RUBRIC: Name,
  MAX_RECEIVE_COUNT: MaxReceiveCount,
});
export type ScoreEnv = z.infer<typeof ScoreEnv>;

export const ExportEnv = CommonEnv.extend({ URL_TTL_SECONDS: z.coerce.number().int().min(1).max(604_800) });
export type ExportEnv = z.infer<typeof ExportEnv>;

export const RescoreEnv = CommonEnv.extend({ SCORE_QUEUE_URL: Url });
export type RescoreEnv = z.infer<typeof RescoreEnv>;

export const ReconcileEnv = CommonEnv.extend({
  INGEST_QUEUE_URL: Url,
  INGEST_DLQ_URL: Url,
  SCORE_QUEUE_URL: Url,
  SCORE_DLQ_URL: Url,
  REVIEW_QUEUE_URL: Url,
  REVIEW_DLQ_URL: Url,
  /** Work untouched this long is presumed lost: the longest a message can stay in its queue's retry cycle. */
  STALE_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600),
});
export type ReconcileEnv = z.infer<typeof ReconcileEnv>;

/** The environment (or a setting derived from it) is not usable: the message names the variable. */
export class ConfigError extends VisibleError {
  override readonly name = 'ConfigError';
  constructor(message: string) {
    super(message, { exitCode: 2 });
  }
}

/** Parses the environment; the error names each missing or invalid variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>, what: string): z.infer<S> {
  // An empty variable is as good as unset (CloudFormation cannot express "unset").
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    return present[name] === undefined ? `${name} is not set` : `${name} ${issue.message}`;
  });
  throw new ConfigError(`${what}: environment is not usable: ${problems.join('; ')}`);
}
