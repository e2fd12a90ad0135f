import { SCORE_TIME_BUDGET_MS } from '../../pipeline/score/budget.ts';
import { PARSE_BUDGET_MS } from './isolated.ts';

/**
 * How long one SQS batch may take, from the per-document budgets the handlers enforce (a worker thread stops a parse
 * or a scoring run at its budget, see isolated.ts). infra/ sizes each consumer's batch and timeout from these numbers,
 * so a batch of documents that all use their whole budget still ends before the function times out: a timeout would
 * fail the whole batch and could leave uploads unmarked, a budget overrun fails one document with a reason.
 */

export interface StageBudget {
  /** Messages per invocation (the event source's batch size). */
  batchSize: number;
  /** The worst case for one message: its document budget plus the reads and writes around it. */
  perItemMs: number;
  /** Module init, worker start and the batch's own bookkeeping. */
  overheadMs: number;
}

/**
 * Reads and writes around one document: a 20 MB GetObject, a normalised report PutObject, four conditional DynamoDB
 * updates, with the SDK's retries. Generous: an S3 or DynamoDB call that stalls longer is retried by SQS anyway.
 */
export const INGEST_IO_ALLOWANCE_MS = 8_000;
/** One normalised report read, last year's report read, one score Put (and S3 offload), one status update. */
export const SCORE_IO_ALLOWANCE_MS = 2_000;
/** Worker start (module load ~200–400 ms on Lambda) plus init and slack. */
export const BATCH_OVERHEAD_MS = 5_000;

export const STAGE_BUDGETS = {
  // Two documents per invocation: parsing dominates, so bigger batches would buy nothing but a longer timeout.
  ingest: { batchSize: 2, perItemMs: PARSE_BUDGET_MS + INGEST_IO_ALLOWANCE_MS, overheadMs: BATCH_OVERHEAD_MS },
  score: { batchSize: 10, perItemMs: SCORE_TIME_BUDGET_MS + SCORE_IO_ALLOWANCE_MS, overheadMs: BATCH_OVERHEAD_MS },
} as const satisfies Record<string, StageBudget>;

/** The worst case of one batch (ms). */
export const batchWorstCaseMs = (budget: StageBudget): number => budget.batchSize * budget.perItemMs + budget.overheadMs;

/** The function timeout (whole seconds) that the worst-case batch fits in. */
export const functionTimeoutSeconds = (budget: StageBudget): number => Math.ceil(batchWorstCaseMs(budget) / 1000);

/** Deliveries of a message before its queue moves it to the dead-letter queue (infra's WorkQueue default). */
export const DEFAULT_MAX_RECEIVE_COUNT = 4;
/** AWS: a queue's visibility timeout should be at least 6 × its consumer's timeout. */
export const VISIBILITY_FACTOR = 6;
/** Slack on top of the longest retry cycle before the reconciler presumes work lost. */
export const STALE_MARGIN_MS = 5 * 60_000;

/**
 * How long unfinished work may sit untouched before the reconciler presumes it lost: longer than any message can
 * cycle through its queue (every delivery waiting a full visibility timeout), so it never re-sends work SQS still has.
 */
export function staleAfterSeconds(maxReceiveCount: number = DEFAULT_MAX_RECEIVE_COUNT): number {
  const cycles = Object.values(STAGE_BUDGETS).map((budget) => maxReceiveCount * VISIBILITY_FACTOR * functionTimeoutSeconds(budget) * 1000);
  return Math.ceil((Math.max(...cycles) + STALE_MARGIN_MS) / 1000);
}
