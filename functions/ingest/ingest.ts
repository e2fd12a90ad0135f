import { decodeS3EventKey, type S3EventRecord, type SqsBatchResponse } from '../../schemas/events.ts';
import { classifyUploadKey, MISPLACED_PROBLEM, normalizedKey, padSequencer, uploadIdOf, type UploadLocation } from '../../schemas/storage.ts';
import type { NormalizedReport } from '../../schemas/report.ts';
import { checkUploadSize } from '../../pipeline/extract/index.ts';
import { isDocumentRejected } from '../../pipeline/failure.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { unitFolderWarning } from '../../pipeline/unit-folder.ts';
import { ObjectNotFoundError, type ObjectStore, type StoredObject } from '../aws/object-store.ts';
import { s3NotificationBatch, type RecordContext } from '../shared/batch.ts';
import type { Parser } from '../shared/isolated.ts';
import type { Logger } from '../shared/log.ts';
import type { FailureReason, Records, UploadRef } from '../shared/records.ts';
import { trustedSubmission } from '../shared/submission.ts';
import { makeUnitStatusWriter } from '../shared/unit-status.ts';

/**
 * Ingest: an SQS batch of S3 upload notifications → for each upload, in named steps: place its key (a usable
 * `reports/{year}/{county}/{file}` or a reason), record it `received` (conditional on the event sequencer), refuse it
 * by size before reading a byte, read it with its metadata, parse it within its budget (a worker thread that is
 * stopped at the limit), name its report on the status item, write `normalized/{year}/{county}/{uploadId}.json`
 * (which triggers scoring) and mark it `parsed` — or `failed` with the reason for the clerk. Every step after the
 * first write is inside the failure marking: on the queue's last delivery an unexpected error marks the upload
 * `failed` (internal) before the message goes to the dead-letter queue.
 */

export interface IngestDeps {
  store: ObjectStore;
  records: Records;
  log: Logger;
  /** Extract + normalise, within the per-document budget (isolatedParser) or in this thread (tests of behaviour). */
  parser: Parser;
  /** The queue's maxReceiveCount: on that delivery a record that still throws is marked failed (internal). */
  maxReceiveCount: number;
}

export const INTERNAL_REASON: FailureReason = {
  code: 'internal',
  message: '系统处理本文件时多次出错（不是文件本身的问题），已通知管理员；文件已保存，修复后会重新处理。',
  messageEn: 'Processing failed repeatedly because of an internal error; the message is in the dead-letter queue for an operator.',
};

export const GONE_REASON: FailureReason = {
  code: 'unreadable',
  message: '处理时找不到上传的文件（可能已被删除或替换），请重新上传。',
  messageEn: 'The uploaded object no longer exists (deleted or replaced); upload it again.',
};

/** S3 always sends a sequencer for uploads; if one is ever missing, the event time orders the versions instead. */
function sequencerOf(record: S3EventRecord): string {
  const raw = record.s3.object.sequencer ?? Math.max(0, Date.parse(record.eventTime) || 0).toString(16);
  return padSequencer(raw);
}

/** The status item reference of the version an event describes. */
export function uploadRefOf(record: S3EventRecord, key: string, place: { year: number; county: string }): UploadRef {
  const sequencer = sequencerOf(record);
  const object = record.s3.object;
  return {
    sourceKey: key,
    year: place.year,
    county: place.county,
    sequencer,
    uploadId: uploadIdOf(key, sequencer),
    uploadedAt: new Date(Date.parse(record.eventTime) || Date.now()).toISOString(),
    ...(object.versionId ? { versionId: object.versionId } : {}),
    ...(object.size !== undefined ? { bytes: object.size } : {}),
    ...(object.eTag ? { eTag: object.eTag } : {}),
  };
}

/** What one upload event is about: ignored, or an upload to record (with the reason it cannot be used, if any). */
type Placed = { ignore: string } | { ref: UploadRef; location?: UploadLocation; problem?: FailureReason };

export function makeIngestHandler(deps: IngestDeps): (event: unknown) => Promise<SqsBatchResponse> {
  // What a unit's upload page shows (status/{year}/{county}/{unit}.json), written after each status change of the
  // unit's newest upload; uploads outside a unit folder have none.
  const unitStatus = makeUnitStatusWriter(deps);

  /** Step 1: read the event; decide what the key is (without touching storage). */
  function place(record: S3EventRecord, key: string): Placed {
    if (!record.eventName.startsWith('ObjectCreated:')) return { ignore: 'not an upload event' };
    // The console's "create folder" writes an empty object whose key ends in "/": a folder, not an upload.
    if (key.endsWith('/')) return { ignore: 'folder marker' };
    const classified = classifyUploadKey(key);
    return {
      ref: uploadRefOf(record, key, classified.place),
      ...(classified.location ? { location: classified.location } : {}),
      ...(classified.problem ? { problem: classified.problem } : {}),
    };
  }

  /** Step 4: the bytes and metadata of exactly the version the event names; null when it is gone. */
  async function read(ref: UploadRef): Promise<StoredObject | null> {
    try {
      return await deps.store.get(ref.sourceKey, ref.versionId);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return null;
      throw error;
    }
  }

  /**
   * Step 5: extract + normalise within the budget; the submission facts come from the receipt, the claim is kept.
   * Filed from a unit's upload page, the unit folder is who filed it: a report naming another unit is flagged.
   */
  async function parse(ref: UploadRef, location: UploadLocation, object: StoredObject) {
    const { submission, warnings: receiptWarnings } = trustedSubmission(ref.uploadedAt, object.metadata);
    const outcome = await deps.parser.parse(
      {
        key: ref.sourceKey,
        bytes: object.bytes,
        location: { year: location.year, county: location.county },
        submission,
        sequencer: ref.sequencer,
        ...(ref.versionId ? { versionId: ref.versionId } : {}),
      },
      bundledRubricFor(location.year).rubric.metrics,
    );
    if (!outcome.ok) return outcome;
    const folderWarning = location.unit ? unitFolderWarning(location.unit, outcome.report.meta.township, location.county) : null;
    const warnings = folderWarning ? [...receiptWarnings, folderWarning] : receiptWarnings;
    if (warnings.length === 0) return outcome;
    return { ok: true as const, report: { ...outcome.report, warnings: [...outcome.report.warnings, ...warnings] } };
  }

  /** Steps 6–8: name the report on the item, write it (this triggers scoring), mark the upload parsed. */
  async function store(ref: UploadRef, report: NormalizedReport, log: Logger): Promise<'parsed' | 'superseded' | 'scored meanwhile'> {
    // The item names its report before the normalised object exists: writing that object triggers scoring, which
    // looks the upload up by its upload id.
    if (!(await deps.records.attachReport(ref, { reportId: report.id, township: report.meta.township }))) return 'superseded';
    // The unit's status object says `parsed` once the item is known to describe this version with its report, and
    // before the normalised object exists: that object triggers scoring, whose `scored` must never be overwritten
    // by a late `parsed` (so the page's status never goes backwards).
    await unitStatus.record(ref.sourceKey, 'parsed');
    await deps.store.putJson(normalizedKey(ref), report);
    const parsed = await deps.records.parsed(ref);
    if (!parsed) log.debug('already scored (the score function ran first) or replaced');
    return parsed ? 'parsed' : 'scored meanwhile';
  }

  async function ingestUpload(record: S3EventRecord, context: RecordContext): Promise<void> {
    const key = decodeS3EventKey(record.s3.object.key);
    const log = context.log.child({ key, eventName: record.eventName });
    const placed = place(record, key);
    if ('ignore' in placed) {
      log.info(`${placed.ignore}; ignored`);
      return;
    }
    if (record.s3.bucket.name !== deps.store.bucket) log.warn('event from another bucket than the configured one', { bucket: record.s3.bucket.name });
    const { ref } = placed;
    const started = Date.now();
    const fail = async (failure: FailureReason): Promise<void> => {
      const recorded = await deps.records.failed(ref, failure);
      if (recorded) await unitStatus.record(key, 'failed', failure);
      log.info('upload failed', {
        status: recorded ? 'failed' : 'replaced meanwhile',
        code: failure.code,
        reason: failure.messageEn,
        ms: Date.now() - started,
      });
    };
    try {
      // Step 2: record it; an older or finished event changes nothing.
      if ((await deps.records.received(ref)) === 'stale') {
        log.info('older or already handled event for this key; nothing changed', { sequencer: ref.sequencer });
        return;
      }
      await unitStatus.record(key, 'received');
      if (placed.problem || !placed.location) return await fail(placed.problem ?? MISPLACED_PROBLEM);
      // Step 3: refused from the event's size alone: an oversized file is never downloaded.
      try {
        checkUploadSize(record.s3.object.size ?? 0);
      } catch (error) {
        if (isDocumentRejected(error)) return await fail(error.toFailure(key));
        throw error;
      }
      const object = await read(ref);
      if (!object) return await fail(GONE_REASON);
      const outcome = await parse(ref, placed.location, object);
      if (!outcome.ok) return await fail(outcome.failure);
      const stored = await store(ref, outcome.report, log);
      log.info('upload parsed', {
        uploadId: ref.uploadId,
        reportId: outcome.report.id,
        status: stored,
        township: outcome.report.meta.township,
        format: outcome.report.source.format,
        warnings: outcome.report.warnings.length,
        ms: Date.now() - started,
      });
    } catch (error) {
      if (context.finalAttempt) {
        await deps.records
          .internalFailure(ref, INTERNAL_REASON)
          .then((marked) => (marked ? unitStatus.record(key, 'failed', INTERNAL_REASON) : undefined))
          .catch((markError: unknown) => log.error('could not mark the upload failed', { error: markError }));
      }
      throw error;
    }
  }

  return (event) => s3NotificationBatch(event, { log: deps.log, maxReceiveCount: deps.maxReceiveCount, handleRecord: ingestUpload });
}
