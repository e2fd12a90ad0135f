import type { ReportItem } from '../../schemas/storage.ts';
import type { Records } from '../../functions/shared/records.ts';
import { scopesOf } from '../uploads.ts';

/**
 * Waiting for a set of uploads to come out of the pipeline (`scored` or `failed`), by reading their status items. A
 * file is stuck when the queues have nothing left to do and it is still not done, or when the time limit passes.
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
}

/** Final (scored or failed) since `since`: a status that became final earlier is an older run's, or is about to be redone. */
export const isDone = (item: ReportItem | undefined, since: number): item is ReportItem =>
  item !== undefined && (item.status === 'scored' || item.status === 'failed') && Date.parse(item.updatedAt) >= since;

export async function waitForUploads(
  records: Records,
  uploads: readonly UploadRef[],
  options: {
    /** Uploads recorded before this (epoch ms) belong to an earlier run of a kept stack. */
    since: number;
    /** True when the queues are empty and no handler runs. */
    idle: () => boolean;
    onProgress?: (progress: WaitProgress) => void;
    timeoutMs?: number;
    pollMs?: number;
  },
): Promise<WaitOutcome> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const wanted = new Set(uploads.map((u) => u.key));
  const statuses = new Map<string, ReportItem>();
  for (;;) {
    const idleBefore = options.idle();
    // Only the county·years with unfinished uploads are read again: a burst does not re-read what is done.
    const open = uploads.filter((u) => !isDone(statuses.get(u.key), u.since ?? options.since));
    for (const scope of scopesOf(open)) {
      const { reports } = await records.partition(scope.year, scope.county);
      for (const item of reports) if (wanted.has(item.sourceKey)) statuses.set(item.sourceKey, item);
    }
    const done = uploads.filter((u) => isDone(statuses.get(u.key), u.since ?? options.since));
    const progress: WaitProgress = {
      total: uploads.length,
      scored: done.filter((u) => statuses.get(u.key)?.status === 'scored').length,
      failed: done.filter((u) => statuses.get(u.key)?.status === 'failed').length,
      statuses,
    };
    options.onProgress?.(progress);
    const unfinished = uploads.filter((u) => !isDone(statuses.get(u.key), u.since ?? options.since));
    // Idle before and after the read: nothing can still change these items.
    if (unfinished.length === 0 || (idleBefore && options.idle()) || Date.now() > deadline) {
      return { ...progress, stuck: unfinished.map((u) => ({ key: u.key, status: statuses.get(u.key)?.status ?? '未收到上传事件' })) };
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}
