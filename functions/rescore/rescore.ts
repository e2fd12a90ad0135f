import { RescoreRequest, type RescoreResponse, type ScoreCommand } from '../../schemas/events.ts';
import { normalizedKey } from '../../schemas/storage.ts';
import type { QueueSender } from '../aws/queue.ts';
import { parseAt } from '../shared/boundary.ts';
import type { Logger } from '../shared/log.ts';
import type { Records } from '../shared/records.ts';
import { refOf, rubricByRef } from '../shared/rubrics.ts';

/**
 * Rescore: every normalised report of a year (all counties through the GSI, or one county) → a score command each on
 * the score queue. Nothing is parsed again: parse once, score many times.
 */

export interface RescoreDeps {
  records: Records;
  queue: QueueSender;
  scoreQueueUrl: string;
  log: Logger;
}

export async function runRescore(deps: RescoreDeps, input: RescoreRequest): Promise<RescoreResponse> {
  const request = parseAt(RescoreRequest, input, 'rescore request');
  // Refuse an unknown rubric here, once, rather than in every score command.
  const rubric = request.rubric ? refOf(rubricByRef(request.rubric)) : undefined;
  const uploads = request.county ? (await deps.records.partition(request.year, request.county)).reports : await deps.records.uploadsOfYear(request.year);
  const keys = [
    ...new Set(uploads.filter((u) => u.reportId && (u.status === 'parsed' || u.status === 'scored')).map((u) => normalizedKey(u.reportId!))),
  ].sort();
  const commands = keys.map((key): ScoreCommand => ({ type: 'score', normalizedKey: key, ...(rubric ? { rubric } : {}) }));
  const outcome = await deps.queue.sendAll(deps.scoreQueueUrl, commands.map((c) => JSON.stringify(c)));
  const failed = outcome.failed.map((f) => ({ normalizedKey: keys[f.index] ?? '?', reason: f.reason }));
  deps.log.info('score commands queued', { year: request.year, county: request.county, rubric, queued: outcome.sent, failed: failed.length });
  return { year: request.year, queued: outcome.sent, failed };
}

export function makeRescoreHandler(deps: RescoreDeps): (event: unknown) => Promise<RescoreResponse> {
  return (event) => runRescore(deps, parseAt(RescoreRequest, event, 'rescore event'));
}
