import { decodeS3EventKey, type S3EventRecord, type SqsBatchResponse } from '../../schemas/events.ts';
import { finalExportKey, reviewUploadOf, roundBase, type ReviewRefusal, type ReviewRoundItem, type ReviewUpload } from '../../schemas/review.ts';
import { rubricTag } from '../../schemas/storage.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { finalWorkbookInput, reviewWorkbook, UnusableWorkbookError, type ReviewOutcome } from '../../pipeline/review/index.ts';
import { unitName } from '../../pipeline/workbook/labels.ts';
import { digestOf, resultsDigest } from '../../pipeline/workbook/provenance.ts';
import { workbookBuffer } from '../../pipeline/workbook/index.ts';
import { ObjectNotFoundError, type ObjectStore } from '../aws/object-store.ts';
import { NoUploadsError, rankCountyYear, XLSX_CONTENT_TYPE } from '../export/export.ts';
import { s3NotificationBatch, type RecordContext } from '../shared/batch.ts';
import type { Logger } from '../shared/log.ts';
import type { Records } from '../shared/records.ts';
import { unfinishedReviewReason, type ReviewRecords } from '../shared/review-records.ts';
import { UnknownRubricError } from '../shared/rubrics.ts';

/**
 * Review: an S3 notification for `reviews/{year}/{county}/{file}.xlsx` (the assessor's reviewed workbook) → read it
 * (pipeline/review: provenance, machine results, every filled row checked), make sure it is of this county·year and
 * was made from the results the pipeline holds now, then store one item per change (append-only, beside the score
 * items, never over them), write the final workbook to `exports/{year}/{county}/final-{version}.xlsx`, and record the
 * round. A workbook that cannot be applied is recorded as a refused round with its reasons (row by row); nothing of it
 * is applied. Only unexpected errors throw (and are retried, then dead-lettered).
 */

export interface ReviewDeps {
  store: ObjectStore;
  records: Records;
  reviews: ReviewRecords;
  log: Logger;
  maxReceiveCount: number;
  clock?: () => Date;
}

/** Reviewed workbooks are a county's ranking plus evidence: tens of MB would be a wrong file, not a review. */
export const MAX_REVIEW_BYTES = 50 * 1024 * 1024;

const whole = (message: string): ReviewRefusal[] => [{ sheet: '', row: null, message }];

/** Which units' machine results differ between the workbook and now, for a refusal the assessor can act on. */
function changedUnits(carried: readonly ScoreResult[], current: readonly ScoreResult[]): string[] {
  const now = new Map(current.map((r) => [r.source, digestOf(r)]));
  const then = new Map(carried.map((r) => [r.source, digestOf(r)]));
  const names: string[] = [];
  for (const r of carried)
    if (now.get(r.source) !== then.get(r.source)) names.push(`${unitName(r)}${now.has(r.source) ? '（已重新评分）' : '（已不在评分中）'}`);
  for (const r of current) if (!then.has(r.source)) names.push(`${unitName(r)}（新上传）`);
  return names;
}

export function makeReviewHandler(deps: ReviewDeps): (event: unknown) => Promise<SqsBatchResponse> {
  const clock = deps.clock ?? (() => new Date());

  /** The checks that tie the workbook to this county·year as the pipeline holds it now; refusals, or null when it fits. */
  async function mismatch(outcome: ReviewOutcome, year: number, county: string): Promise<ReviewRefusal[] | null> {
    const scope = outcome.provenance.scope;
    if (scope.county !== county || scope.year !== year) {
      return whole(
        `这份工作簿属于“${scope.label}”，却上传到了 ${county} ${year}年度的复核目录；请上传到 reviews/${scope.year ?? '年度'}/${scope.county ?? '县名'}/，或使用本县本年度导出的工作簿。`,
      );
    }
    const ref = outcome.provenance.rubrics[0]!;
    let current;
    try {
      current = await rankCountyYear(deps, { year, county, rubric: { id: ref.id, version: ref.version } });
    } catch (error) {
      if (error instanceof NoUploadsError) return whole(error.message);
      if (error instanceof UnknownRubricError) return whole(`工作簿用的评分细则 ${ref.id} ${ref.version} 不在本系统中，无法复核。`);
      throw error;
    }
    if (resultsDigest(current.results) === outcome.provenance.resultsDigest) return null;
    const units = changedUnits(outcome.machine, current.results);
    return whole(
      `生成这份工作簿之后，机器评分已经变化（${units.join('、') || '排名或等次'}），复核须针对当前的评分。请重新导出工作簿，在新工作簿上复核后再上传。`,
    );
  }

  async function record(round: Omit<ReviewRoundItem, 'pk' | 'sk' | 'kind'> & { sk: string; pk: string }, log: Logger): Promise<void> {
    const stored = await deps.reviews.putRound({ ...round, kind: 'review-round' });
    log.info(round.status === 'applied' ? 'review applied' : 'review refused', {
      status: round.status,
      changes: round.changes,
      refusals: round.refusals.length,
      recorded: stored,
    });
  }

  /**
   * One delivery of a reviewed workbook's upload event. An unexpected error on its last delivery (S3 or DynamoDB down
   * for longer than the retries, a bug) is recorded as a refused round before the letter goes to the dead-letter
   * queue: the assessor sees that nothing was applied and what to do (upload the same workbook again), where otherwise
   * `fazhi status --county` would say nothing of it. A round that could not be recorded then (DynamoDB down) is the
   * reconciler's: it sends the letter back, and in the end records the round itself (functions/reconcile).
   */
  async function reviewUpload(s3: S3EventRecord, context: RecordContext): Promise<void> {
    const key = decodeS3EventKey(s3.s3.object.key);
    const log = context.log.child({ key, eventName: s3.eventName });
    if (!s3.eventName.startsWith('ObjectCreated:') || key.endsWith('/')) {
      log.info('not an upload of a workbook; ignored');
      return;
    }
    const upload = reviewUploadOf(s3, clock);
    try {
      await reviewOnce(upload, s3, log);
    } catch (error) {
      if (context.finalAttempt)
        await deps.reviews
          .putUnfinished(upload, unfinishedReviewReason(context.receiveCount), clock().toISOString())
          .catch((recordError: unknown) => log.error('could not record the review as refused; the reconciler will', { error: recordError }));
      throw error;
    }
  }

  async function reviewOnce(upload: ReviewUpload, s3: S3EventRecord, log: Logger): Promise<void> {
    const { key, location, year, county, sk } = upload;
    if (await deps.reviews.hasRound(year, county, sk)) {
      log.info('this upload of the workbook was already handled; nothing changed');
      return;
    }
    const at = clock().toISOString();
    const base = roundBase(upload, at);
    const refuse = (refusals: ReviewRefusal[]) => record({ ...base, status: 'refused', refusals, changes: 0, reviewers: [] }, log);

    if (!location) return refuse(whole('复核工作簿放错了位置：应上传到 reviews/{年度}/{县名}/（例如 reviews/2024/临澜县/复核.xlsx）。'));
    if (!/\.xlsx$/iu.test(key)) return refuse(whole('复核只接受 Excel 工作簿（.xlsx）：请在 Excel 或 WPS 中另存为“Excel 工作簿”后上传。'));
    if ((s3.s3.object.size ?? 0) > MAX_REVIEW_BYTES)
      return refuse(whole(`文件过大（上限 ${MAX_REVIEW_BYTES / 1024 / 1024} MB），不是本系统导出的复核工作簿。`));
    let bytes: Uint8Array;
    try {
      bytes = (await deps.store.get(key, s3.s3.object.versionId)).bytes;
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return refuse(whole('处理时找不到上传的工作簿（可能已被删除或替换），请重新上传。'));
      throw error;
    }
    let outcome: ReviewOutcome;
    try {
      outcome = await reviewWorkbook(bytes, { at, workbook: key });
    } catch (error) {
      if (error instanceof UnusableWorkbookError) return refuse(whole(error.message));
      throw error;
    }
    const wrongPlace = await mismatch(outcome, location.year, location.county);
    if (wrongPlace) return refuse(wrongPlace);
    if (outcome.refusals.length > 0) return refuse(outcome.refusals);

    await deps.reviews.putChanges(year, county, sk, outcome.changes);
    const rubric = outcome.rubric.rubric;
    const finalKey = finalExportKey(year, county, rubric.version);
    await deps.store.put(finalKey, await workbookBuffer(finalWorkbookInput(outcome, { at, workbook: key })), { contentType: XLSX_CONTENT_TYPE });
    await record(
      {
        ...base,
        status: 'applied',
        refusals: [],
        changes: outcome.changes.length,
        reviewers: [...new Set(outcome.changes.map((c) => c.reviewer))],
        rubric: { id: rubric.id, version: rubric.version, sha256: outcome.rubric.sha256 },
        resultsDigest: outcome.provenance.resultsDigest,
        finalKey,
      },
      log.child({ rubric: rubricTag(rubric), finalKey }),
    );
  }

  return (event) => s3NotificationBatch(event, { log: deps.log, maxReceiveCount: deps.maxReceiveCount, handleRecord: reviewUpload });
}
