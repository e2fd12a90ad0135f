import {
  decodeS3EventKey,
  parseQueueMessage,
  ReconcileRequest,
  s3NotificationBody,
  type ReconcileAction,
  type ReconcileReport,
  type RubricRef,
  type ScoreCommand,
} from '../../schemas/events.ts';
import {
  classifyUploadKey,
  KEY_PREFIX,
  MISPLACED_UPLOADS,
  normalizedKey,
  padSequencer,
  parseNormalizedKey,
  rubricTag,
  type ReportItem,
} from '../../schemas/storage.ts';
import { reviewUploadOf, type ReviewUpload } from '../../schemas/review.ts';
import type { ListedObject, ObjectLister } from '../aws/object-store.ts';
import type { DeadLetter, StageQueue } from '../aws/queue.ts';
import { parseAt } from '../shared/boundary.ts';
import type { Logger } from '../shared/log.ts';
import { MAX_REDRIVES, type FailureReason, type Records } from '../shared/records.ts';
import { GAVE_UP_REVIEW_REASON, type ReviewRecords } from '../shared/review-records.ts';
import type { UnitStatusWriter } from '../shared/unit-status.ts';
import { GONE_REASON } from '../ingest/ingest.ts';

/**
 * The reconciler: every upload must end `scored` or `failed` with a reason, whatever failed on the way (a function
 * timed out on its last delivery, DynamoDB or S3 was down for longer than the retries, the local stack was killed
 * with work in its queues). It compares three sources and acts on the differences:
 *
 *   S3 `reports/` listing   an object with no status item, or whose item describes an older version → its upload
 *                           event is sent again to the ingest queue (built as S3 builds it);
 *   status items            `received`/`parsed` untouched for longer than the queues' retry window and not queued →
 *                           its work is sent again (an upload event, or a score command);
 *   dead-letter queues      a message that failed every delivery → sent back to its queue once more (an outage
 *                           may be over) unless its work has since been done (then the letter is deleted);
 *   review dead letters     a reviewed workbook whose every delivery failed and whose round could not be recorded
 *                           then → sent back to the review queue; after MAX_REDRIVES its round is recorded as
 *                           refused with the reason, so the assessor learns that nothing was applied;
 *
 * Work is sent again at most MAX_REDRIVES times per upload version (counted on its item); after that the upload is
 * marked `failed` with a reason and its dead letter is left for an operator. Everything it does is in its report.
 * It never scans the table: it queries the years the listing names (GSI) and the misplaced partition.
 */

export interface ReconcileDeps {
  /** Lists reports/ (the reconciler's role may list that prefix only). */
  lister: ObjectLister;
  bucket: string;
  records: Records;
  queues: { ingest: StageQueue; score: StageQueue; review: StageQueue };
  /** The review rounds: a review dead letter is done once its round is recorded. */
  reviews: ReviewRecords;
  /** An upload in a unit folder that it marks failed: the unit's upload page must say so too. */
  unitStatus: UnitStatusWriter;
  log: Logger;
  /** Default for work presumed lost: longer than a message can stay in its queue's retry cycle. */
  staleAfterMs: number;
  clock?: () => Date;
}

export const GAVE_UP_REASON: FailureReason = {
  code: 'internal',
  message: `系统已自动重新处理本文件 ${MAX_REDRIVES} 次，仍未完成（不是文件本身的问题），已通知管理员；文件已保存，修复后会重新处理。`,
  messageEn: `The work on this upload was sent again ${MAX_REDRIVES} times without finishing; the dead-letter queue and logs are left for an operator.`,
};

type Stage = 'ingest' | 'score';
const FINAL = new Set(['scored', 'failed']);

/** The smallest sequencer: any real event of the key (earlier or later) wins over a re-drive built without one. */
const LOWEST_SEQUENCER = padSequencer('1');
/** One above an item's own: a re-drive of a newer version whose event was lost replaces the item's older one. */
const nextSequencer = (padded: string): string => padSequencer((BigInt(`0x${padded}`) + 1n).toString(16));
const unquote = (eTag: string | undefined): string | undefined => eTag?.replace(/^"|"$/g, '');

interface Letter {
  stage: Stage;
  letter: DeadLetter;
}

export async function runReconcile(deps: ReconcileDeps, input: ReconcileRequest = {}): Promise<ReconcileReport> {
  const request = parseAt(ReconcileRequest, input, 'reconcile request');
  const dryRun = request.dryRun ?? false;
  const staleAfterMs = request.staleAfterSeconds !== undefined ? request.staleAfterSeconds * 1000 : deps.staleAfterMs;
  const clock = deps.clock ?? (() => new Date());
  const started = clock().getTime();
  const actions: ReconcileAction[] = [];
  const waiting: ReconcileReport['waiting'] = [];
  const stale = (iso: string): boolean => started - Date.parse(iso) >= staleAfterMs;

  // ---- What there is: objects, their status items, queued work, dead letters.
  const objects = (await deps.lister.list(KEY_PREFIX.reports)).filter((o) => !o.key.endsWith('/'));
  const years = new Set(objects.map((o) => classifyUploadKey(o.key).place.year).filter((y) => y !== MISPLACED_UPLOADS.year));
  const items = new Map<string, ReportItem>();
  for (const year of [...years].sort()) for (const item of await deps.records.uploadsOfYear(year)) items.set(item.sourceKey, item);
  for (const item of (await deps.records.partition(MISPLACED_UPLOADS.year, MISPLACED_UPLOADS.county)).reports) items.set(item.sourceKey, item);
  const byUploadId = new Map([...items.values()].map((item) => [item.uploadId, item]));
  const pending = { ingest: await deps.queues.ingest.pending(), score: await deps.queues.score.pending() };
  const queued = { ingest: subjectsOf('ingest', pending.ingest.bodies), score: subjectsOf('score', pending.score.bodies) };
  const letters: Letter[] = [
    ...(await deps.queues.ingest.deadLetters()).map((letter) => ({ stage: 'ingest' as const, letter })),
    ...(await deps.queues.score.deadLetters()).map((letter) => ({ stage: 'score' as const, letter })),
  ];
  const reviewLetters = await deps.queues.review.deadLetters();

  /** Whether the stage may still hold this upload's work: known exactly locally, guessed from the depth on SQS. */
  const mayBeQueued = (stage: Stage, subject: string): boolean => {
    const known = queued[stage];
    return known ? known.has(subject) : pending[stage].depth > 0;
  };

  // ---- Acting (nothing changes in a dry run).
  const record = (action: ReconcileAction): void => {
    actions.push(action);
    deps.log.info(`reconcile: ${action.action}`, { ...action });
  };
  const send = async (stage: Stage | 'review', body: string): Promise<void> => {
    if (dryRun) return;
    const outcome = await deps.queues[stage].send([body]);
    if (outcome.failed.length > 0) throw new Error(`could not send to the ${stage} queue: ${outcome.failed[0]?.reason ?? ''}`);
  };
  const countRedrive = async (item: ReportItem | undefined): Promise<void> => {
    if (item && !dryRun) await deps.records.noteRedrive(item);
  };
  const giveUp = async (item: ReportItem, stage: Stage, why: ReconcileAction['why'], reason: FailureReason): Promise<void> => {
    if (!dryRun && (await deps.records.unfinishedFailed(item, reason))) await deps.unitStatus.record(item.sourceKey, 'failed', reason);
    record({ source: item.sourceKey, stage, action: 'failed', why, reason: reason.message });
  };
  const handled = new Set<string>();

  // ---- 1. Dead letters: work that failed every delivery.
  for (const { stage, letter } of letters) {
    const verdicts = stage === 'ingest' ? ingestLetterVerdicts(letter, items) : scoreLetterVerdicts(letter, byUploadId);
    if (verdicts.length === 0) continue; // not ours to judge (malformed, a test event): left for an operator
    let keep = false;
    for (const verdict of verdicts) {
      handled.add(verdict.source);
      if (verdict.kind === 'superseded') {
        record({ source: verdict.source, stage, action: 'cleared', why: 'superseded' });
        continue;
      }
      const item = verdict.item;
      if ((item?.redrives ?? 0) >= MAX_REDRIVES) {
        keep = true;
        if (item && !FINAL.has(item.status)) await giveUp(item, stage, 'gave-up', GAVE_UP_REASON);
        else if (item) record({ source: verdict.source, stage, action: 'failed', why: 'gave-up', reason: item.failure?.message ?? GAVE_UP_REASON.message });
        continue;
      }
      await countRedrive(item);
      record({ source: verdict.source, stage, action: 'redriven', why: 'dead-letter' });
    }
    if (keep) continue;
    // The letter goes back to its queue as it is (same body, same event time), once for all its uploads.
    if (verdicts.some((v) => v.kind === 'redrive')) await send(stage, letter.body);
    if (!dryRun) await deps.queues[stage].deleteDeadLetter(letter);
  }

  // ---- 1b. Review dead letters. The review function records a refused round on a letter's last delivery; a letter
  // whose round is missing met an error there too (DynamoDB down): it goes back once the outage may be over.
  for (const letter of reviewLetters) {
    const uploads = reviewLetterUploads(letter.body, clock);
    if (uploads.length === 0) continue; // not ours to judge (malformed, a test event): left for an operator
    const redrives = reviewRedrivesOf(letter.body);
    let resend = false;
    for (const upload of uploads) {
      const action = { source: upload.key, stage: 'review' as const };
      if (await deps.reviews.hasRound(upload.year, upload.county, upload.sk)) record({ ...action, action: 'cleared', why: 'superseded' });
      else if (redrives >= MAX_REDRIVES) {
        if (!dryRun) await deps.reviews.putUnfinished(upload, GAVE_UP_REVIEW_REASON, clock().toISOString());
        record({ ...action, action: 'failed', why: 'gave-up', reason: GAVE_UP_REVIEW_REASON });
      } else {
        resend = true;
        record({ ...action, action: 'redriven', why: 'dead-letter' });
      }
    }
    if (resend) await send('review', withReviewRedrives(letter.body, redrives + 1));
    // Every upload it names has its round now, or is on its way again: the round (and the logs) say the rest.
    if (!dryRun) await deps.queues.review.deleteDeadLetter(letter);
  }

  // ---- 2. Every object under reports/ against its status item.
  const listed = new Set<string>();
  for (const object of objects) {
    listed.add(object.key);
    if (handled.has(object.key)) continue;
    const item = items.get(object.key);
    if (!item) {
      // No status at all: the upload event (or the first write) was lost.
      if (!stale(object.lastModified.toISOString()) || mayBeQueued('ingest', object.key)) waiting.push({ source: object.key, status: 'no status yet' });
      else {
        await send('ingest', uploadEvent(deps.bucket, object, LOWEST_SEQUENCER));
        record({ source: object.key, stage: 'ingest', action: 'redriven', why: 'no-status' });
      }
      continue;
    }
    if (FINAL.has(item.status)) {
      // Final, but for an older version: the newest version's event was lost (its ETag is not the item's).
      const newer = item.eTag && object.eTag && unquote(item.eTag) !== unquote(object.eTag) && object.lastModified.getTime() > Date.parse(item.uploadedAt);
      if (newer && stale(object.lastModified.toISOString()) && !mayBeQueued('ingest', object.key)) {
        await send('ingest', uploadEvent(deps.bucket, object, nextSequencer(item.sequencer)));
        record({ source: object.key, stage: 'ingest', action: 'redriven', why: 'no-status' });
      }
      continue;
    }
    await settleUnfinished(item);
  }

  // ---- 3. Unfinished items whose object is gone (deleted, or the key was replaced by a folder).
  for (const item of items.values()) {
    if (listed.has(item.sourceKey) || handled.has(item.sourceKey) || FINAL.has(item.status)) continue;
    // Uploaded after the listing was taken: not gone, just new.
    if (Date.parse(item.uploadedAt) >= started || !stale(item.updatedAt)) continue;
    await giveUp(item, item.status === 'received' ? 'ingest' : 'score', 'gone', GONE_REASON);
  }

  async function settleUnfinished(item: ReportItem): Promise<void> {
    const stage: Stage = item.status === 'received' ? 'ingest' : 'score';
    const subject = stage === 'ingest' ? item.sourceKey : normalizedKey(item);
    if (!stale(item.updatedAt) || mayBeQueued(stage, subject)) {
      waiting.push({ source: item.sourceKey, status: item.status });
      return;
    }
    if ((item.redrives ?? 0) >= MAX_REDRIVES) return giveUp(item, stage, 'gave-up', GAVE_UP_REASON);
    // received: the same event again (a retry of unfinished work); parsed: a score command for its report.
    const body =
      stage === 'ingest'
        ? uploadEvent(
            deps.bucket,
            { key: item.sourceKey, size: item.bytes ?? 0, ...(item.eTag ? { eTag: item.eTag } : {}), lastModified: new Date(item.uploadedAt) },
            item.sequencer,
            item.versionId,
          )
        : JSON.stringify({ type: 'score', normalizedKey: subject } satisfies ScoreCommand);
    await send(stage, body);
    await countRedrive(item);
    record({ source: item.sourceKey, stage, action: 'redriven', why: 'stalled' });
  }

  const report: ReconcileReport = { objects: objects.length, items: items.size, deadLetters: letters.length + reviewLetters.length, actions, waiting, dryRun };
  deps.log.info('reconciled', {
    objects: report.objects,
    items: report.items,
    deadLetters: report.deadLetters,
    redriven: actions.filter((a) => a.action === 'redriven').length,
    failed: actions.filter((a) => a.action === 'failed').length,
    cleared: actions.filter((a) => a.action === 'cleared').length,
    waiting: waiting.length,
    dryRun,
  });
  return report;
}

/** An upload event for an object, as S3 would send it; its time is the object's (the receipt date is kept). */
function uploadEvent(bucket: string, object: ListedObject, sequencer: string, versionId?: string): string {
  return s3NotificationBody({
    bucket,
    key: object.key,
    eventTime: object.lastModified.toISOString(),
    sequencer,
    size: object.size,
    ...(object.eTag ? { eTag: unquote(object.eTag)! } : {}),
    ...(versionId ? { versionId } : {}),
    principal: 'fazhi-reconciler',
  });
}

/** The uploads (ingest: source keys) or normalised reports (score: normalised keys) queued messages are about. */
function subjectsOf(stage: Stage, bodies: readonly string[] | undefined): Set<string> | undefined {
  if (!bodies) return undefined;
  const subjects = new Set<string>();
  for (const body of bodies) {
    try {
      const message = parseQueueMessage(body, { scoreCommands: stage === 'score' });
      if (message.kind === 'score') subjects.add(message.command.normalizedKey);
      if (message.kind === 's3') for (const r of message.notification.Records) subjects.add(decodeS3EventKey(r.s3.object.key));
    } catch {
      // A malformed message is about nothing we can name.
    }
  }
  return subjects;
}

/** `item` is the status of exactly the version the letter is about (undefined: never recorded, e.g. DynamoDB was down). */
type Verdict = { kind: 'superseded'; source: string } | { kind: 'redrive'; source: string; item: ReportItem | undefined };

/** For each upload an ingest dead letter names: is its work since done (or replaced), or must it be sent again? */
function ingestLetterVerdicts(letter: DeadLetter, items: ReadonlyMap<string, ReportItem>): Verdict[] {
  let message;
  try {
    message = parseQueueMessage(letter.body, { scoreCommands: false });
  } catch {
    return [];
  }
  if (message.kind !== 's3') return [];
  const verdicts: Verdict[] = [];
  for (const record of message.notification.Records) {
    const source = decodeS3EventKey(record.s3.object.key);
    if (!record.eventName.startsWith('ObjectCreated:') || source.endsWith('/')) continue;
    const sequencer = padSequencer(record.s3.object.sequencer ?? Math.max(0, Date.parse(record.eventTime) || 0).toString(16));
    const item = items.get(source);
    const done =
      item &&
      (item.sequencer > sequencer ||
        (item.sequencer === sequencer &&
          (item.status === 'parsed' || item.status === 'scored' || (item.status === 'failed' && item.failure?.code !== 'internal'))));
    verdicts.push(done ? { kind: 'superseded', source } : { kind: 'redrive', source, item: item?.sequencer === sequencer ? item : undefined });
  }
  return verdicts;
}

/** For the upload a score dead letter names: scored since (with the rubric it asked for), replaced, or to send again. */
function scoreLetterVerdicts(letter: DeadLetter, byUploadId: ReadonlyMap<string, ReportItem>): Verdict[] {
  let message;
  try {
    message = parseQueueMessage(letter.body, { scoreCommands: true });
  } catch {
    return [];
  }
  const targets: { key: string; rubric?: RubricRef }[] =
    message.kind === 'score'
      ? [{ key: message.command.normalizedKey, ...(message.command.rubric ? { rubric: message.command.rubric } : {}) }]
      : message.kind === 's3'
        ? message.notification.Records.map((r) => ({ key: decodeS3EventKey(r.s3.object.key) }))
        : [];
  const verdicts: Verdict[] = [];
  for (const target of targets) {
    const at = parseNormalizedKey(target.key);
    if (!at) continue;
    const item = byUploadId.get(at.uploadId);
    // Replaced by a newer version (another upload id), or no longer anywhere: nothing left to score.
    if (!item) {
      verdicts.push({ kind: 'superseded', source: target.key });
      continue;
    }
    const scoredAsAsked = item.status === 'scored' && (!target.rubric || (item.scoredWith ?? []).includes(rubricTag(target.rubric)));
    const failedForGood = item.status === 'failed' && item.failure?.code !== 'internal';
    verdicts.push(scoredAsAsked || failedForGood ? { kind: 'superseded', source: item.sourceKey } : { kind: 'redrive', source: item.sourceKey, item });
  }
  return verdicts;
}

/** The reviewed workbooks a review dead letter is about (none when it is not an S3 notification of uploads). */
function reviewLetterUploads(body: string, now: () => Date): ReviewUpload[] {
  let message;
  try {
    message = parseQueueMessage(body, { scoreCommands: false });
  } catch {
    return [];
  }
  if (message.kind !== 's3') return [];
  return message.notification.Records.filter((r) => r.eventName.startsWith('ObjectCreated:') && !decodeS3EventKey(r.s3.object.key).endsWith('/')).map((r) =>
    reviewUploadOf(r, now),
  );
}

/**
 * How often the reconciler has sent a review letter back, carried in the letter itself: reviews have no status item
 * to count on (the count is a field S3 never writes, which the notification's schema ignores).
 */
const REVIEW_REDRIVES_FIELD = 'fazhiRedrives';

function reviewRedrivesOf(body: string): number {
  const count = (JSON.parse(body) as Record<string, unknown>)[REVIEW_REDRIVES_FIELD];
  return typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : 0;
}

const withReviewRedrives = (body: string, count: number): string => JSON.stringify({ ...(JSON.parse(body) as object), [REVIEW_REDRIVES_FIELD]: count });

export function makeReconcileHandler(deps: ReconcileDeps): (event: unknown) => Promise<ReconcileReport> {
  // A scheduled invocation delivers an EventBridge event: reconcile with the defaults.
  return (event) => runReconcile(deps, isScheduledEvent(event) ? {} : parseAt(ReconcileRequest, event ?? {}, 'reconcile event'));
}

const isScheduledEvent = (event: unknown): boolean =>
  typeof event === 'object' &&
  event !== null &&
  (event as { source?: unknown }).source === 'aws.events' &&
  (event as { 'detail-type'?: unknown })['detail-type'] === 'Scheduled Event';
