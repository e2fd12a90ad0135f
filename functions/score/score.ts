import { decodeS3EventKey, parseQueueMessage, type RubricRef, type SqsBatchResponse } from '../../schemas/events.ts';
import { NormalizedReport } from '../../schemas/report.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import {
  INLINE_RESULT_LIMIT_BYTES,
  MAX_ITEM_BYTES,
  normalizedKey,
  parseNormalizedKey,
  rankingPk,
  rubricTag,
  scoreResultKey,
  scoreSk,
  type NormalizedLocation,
  type ReportItem,
  type ScoreItem,
} from '../../schemas/storage.ts';
import { isDocumentRejected } from '../../pipeline/failure.ts';
import { encodeSignature, reportSignature } from '../../pipeline/rank/similarity.ts';
import { checkScoreBudget } from '../../pipeline/score/budget.ts';
import { rubricIndicators } from '../../pipeline/score/indicators.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import { currentUploads } from '../../pipeline/unit-folder.ts';
import { itemBytes } from '../aws/item-size.ts';
import type { ObjectStore } from '../aws/object-store.ts';
import { processBatch, type RecordContext } from '../shared/batch.ts';
import type { Scorer } from '../shared/isolated.ts';
import type { Logger } from '../shared/log.ts';
import type { FailureReason, Records } from '../shared/records.ts';
import { rubricByRef } from '../shared/rubrics.ts';
import { makeUnitStatusWriter } from '../shared/unit-status.ts';

/**
 * Score: an S3 notification for `normalized/{year}/{county}/{uploadId}.json`, or a score command from the rescore
 * function or the reconciler → in named steps: find the one upload the normalised report belongs to, read the report,
 * pick the rubric (the command's, else the one for the report's year, else DEFAULT_RUBRIC), check the report against
 * the score budget, score it within the time budget (a worker thread stopped at the limit), write its score item
 * (keyed by rubric version, conditional on the upload's sequencer) and mark it `scored`. Every step after finding the
 * upload is inside the failure marking; cross-report checks and ranking need the whole county·year: the export runs
 * them.
 */

export interface ScoreDeps {
  store: ObjectStore;
  records: Records;
  log: Logger;
  /** Scores within the time budget (isolatedScorer) or in this thread (tests of behaviour). */
  scorer: Scorer;
  maxReceiveCount: number;
  /** For reports whose year is unknown. */
  defaultRubric: LoadedRubric;
  clock?: () => Date;
}

export const SCORING_FAILED: FailureReason = {
  code: 'internal',
  message: '评分时系统多次出错（不是文件本身的问题），已通知管理员；修复后会重新评分。',
  messageEn: 'Scoring failed repeatedly because of an internal error; the message is in the dead-letter queue for an operator.',
};

/** Only the follow-through indicator reads last year's report: look it up only when such an indicator is enabled. */
function usesPreviousYear(loaded: LoadedRubric): boolean {
  return rubricIndicators(loaded.rubric).some((i) => i.enabled && i.rule.kind === 'follow-through');
}

/**
 * Where a ScoreResult goes: inline, unless its JSON is over INLINE_RESULT_LIMIT_BYTES or the item would pass
 * DynamoDB's 400 KB — both in UTF-8 bytes, where a Chinese character is three (the local server counts one). The
 * signature is dropped as a last resort: the export recomputes it from the report.
 */
export function layoutScoreItem(
  base: Omit<ScoreItem, 'result' | 'resultKey' | 'signature'>,
  json: string,
  signature: string,
  resultKey: string,
): { item: ScoreItem; offloaded: boolean } {
  let item: ScoreItem = { ...base, result: json, signature };
  let offloaded = false;
  if (Buffer.byteLength(json, 'utf8') > INLINE_RESULT_LIMIT_BYTES || itemBytes(item) > MAX_ITEM_BYTES) {
    item = { ...base, resultKey, signature };
    offloaded = true;
  }
  if (itemBytes(item) > MAX_ITEM_BYTES) delete item.signature;
  return { item, offloaded };
}

/** A score request, from an S3 event or a command: which normalised report, and (for commands) which rubric. */
interface ScoreTarget {
  key: string;
  at: NormalizedLocation;
  rubric?: RubricRef;
}

export function makeScoreHandler(deps: ScoreDeps): (event: unknown) => Promise<SqsBatchResponse> {
  const clock = deps.clock ?? (() => new Date());
  // What a unit's upload page shows (status/{year}/{county}/{unit}.json), written after each status change of the
  // unit's newest upload; uploads outside a unit folder have none.
  const unitStatus = makeUnitStatusWriter(deps);

  /** Work on this upload ended without a result: the item says `failed`, then (if it changed) the unit's status does. */
  async function markUnfinished(upload: ReportItem, failure: FailureReason): Promise<void> {
    if (await deps.records.unfinishedFailed(upload, failure)) await unitStatus.record(upload.sourceKey, 'failed', failure);
  }

  /**
   * Step 2: the one upload this report belongs to, by its key (one GetItem): only if the upload's current version is
   * still the one the report was made from.
   */
  async function findUpload(target: ScoreTarget, report: NormalizedReport): Promise<ReportItem | undefined> {
    const upload = await deps.records.upload({ sourceKey: report.source.key, year: target.at.year, county: target.at.county });
    return upload?.uploadId === target.at.uploadId && upload.sequencer === report.source.sequencer ? upload : undefined;
  }

  /** Step 3: the command's rubric, else the one for the report's year, else the default. */
  /** The command's rubric, else the one for the year the upload was filed under (its scope), never a year its text mentions. */
  function pickRubric(target: ScoreTarget, upload: ReportItem): LoadedRubric {
    if (target.rubric) return rubricByRef(target.rubric);
    return upload.year > 0 ? bundledRubricFor(upload.year) : deps.defaultRubric;
  }

  /** Step 5: last year's report of the same unit, from the upload's own county (where its clerk filed it). */
  async function previousReport(report: NormalizedReport, upload: ReportItem): Promise<NormalizedReport | undefined> {
    const township = report.meta.township;
    if (!township) return undefined;
    // The scope's year, not the text's: the previous report is the one filed a year earlier in the same county.
    const previousYear = upload.year - 1;
    const { reports } = await deps.records.partition(previousYear, upload.county);
    // A unit that uploaded again last year: its newest upload is its report, as in that year's export.
    const match = currentUploads(reports).current.find((r) => r.township === township && r.reportId && (r.status === 'parsed' || r.status === 'scored'));
    if (!match) return undefined;
    const previous = await deps.store.getJson(normalizedKey(match), NormalizedReport);
    return previous.meta.township === township ? previous : undefined;
  }

  /** Step 7: the score item (the result inline, or in S3 when too large for an item). */
  async function scoreItemFor(upload: ReportItem, result: ScoreResult, signature: string, loaded: LoadedRubric): Promise<ScoreItem> {
    const json = JSON.stringify(result);
    const base = {
      pk: upload.pk,
      sk: scoreSk(loaded.rubric, upload.sourceKey),
      kind: 'score' as const,
      sourceKey: upload.sourceKey,
      uploadId: upload.uploadId,
      reportId: result.reportId,
      year: upload.year,
      county: upload.county,
      township: result.township,
      rubric: result.rubric,
      sequencer: upload.sequencer,
      gsi1pk: rankingPk(upload.year, loaded.rubric),
      gsi1sk: result.total,
      total: result.total,
      max: result.max,
      grade: result.grade,
      scoredAt: clock().toISOString(),
    };
    const resultKey = scoreResultKey(upload.uploadId, loaded.rubric);
    const { item, offloaded } = layoutScoreItem(base, json, signature, resultKey);
    if (offloaded) await deps.store.put(resultKey, json, { contentType: 'application/json; charset=utf-8' });
    return item;
  }

  async function scoreTarget(target: ScoreTarget, context: RecordContext): Promise<void> {
    const started = Date.now();
    const log = context.log.child({ normalizedKey: target.key });
    let upload: ReportItem | undefined;
    try {
      // Step 1: the normalised report.
      const report = await deps.store.getJson(target.key, NormalizedReport);
      upload = await findUpload(target, report);
      if (!upload) {
        log.info('no current upload has this id (a newer version replaced it); nothing scored', { ...target.at, key: report.source.key });
        return;
      }
      const loaded = pickRubric(target, upload);
      // Step 4: a report too large to score is a bad file, recorded with its reason.
      try {
        checkScoreBudget(report);
      } catch (error) {
        if (!isDocumentRejected(error)) throw error;
        await markUnfinished(upload, error.toFailure(upload.sourceKey));
        log.info('report over the score budget; failed', { key: upload.sourceKey, reason: error.reasonEn });
        return;
      }
      const previous = usesPreviousYear(loaded) ? await previousReport(report, upload) : undefined;
      // Step 6: scored within the time budget; a run past it is stopped and recorded as the file's failure.
      let scored: ScoreResult;
      try {
        scored = await deps.scorer.score(report, loaded, previous);
      } catch (error) {
        if (!isDocumentRejected(error)) throw error;
        await markUnfinished(upload, error.toFailure(upload.sourceKey));
        log.info('scoring stopped at its budget; failed', { key: upload.sourceKey, reason: error.reasonEn, ms: Date.now() - started });
        return;
      }
      const result: ScoreResult = { ...scored, source: upload.sourceKey };
      const signature = encodeSignature(reportSignature(report, loaded.rubric.similarity.shingle));
      const item = await scoreItemFor(upload, result, signature, loaded);
      const fields = { key: upload.sourceKey, uploadId: upload.uploadId, rubric: rubricTag(loaded.rubric), total: result.total, grade: result.grade };
      if (!(await deps.records.putScore(item))) {
        log.info('a newer version of this upload is already scored; nothing changed', fields);
        return;
      }
      // Step 8.
      const marked = await deps.records.scored(upload, loaded.rubric);
      if (marked) await unitStatus.record(upload.sourceKey, 'scored');
      log.info('report scored', {
        ...fields,
        status: marked ? 'scored' : 'upload replaced meanwhile',
        inline: item.result !== undefined,
        ms: Date.now() - started,
      });
    } catch (error) {
      if (context.finalAttempt) {
        // If reading the report or finding the upload was what failed, find it by its id: it must not stay `parsed`.
        const marking = upload ?? (await deps.records.uploadById(target.at.year, target.at.county, target.at.uploadId).catch(() => undefined));
        if (marking)
          await markUnfinished(marking, SCORING_FAILED).catch((markError: unknown) => log.error('could not mark the upload failed', { error: markError }));
        else log.error('could not find the upload to mark it failed; the reconciler will', { ...target.at });
      }
      throw error;
    }
  }

  function targetOf(key: string, rubric?: RubricRef): ScoreTarget | null {
    const at = parseNormalizedKey(key);
    return at ? { key, at, ...(rubric ? { rubric } : {}) } : null;
  }

  return (event) =>
    processBatch(event, {
      log: deps.log,
      maxReceiveCount: deps.maxReceiveCount,
      handle: async (record, context) => {
        const message = parseQueueMessage(record.body, { scoreCommands: true });
        if (message.kind === 'test') {
          context.log.info('s3:TestEvent acknowledged', { bucket: message.event.Bucket });
          return;
        }
        if (message.kind === 'score') {
          // The command's key passed the same pattern: it always names a normalised report.
          const target = targetOf(message.command.normalizedKey, message.command.rubric);
          if (target) await scoreTarget(target, context);
          return;
        }
        for (const s3 of message.notification.Records) {
          const key = decodeS3EventKey(s3.s3.object.key);
          const target = s3.eventName.startsWith('ObjectCreated:') ? targetOf(key) : null;
          if (!target) {
            context.log.info('not a normalised report; ignored', { key, eventName: s3.eventName });
            continue;
          }
          await scoreTarget(target, context);
        }
      },
    });
}
