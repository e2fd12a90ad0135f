import { parseQueueMessage, type RubricRef, type SqsBatchResponse } from '../../schemas/events.ts';
import { NormalizedReport } from '../../schemas/report.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import {
  INLINE_RESULT_LIMIT_BYTES,
  MAX_ITEM_BYTES,
  normalizedKey,
  parseUploadKey,
  rankingPk,
  rubricTag,
  scoreResultKey,
  scoreSk,
  type ReportItem,
  type ScoreItem,
} from '../../schemas/storage.ts';
import { decodeS3EventKey } from '../../schemas/events.ts';
import { encodeSignature, reportSignature } from '../../pipeline/rank/similarity.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { scoreReport } from '../../pipeline/score/index.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import { itemBytes } from '../aws/item-size.ts';
import type { ObjectStore } from '../aws/object-store.ts';
import { processBatch, type RecordContext } from '../shared/batch.ts';
import type { Logger } from '../shared/log.ts';
import type { FailureReason, Records } from '../shared/records.ts';
import { rubricByRef } from '../shared/rubrics.ts';
import { makeUnitStatusWriter } from '../shared/unit-status.ts';

/**
 * Score: an S3 notification for `normalized/{reportId}.json`, or a score command from the rescore function → read the
 * NormalizedReport, pick the rubric (the command's, else the one for the report's year, else DEFAULT_RUBRIC), score
 * it, and write a score item per upload holding these bytes (keyed by rubric version, conditional on the upload's
 * sequencer), then mark the upload `scored`. Cross-report checks and ranking need the whole county·year: the export
 * runs them.
 */

export interface ScoreDeps {
  store: ObjectStore;
  records: Records;
  log: Logger;
  maxReceiveCount: number;
  /** For reports whose year is unknown. */
  defaultRubric: LoadedRubric;
  clock?: () => Date;
}

const SCORING_FAILED: FailureReason = {
  code: 'internal',
  message: '评分时系统多次出错（不是文件本身的问题），已通知管理员；修复后会重新评分。',
  messageEn: 'Scoring failed repeatedly because of an internal error; the message is in the dead-letter queue for an operator.',
};

/** Only the follow-through indicator reads last year's report: look it up only when such an indicator is enabled. */
function usesPreviousYear(loaded: LoadedRubric): boolean {
  const indicators = [...loaded.rubric.dimensions.flatMap((d) => d.indicators), ...loaded.rubric.bonus.indicators];
  return indicators.some((i) => i.enabled && i.rule.kind === 'follow-through');
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

export function makeScoreHandler(deps: ScoreDeps): (event: unknown) => Promise<SqsBatchResponse> {
  const clock = deps.clock ?? (() => new Date());
  // What a unit's upload page shows (status/{year}/{county}/{unit}.json); uploads outside a unit folder have none.
  const unitStatus = makeUnitStatusWriter(deps);

  async function previousReport(report: NormalizedReport, year: number, county: string): Promise<NormalizedReport | undefined> {
    const township = report.meta.township;
    if (!township) return undefined;
    const previousYear = (report.meta.year ?? year) - 1;
    // The upload's own county partition: where the county's clerk put last year's report too.
    const { reports } = await deps.records.partition(previousYear, county);
    const match = reports.find((r) => r.township === township && r.reportId && r.status !== 'failed');
    if (!match?.reportId) return undefined;
    const previous = await deps.store.getJson(normalizedKey(match.reportId), NormalizedReport);
    return previous.meta.year === previousYear && previous.meta.township === township ? previous : undefined;
  }

  async function scoreItemFor(upload: ReportItem, result: ScoreResult, signature: string, loaded: LoadedRubric): Promise<ScoreItem> {
    const json = JSON.stringify(result);
    const base = {
      pk: upload.pk,
      sk: scoreSk(loaded.rubric, upload.sourceKey),
      kind: 'score' as const,
      sourceKey: upload.sourceKey,
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
    const resultKey = scoreResultKey(result.reportId, loaded.rubric);
    const { item, offloaded } = layoutScoreItem(base, json, signature, resultKey);
    if (offloaded) await deps.store.put(resultKey, json, { contentType: 'application/json; charset=utf-8' });
    return item;
  }

  async function scoreNormalized(objectKey: string, rubricRef: RubricRef | undefined, context: RecordContext): Promise<void> {
    const started = Date.now();
    const log = context.log.child({ normalizedKey: objectKey });
    const report = await deps.store.getJson(objectKey, NormalizedReport);
    const loaded = rubricRef ? rubricByRef(rubricRef) : report.meta.year !== null ? bundledRubricFor(report.meta.year) : deps.defaultRubric;
    const location = parseUploadKey(report.source.key);
    if (!location) throw new Error(`normalised report ${report.id} names no upload under reports/{year}/{county}/ (source ${report.source.key})`);
    const uploads = await deps.records.uploadsHolding(location.year, location.county, report.id);
    if (uploads.length === 0) {
      log.info('no current upload holds this report (a newer version replaced it); nothing scored', { reportId: report.id });
      return;
    }
    try {
      const previous = usesPreviousYear(loaded) ? await previousReport(report, location.year, location.county) : undefined;
      const scored = scoreReport(report, loaded, previous ? { previous } : {});
      const signature = encodeSignature(reportSignature(report, loaded.rubric.similarity.shingle));
      for (const upload of uploads) {
        const result: ScoreResult = { ...scored, source: upload.sourceKey };
        const item = await scoreItemFor(upload, result, signature, loaded);
        const fields = { key: upload.sourceKey, reportId: report.id, rubric: rubricTag(loaded.rubric), total: result.total, grade: result.grade };
        if (!(await deps.records.putScore(item))) {
          log.info('a newer version of this upload is already scored; nothing changed', fields);
          continue;
        }
        const marked = await deps.records.scored(upload, loaded.rubric);
        if (marked) await unitStatus.record(upload.sourceKey, 'scored');
        log.info('report scored', { ...fields, status: marked ? 'scored' : 'upload replaced meanwhile', inline: item.result !== undefined, ms: Date.now() - started });
      }
    } catch (error) {
      if (context.finalAttempt) {
        for (const upload of uploads) {
          await deps.records
            .scoringFailed(upload, SCORING_FAILED)
            .then((marked) => (marked ? unitStatus.record(upload.sourceKey, 'failed', SCORING_FAILED) : undefined))
            .catch((markError: unknown) => log.error('could not mark the upload failed', { error: markError }));
        }
      }
      throw error;
    }
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
        if (message.kind === 'score') return scoreNormalized(message.command.normalizedKey, message.command.rubric, context);
        for (const s3 of message.notification.Records) {
          const key = decodeS3EventKey(s3.s3.object.key);
          if (!s3.eventName.startsWith('ObjectCreated:') || !/^normalized\/[0-9a-f]{16}\.json$/.test(key)) {
            context.log.info('not a normalised report; ignored', { key, eventName: s3.eventName });
            continue;
          }
          await scoreNormalized(key, undefined, context);
        }
      },
    });
}
