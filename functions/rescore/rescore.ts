import { RescoreRequest, type RescoreResponse, type ScoreCommand } from '../../schemas/events.ts';
import { normalizedKey, type ReportItem } from '../../schemas/storage.ts';
import type { QueueSender } from '../aws/queue.ts';
import { parseAt } from '../shared/boundary.ts';
import type { Logger } from '../shared/log.ts';
import type { Records } from '../shared/records.ts';
import { refOf, rubricByRef } from '../shared/rubrics.ts';

/**
 * Rescore: every upload of a year (all counties through the GSI, or one county) that has a normalised report → one
 * score command each on the score queue. One command per upload, not per distinct content: the same bytes filed
 * under two names or county·years are two uploads, each scored in its own county·year. Nothing is parsed again:
 * parse once, score many times. It reads only the table (never S3) and sends only to the score queue.
 */

export interface RescoreDeps {
  records: Records;
  queue: QueueSender;
  scoreQueueUrl: string;
  log: Logger;
}

/** Uploads whose normalised report exists (parsed, or scored with some rubric). */
const hasReport = (upload: ReportItem): boolean => upload.reportId !== undefined && (upload.status === 'parsed' || upload.status === 'scored');

export async function runRescore(deps: RescoreDeps, input: RescoreRequest): Promise<RescoreResponse> {
  const request = parseAt(RescoreRequest, input, 'rescore request');
  // Refuse an unknown rubric here, once, rather than in every score command.
  const rubric = request.rubric ? refOf(rubricByRef(request.rubric)) : undefined;
  const uploads = request.county ? (await deps.records.partition(request.year, request.county)).reports : await deps.records.uploadsOfYear(request.year);
  const ready = uploads.filter(hasReport).sort((a, b) => (a.sourceKey < b.sourceKey ? -1 : a.sourceKey > b.sourceKey ? 1 : 0));
  const skipped = uploads.filter((u) => !hasReport(u)).map((u) => ({ source: u.sourceKey, status: u.status }));
  const keys = ready.map((upload) => normalizedKey(upload));
  const commands = keys.map((key): ScoreCommand => ({ type: 'score', normalizedKey: key, ...(rubric ? { rubric } : {}) }));
  const outcome = await deps.queue.sendAll(
    deps.scoreQueueUrl,
    commands.map((c) => JSON.stringify(c)),
  );
  const failed = outcome.failed.map((f) => ({ normalizedKey: keys[f.index] ?? '?', reason: f.reason }));
  deps.log.info('score commands queued', {
    year: request.year,
    county: request.county,
    rubric,
    queued: outcome.sent,
    failed: failed.length,
    skipped: skipped.length,
  });
  return { year: request.year, queued: outcome.sent, failed, skipped };
}

export function makeRescoreHandler(deps: RescoreDeps): (event: unknown) => Promise<RescoreResponse> {
  return (event) => runRescore(deps, parseAt(RescoreRequest, event, 'rescore event'));
}
