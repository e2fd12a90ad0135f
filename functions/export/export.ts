import { ExportRequest, type ExportResponse } from '../../schemas/events.ts';
import type { Failure } from '../../schemas/failure.ts';
import { NormalizedReport } from '../../schemas/report.ts';
import { ScoreResult } from '../../schemas/score.ts';
import { exportKey, normalizedKey, rubricTag, type ReportItem, type ScoreItem } from '../../schemas/storage.ts';
import { crossCheck, rankResults, type CrossCheckEntry } from '../../pipeline/rank/index.ts';
import { decodeSignature } from '../../pipeline/rank/similarity.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { currentUploads } from '../../pipeline/unit-folder.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import { workbookBuffer } from '../../pipeline/workbook/index.ts';
import type { ObjectStore } from '../aws/object-store.ts';
import { parseAt } from '../shared/boundary.ts';
import type { Logger } from '../shared/log.ts';
import type { Records } from '../shared/records.ts';
import { refOf, rubricByRef } from '../shared/rubrics.ts';

/**
 * Export: one county·year → one Query (status and score items) → the stored ScoreResults of the rubric, the
 * normalised reports (and last year's of the same county) → the cross-report checks and ranking the in-process
 * `fazhi score` runs (pipeline/batch.ts scoreAndRank, minus the scoring already done) → the workbook in S3 and a
 * short-lived download link. Failed uploads go to the workbook's 处理异常 sheet.
 */

export interface ExportDeps {
  store: ObjectStore;
  records: Records;
  log: Logger;
  urlTtlSeconds: number;
  clock?: () => Date;
}

export interface ExportRun {
  year: number;
  county: string;
  rubric: LoadedRubric;
  /** Ranked, with cross-report flags. */
  results: ScoreResult[];
  failures: Failure[];
  pending: { source: string; status: string }[];
  /** Older uploads of a unit folder, replaced by the unit's newer upload (`by`): neither ranked nor listed as failed. */
  superseded: { source: string; by: string }[];
  key: string;
  url: string;
  workbookBytes: number;
}

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** RFC 5987 value: UTF-8 percent-encoded, with the characters encodeURIComponent leaves but attr-char forbids. */
export function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `attachment` with an ASCII fallback name for old clients and the real (Chinese) name for the others (RFC 6266). */
export function attachmentDisposition(asciiName: string, name: string): string {
  const fallback = asciiName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${rfc5987(name)}`;
}

export const workbookFileName = (year: number, county: string, rubricVersion: string): string =>
  `${county}${year}年度法治政府建设报告评分排名（${rubricVersion}）.xlsx`;

const UNRECORDED: Omit<Failure, 'source'> = { code: 'internal', message: '处理失败，原因未记录', messageEn: 'failed without a recorded reason' };

export async function runExport(deps: ExportDeps, input: ExportRequest): Promise<ExportRun> {
  const request = parseAt(ExportRequest, input, 'export request');
  const clock = deps.clock ?? (() => new Date());
  const { year, county } = request;
  const loaded = request.rubric ? rubricByRef(request.rubric) : bundledRubricFor(year);
  const tag = rubricTag(loaded.rubric);

  const partition = await deps.records.partition(year, county);
  const { scores } = partition;
  // A unit that uploaded again through its upload page: only its newest upload counts (pipeline/unit-folder.ts).
  const { current: uploads, superseded } = currentUploads(partition.reports);
  const scoreOf = new Map<string, ScoreItem>();
  for (const score of scores) if (rubricTag(score.rubric) === tag) scoreOf.set(score.sourceKey, score);

  const failures: Failure[] = [];
  const pending: ExportRun['pending'] = [];
  const scored: { upload: ReportItem; score: ScoreItem }[] = [];
  for (const upload of uploads) {
    const score = scoreOf.get(upload.sourceKey);
    if (upload.status === 'failed') failures.push({ source: upload.sourceKey, ...(upload.failure ?? UNRECORDED) });
    // A score of an older version of the key does not describe what is there now.
    else if (score && score.sequencer === upload.sequencer) scored.push({ upload, score });
    else pending.push({ source: upload.sourceKey, status: upload.status });
  }

  const reportCache = new Map<string, Promise<NormalizedReport>>();
  const loadReport = (reportId: string): Promise<NormalizedReport> => {
    let report = reportCache.get(reportId);
    if (!report) {
      report = deps.store.getJson(normalizedKey(reportId), NormalizedReport);
      reportCache.set(reportId, report);
    }
    return report;
  };

  const entries: CrossCheckEntry[] = await Promise.all(
    scored.map(async ({ upload, score }) => {
      const stored = score.result !== undefined ? parseAt(ScoreResult, JSON.parse(score.result), `result of ${score.sk}`) : await deps.store.getJson(score.resultKey!, ScoreResult);
      const normalized = await loadReport(score.reportId);
      // The same bytes can sit under two names: each entry is its own upload, as in `fazhi score`.
      const report: NormalizedReport = { ...normalized, source: { ...normalized.source, key: upload.sourceKey } };
      return { report, result: { ...stored, source: upload.sourceKey }, ...(score.signature ? { signature: decodeSignature(score.signature) } : {}) };
    }),
  );

  // Last year's reports of the county: copied-from-last-year and follow-through checks.
  const lastYear = await deps.records.partition(year - 1, county);
  const previousIds = [...new Set(currentUploads(lastYear.reports).current.filter((u) => u.reportId && u.status !== 'failed').map((u) => u.reportId!))];
  const previousYear = await Promise.all(previousIds.map(loadReport));

  const checked = crossCheck(entries, loaded, { previousYear: [...previousYear, ...entries.map((e) => e.report)] });
  const results = rankResults(checked, loaded.rubric);

  const generatedAt = clock().toISOString();
  const workbook = await workbookBuffer({ results, failures, rubric: loaded, scope: `${county} ${year}年度`, generatedAt });
  const key = exportKey(year, county, loaded.rubric.version);
  await deps.store.put(key, workbook, { contentType: XLSX_CONTENT_TYPE });
  const url = await deps.store.presignGet(key, {
    expiresIn: deps.urlTtlSeconds,
    contentType: XLSX_CONTENT_TYPE,
    contentDisposition: attachmentDisposition(`ranking-${year}.xlsx`, workbookFileName(year, county, loaded.rubric.version)),
  });
  deps.log.info('workbook exported', { year, county, rubric: tag, key, results: results.length, failures: failures.length, pending: pending.length, superseded: superseded.length, bytes: workbook.byteLength });
  const replaced = superseded.map((s) => ({ source: s.upload.sourceKey, by: s.by.sourceKey }));
  return { year, county, rubric: loaded, results, failures, pending, superseded: replaced, key, url, workbookBytes: workbook.byteLength };
}

export function exportResponse(run: ExportRun): ExportResponse {
  return {
    key: run.key,
    url: run.url,
    rubric: refOf(run.rubric),
    results: run.results.map((r) => ({ rank: r.rank, township: r.township, total: r.total, grade: r.grade })),
    failures: run.failures,
    pending: run.pending,
  };
}

export function makeExportHandler(deps: ExportDeps): (event: unknown) => Promise<ExportResponse> {
  return async (event) => exportResponse(await runExport(deps, parseAt(ExportRequest, event, 'export event')));
}
