import { decodeS3EventKey, parseQueueMessage, type S3EventRecord, type SqsBatchResponse } from '../../schemas/events.ts';
import { MISPLACED_UPLOADS, normalizedKey, padSequencer, parseUploadKey } from '../../schemas/storage.ts';
import { checkUploadSize } from '../../pipeline/extract/index.ts';
import { isDocumentRejected } from '../../pipeline/failure.ts';
import { parseReport } from '../../pipeline/parse.ts';
import { unitFolderWarning } from '../../pipeline/unit-folder.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { ObjectNotFoundError, type ObjectStore } from '../aws/object-store.ts';
import { processBatch, type RecordContext } from '../shared/batch.ts';
import type { Logger } from '../shared/log.ts';
import type { FailureReason, Records, UploadRef } from '../shared/records.ts';
import { submissionFromMetadata } from '../shared/submission.ts';
import { makeUnitStatusWriter } from '../shared/unit-status.ts';

/**
 * Ingest: an SQS batch of S3 upload notifications → for each upload, record it (`received`, conditional on the event
 * sequencer), refuse it by size before reading a byte, read it with its metadata, parse it, and write
 * `normalized/{reportId}.json` (which triggers scoring) and `parsed` — or `failed` with the reason for the clerk.
 */

export interface IngestDeps {
  store: ObjectStore;
  records: Records;
  log: Logger;
  /** The queue's maxReceiveCount: on that delivery a record that still throws is marked failed (internal). */
  maxReceiveCount: number;
}

export const MISPLACED_REASON: FailureReason = {
  code: 'misplaced',
  message: '文件放错了位置：上传路径应为 reports/{年度}/{县名}/{文件名}（年度为四位数字，例如 reports/2024/临澜县/望江镇.docx）。请按此路径重新上传。',
  messageEn: 'Upload key must be reports/{year}/{county}/{file} (four-digit year); upload the file again under such a key.',
};

const INTERNAL_REASON: FailureReason = {
  code: 'internal',
  message: '系统处理本文件时多次出错（不是文件本身的问题），已通知管理员；文件已保存，修复后会重新处理。',
  messageEn: 'Processing failed repeatedly because of an internal error; the message is in the dead-letter queue for an operator.',
};

const GONE_REASON: FailureReason = {
  code: 'unreadable',
  message: '处理时找不到上传的文件（可能已被删除或替换），请重新上传。',
  messageEn: 'The uploaded object no longer exists (deleted or replaced); upload it again.',
};

/** S3 always sends a sequencer for uploads; if one is ever missing, the event time orders the versions instead. */
function sequencerOf(record: S3EventRecord): string {
  const raw = record.s3.object.sequencer ?? Math.max(0, Date.parse(record.eventTime) || 0).toString(16);
  return padSequencer(raw);
}

export function makeIngestHandler(deps: IngestDeps): (event: unknown) => Promise<SqsBatchResponse> {
  // What a unit's upload page shows (status/{year}/{county}/{unit}.json); uploads outside a unit folder have none.
  const unitStatus = makeUnitStatusWriter(deps);

  async function ingestUpload(record: S3EventRecord, context: RecordContext): Promise<void> {
    const key = decodeS3EventKey(record.s3.object.key);
    const log = context.log.child({ key, eventName: record.eventName });
    if (!record.eventName.startsWith('ObjectCreated:')) {
      log.info('not an upload event; ignored');
      return;
    }
    // The console's "create folder" writes an empty object whose key ends in "/": a folder, not an upload.
    if (key.endsWith('/')) {
      log.info('folder marker; ignored');
      return;
    }
    if (record.s3.bucket.name !== deps.store.bucket) log.warn('event from another bucket than the configured one', { bucket: record.s3.bucket.name });
    const location = parseUploadKey(key);
    const place = location ?? MISPLACED_UPLOADS;
    const ref: UploadRef = {
      sourceKey: key,
      year: place.year,
      county: place.county,
      sequencer: sequencerOf(record),
      ...(record.s3.object.versionId ? { versionId: record.s3.object.versionId } : {}),
      ...(record.s3.object.size !== undefined ? { bytes: record.s3.object.size } : {}),
    };
    const started = Date.now();
    try {
      if ((await deps.records.received(ref)) === 'stale') {
        log.info('older or already handled event for this key; nothing changed', { sequencer: ref.sequencer });
        return;
      }
      await unitStatus.record(key, 'received');
      const fail = async (failure: FailureReason): Promise<void> => {
        const recorded = await deps.records.failed(ref, failure);
        if (recorded) await unitStatus.record(key, 'failed', failure);
        log.info('upload failed', { status: recorded ? 'failed' : 'replaced meanwhile', code: failure.code, reason: failure.messageEn, ms: Date.now() - started });
      };
      if (!location) return await fail(MISPLACED_REASON);
      try {
        // Refused from the event's size alone: an oversized file is never downloaded.
        checkUploadSize(record.s3.object.size ?? 0);
      } catch (error) {
        if (isDocumentRejected(error)) return await fail(error.toFailure(key));
        throw error;
      }
      let object;
      try {
        object = await deps.store.get(key, ref.versionId);
      } catch (error) {
        if (error instanceof ObjectNotFoundError) return await fail(GONE_REASON);
        throw error;
      }
      const { submission, warnings } = submissionFromMetadata(object.metadata);
      const rubric = bundledRubricFor(location.year);
      const outcome = await parseReport(
        {
          key,
          bytes: object.bytes,
          location: { year: location.year, county: location.county },
          submission,
          sequencer: ref.sequencer,
          ...(ref.versionId ? { versionId: ref.versionId } : {}),
        },
        rubric.rubric.metrics,
      );
      if (!outcome.ok) return await fail(outcome.failure);
      // Filed from a unit's upload page: the unit folder is who filed it; a report naming another unit is flagged.
      const folderWarning = location.unit ? unitFolderWarning(location.unit, outcome.report.meta.township, location.county) : null;
      if (folderWarning) warnings.push(folderWarning);
      const report = warnings.length > 0 ? { ...outcome.report, warnings: [...outcome.report.warnings, ...warnings] } : outcome.report;
      // The upload names its report before the normalised object exists: writing that object triggers scoring, which
      // looks the upload up by reportId.
      if (!(await deps.records.attachReport(ref, { reportId: report.id, township: report.meta.township }))) {
        log.info('a newer upload or a finished run replaced this one meanwhile; nothing written', { reportId: report.id });
        return;
      }
      // Before the normalised object exists (it triggers scoring, which writes `scored`): the unit's status never goes back.
      await unitStatus.record(key, 'parsed');
      await deps.store.putJson(normalizedKey(report.id), report);
      const parsed = await deps.records.parsed(ref);
      log.info('upload parsed', {
        reportId: report.id,
        status: parsed ? 'parsed' : 'already scored or replaced',
        township: report.meta.township,
        format: report.source.format,
        warnings: report.warnings.length,
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

  return (event) =>
    processBatch(event, {
      log: deps.log,
      maxReceiveCount: deps.maxReceiveCount,
      handle: async (record, context) => {
        const message = parseQueueMessage(record.body, { scoreCommands: false });
        if (message.kind === 'test') {
          context.log.info('s3:TestEvent acknowledged', { bucket: message.event.Bucket });
          return;
        }
        if (message.kind !== 's3') throw new Error('unreachable: score commands are not accepted here');
        for (const s3 of message.notification.Records) await ingestUpload(s3, context);
      },
    });
}
