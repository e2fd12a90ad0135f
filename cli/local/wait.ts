import { countyYearPk, reportSk, type ReportItem } from '../../schemas/storage.ts';
import { readReportItem, type Records } from '../../functions/shared/records.ts';
import { scopesOf } from '../uploads.ts';

/**
 * Waiting for a set of uploads to come out of the pipeline (`scored` or `failed`), by reading their status items —
 * only those (one Query per county·year with unfinished uploads, sort keys REPORT#…), never the score items and their
 * results. A run has no time limit: a big run that keeps making progress is waited for as long as it takes. It ends
 * early in two cases, naming the unfinished uploads as stuck: the queues have nothing left to do (`idle`), or nothing
 * happened for `stallMs` — no waited upload changed its status and the queues handled no message.
 *
 * The statuses are read less often as the run grows: after each read the wait is a multiple of what the read took
 * (so reading stays a small share of the work however many uploads there are), longer still while nothing changes,
 * and cut short the moment the queues fall idle (the last upload is noticed at once, not a poll interval later).
 */

export interface UploadRef {
  key: string;
  year: number;
  county: string;
  /** Status recorded before this (epoch ms) is from an earlier upload of the key; default: the wait's `since`. */
  since?: number;
}

export interface WaitProgress {
  total: number;
  scored: number;
  failed: number;
  /** Key → current status (missing: not recorded yet). */
  statuses: Map<string, ReportItem>;
}

export interface WaitOutcome extends WaitProgress {
  /** Uploads that did not finish, with the status they stopped at. */
  stuck: { key: string; status: string }[];
  /** How the wait ended: every upload final, the queues idle with some unfinished, or no progress for `stallMs`. */
  ended: 'done' | 'idle' | 'stalled';
}

export interface WaitOptions {
  /** Uploads recorded before this (epoch ms) belong to an earlier run of a kept stack. */
  since: number;
  /** True when the queues are empty and no handler runs. */
  idle: () => boolean;
  /** A count that grows whenever the pipeline handles a message (progress even while no status changes). */
  activity?: () => number;
  onProgress?: (progress: WaitProgress) => void;
  /** No progress for this long and the unfinished uploads are stuck (default STALL_LIMIT_MS). */
  stallMs?: number;
  /** The shortest pause between two reads (default 100 ms). */
  pollMs?: number;
  /** The longest pause while nothing changes (default 2 s), unless reading takes longer than READ_SHARE allows. */
  maxPollMs?: number;
}

/**
 * No progress for this long means a local run is stuck. Every delivery ends within its batch's budget (a document's
 * parse is stopped at 30 s, see functions/shared/budgets.ts: an ingest batch of 2 takes at most 81 s), and the stack
 * runs at most a few batches per queue at once, all of which may wait for the same parse thread: 4 × 81 s ≈ 5.4 min.
 * Ten minutes is beyond anything a healthy run does between two handled messages.
 */
export const STALL_LIMIT_MS = 10 * 60_000;

/** Reading the statuses may take at most 1 / READ_SHARE of the time (the wait after a read is READ_SHARE × its duration). */
const READ_SHARE = 20;
/** While nothing changes, each pause is this much longer than the last (up to maxPollMs). */
const BACKOFF = 1.5;
/** How often the pause checks whether the queues fell idle (an in-memory check, no read). */
const IDLE_CHECK_MS = 25;

/** Final (scored or failed) since `since`: a status that became final earlier is an older run's, or is about to be redone. */
export const isDone = (item: ReportItem | undefined, since: number): item is ReportItem =>
  item !== undefined && (item.status === 'scored' || item.status === 'failed') && Date.parse(item.updatedAt) >= since;

/** The status items of one county·year (not its score items). */
async function statusItems(records: Records, scope: { year: number; county: string }): Promise<ReportItem[]> {
  const items = await records.table.query({ partition: countyYearPk(scope.year, scope.county), skBeginsWith: reportSk('') });
  return items.map(readReportItem);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pauses `ms`, or less once the queues are idle. */
async function pause(ms: number, idle: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !idle()) await sleep(Math.min(IDLE_CHECK_MS, until - Date.now()));
}

export async function waitForUploads(records: Records, uploads: readonly UploadRef[], options: WaitOptions): Promise<WaitOutcome> {
  const minPoll = options.pollMs ?? 100;
  const maxPoll = Math.max(minPoll, options.maxPollMs ?? 2_000);
  const stallMs = options.stallMs ?? STALL_LIMIT_MS;
  const wanted = new Set(uploads.map((u) => u.key));
  const sinceOf = (u: UploadRef) => u.since ?? options.since;
  const statuses = new Map<string, ReportItem>();
  let lastProgress = Date.now();
  let lastActivity = options.activity?.();
  let delay = minPoll;
  for (;;) {
    const idleBefore = options.idle();
    const started = Date.now();
    let changed = false;
    // Only the county·years with unfinished uploads are read again: a burst does not re-read what is done.
    for (const scope of scopesOf(uploads.filter((u) => !isDone(statuses.get(u.key), sinceOf(u))))) {
      for (const item of await statusItems(records, scope)) {
        if (!wanted.has(item.sourceKey)) continue;
        const before = statuses.get(item.sourceKey);
        if (before?.status !== item.status || before.updatedAt !== item.updatedAt) changed = true;
        statuses.set(item.sourceKey, item);
      }
    }
    const readMs = Date.now() - started;
    const done = uploads.filter((u) => isDone(statuses.get(u.key), sinceOf(u)));
    const progress: WaitProgress = {
      total: uploads.length,
      scored: done.filter((u) => statuses.get(u.key)?.status === 'scored').length,
      failed: done.filter((u) => statuses.get(u.key)?.status === 'failed').length,
      statuses,
    };
    options.onProgress?.(progress);
    const activity = options.activity?.();
    if (activity !== lastActivity) changed = true;
    lastActivity = activity;
    if (changed) lastProgress = Date.now();

    const unfinished = uploads.filter((u) => !isDone(statuses.get(u.key), sinceOf(u)));
    const stuck = () => unfinished.map((u) => ({ key: u.key, status: statuses.get(u.key)?.status ?? '未收到上传事件' }));
    if (unfinished.length === 0) return { ...progress, stuck: [], ended: 'done' };
    // Idle before and after the read: nothing can still change these items.
    if (idleBefore && options.idle()) return { ...progress, stuck: stuck(), ended: 'idle' };
    if (Date.now() - lastProgress >= stallMs) return { ...progress, stuck: stuck(), ended: 'stalled' };

    // Back off while nothing changes (up to maxPoll); never read more than 1 / READ_SHARE of the time, whatever N is.
    delay = Math.max(changed ? minPoll : Math.min(maxPoll, delay * BACKOFF), readMs * READ_SHARE);
    await pause(Math.min(delay, Math.max(0, lastProgress + stallMs - Date.now())), options.idle);
  }
}
