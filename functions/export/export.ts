import { CountyExportRequest, ExportRequest, type ExportResponse } from '../../schemas/events.ts';
import type { Failure } from '../../schemas/failure.ts';
import { NormalizedReport } from '../../schemas/report.ts';
import { ScoreResult } from '../../schemas/score.ts';
import { exportKey, normalizedKey, rubricTag, type ReportItem, type ScoreItem } from '../../schemas/storage.ts';
import { crossCheck, rankResults, type CrossCheckEntry } from '../../pipeline/rank/index.ts';
import { decodeSignature } from '../../pipeline/rank/similarity.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import { currentUploads } from '../../pipeline/unit-folder.ts';
import type { NotRanked } from '../../schemas/review.ts';
import type { ObjectStore } from '../aws/object-store.ts';
import { parseAt } from '../shared/boundary.ts';
import type { Logger } from '../shared/log.ts';
import type { PartitionItems, Records } from '../shared/records.ts';
import { refOf, rubricByRef } from '../shared/rubrics.ts';
import { uploadWorkbook, XLSX_CONTENT_TYPE } from './upload.ts';
import { runYearExport, type YearExportRun } from './year.ts';

/**
 * Export: one county·year → one Query (status and score items) → the stored ScoreResults of the rubric, the
 * normalised reports (and last year's of the same county) → the cross-report checks and ranking the in-process
 * `fazhi score` runs (pipeline/batch.ts scoreAndRank, minus the scoring already done) → the workbook streamed to S3
 * (a multipart upload as it is written) and a short-lived download link. Failed uploads go to the workbook's 处理异常
 * sheet. Without a county, the year-wide export (year.ts) does the same county by county.
 */

export interface ExportDeps {
  store: ObjectStore;
  records: Records;
  log: Logger;
  urlTtlSeconds: number;
  clock?: () => Date;
}

export interface ExportRun extends RankedCountyYear {
  key: string;
  url: string;
  workbookBytes: number;
}

export { XLSX_CONTENT_TYPE } from './upload.ts';

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

/** The ranked machine results of a county·year, as the export computes them (the review compares against these). */
export interface RankedCountyYear {
  year: number;
  county: string;
  rubric: LoadedRubric;
  /** Ranked, with cross-report flags. */
  results: ScoreResult[];
  failures: Failure[];
  pending: { source: string; status: string }[];
  /** Older uploads of a unit folder, replaced by the unit's newer upload (`by`): neither ranked nor listed as failed. */
  superseded: { source: string; by: string }[];
}

/** A county·year (or a whole year) with no uploads at all: names what does have some (a typo, or the wrong year). */
export class NoUploadsError extends Error {
  override readonly name = 'NoUploadsError';
  constructor(
    readonly year: number,
    /** Null: the year-wide export. */
    readonly county: string | null,
    readonly existing: readonly { year: number; county: string }[],
  ) {
    super(county === null ? NoUploadsError.yearMessage(year, existing) : NoUploadsError.countyMessage(year, county, existing));
  }

  private static countyMessage(year: number, county: string, existing: readonly { year: number; county: string }[]): string {
    return (
      `${county} ${year}年度没有任何上传的报告。` +
      (existing.length > 0
        ? `已有上传的县·年度：${existing.map((e) => `${e.county} ${e.year}年度`).join('、')}。请检查县名和年度。`
        : `${year - NEARBY_YEARS}–${year + NEARBY_YEARS} 年度也没有任何县的上传；请先上传报告（fazhi upload）。`)
    );
  }

  private static yearMessage(year: number, existing: readonly { year: number; county: string }[]): string {
    const counties = new Map<number, number>();
    for (const e of existing) counties.set(e.year, (counties.get(e.year) ?? 0) + 1);
    return (
      `${year}年度没有任何县上传的报告。` +
      (counties.size > 0
        ? `已有上传的年度：${[...counties].map(([y, n]) => `${y}年度（${n} 个县）`).join('、')}。请检查年度。`
        : `${year - NEARBY_YEARS}–${year + NEARBY_YEARS} 年度也没有任何县的上传；请先上传报告（fazhi upload）。`)
    );
  }
}

/** How far around the asked year to look for uploads when naming what exists (the GSI is per year). */
const NEARBY_YEARS = 1;

/** The county·years with uploads in the years around `year` (through the GSI, one Query per year). */
export async function existingCountyYears(records: Records, year: number): Promise<{ year: number; county: string }[]> {
  const found = new Map<string, { year: number; county: string }>();
  for (let y = year - NEARBY_YEARS; y <= year + NEARBY_YEARS; y++) {
    for (const upload of await records.uploadsOfYear(y)) found.set(`${y}\u0000${upload.county}`, { year: y, county: upload.county });
  }
  return [...found.values()].sort((a, b) => b.year - a.year || (a.county < b.county ? -1 : a.county > b.county ? 1 : 0));
}

/** The rubric an export request names, else the year's bundled one. */
export const exportRubric = (request: Pick<ExportRequest, 'year' | 'rubric'>): LoadedRubric =>
  request.rubric ? rubricByRef(request.rubric) : bundledRubricFor(request.year);

export async function rankCountyYear(deps: Pick<ExportDeps, 'store' | 'records'>, input: CountyExportRequest): Promise<RankedCountyYear> {
  const request = parseAt(CountyExportRequest, input, 'export request');
  const { year, county } = request;
  const loaded = exportRubric(request);
  const partition = await deps.records.partition(year, county);
  if (partition.reports.length === 0) throw new NoUploadsError(year, county, await existingCountyYears(deps.records, year));
  return rankPartition(deps, { year, county, rubric: loaded }, partition);
}

/**
 * The ranking of one county·year from its partition's items: the current upload of each unit, its stored result of
 * the rubric, its normalised report and last year's reports of the county for the cross-report checks. The reports are
 * dropped on return; the year-wide export calls this county by county.
 */
export async function rankPartition(
  deps: Pick<ExportDeps, 'store' | 'records'>,
  scope: { year: number; county: string; rubric: LoadedRubric },
  partition: PartitionItems,
): Promise<RankedCountyYear> {
  const { year, county, rubric: loaded } = scope;
  const tag = rubricTag(loaded.rubric);
  const { scores } = partition;
  // A unit that uploaded again through its upload page: only its newest upload counts (pipeline/unit-folder.ts).
  const { current: uploads, superseded } = currentUploads(partition.reports);
  const scoreOf = new Map<string, ScoreItem>();
  for (const score of scores) if (rubricTag(score.rubric) === tag) scoreOf.set(score.sourceKey, score);

  const failures: Failure[] = [];
  const pending: RankedCountyYear['pending'] = [];
  const scored: { upload: ReportItem; score: ScoreItem }[] = [];
  for (const upload of uploads) {
    const score = scoreOf.get(upload.sourceKey);
    if (upload.status === 'failed') failures.push({ source: upload.sourceKey, ...(upload.failure ?? UNRECORDED) });
    // A score of an older version of the key does not describe what is there now.
    else if (score && score.sequencer === upload.sequencer) scored.push({ upload, score });
    else pending.push({ source: upload.sourceKey, status: upload.status });
  }

  // Each upload has its own normalised report (normalized/{year}/{county}/{uploadId}.json), even for identical bytes.
  const loadReport = (upload: ReportItem): Promise<NormalizedReport> => deps.store.getJson(normalizedKey(upload), NormalizedReport);

  const entries: CrossCheckEntry[] = await Promise.all(
    scored.map(async ({ upload, score }) => {
      const stored =
        score.result !== undefined
          ? parseAt(ScoreResult, JSON.parse(score.result), `result of ${score.sk}`)
          : await deps.store.getJson(score.resultKey!, ScoreResult);
      const report = await loadReport(upload);
      return { report, result: { ...stored, source: upload.sourceKey }, ...(score.signature ? { signature: decodeSignature(score.signature) } : {}) };
    }),
  );

  // Last year's reports of the county: copied-from-last-year and follow-through checks.
  const lastYear = await deps.records.partition(year - 1, county);
  const lastYearCurrent = currentUploads(lastYear.reports).current;
  const previousYear = await Promise.all(lastYearCurrent.filter((u) => u.reportId && (u.status === 'parsed' || u.status === 'scored')).map(loadReport));

  const checked = crossCheck(entries, loaded, { previousYear: [...previousYear, ...entries.map((e) => e.report)] });
  const replaced = superseded.map((s) => ({ source: s.upload.sourceKey, by: s.by.sourceKey }));
  return { year, county, rubric: loaded, results: rankResults(checked, loaded.rubric), failures, pending, superseded: replaced };
}

/**
 * The uploads a ranking leaves out although they did not fail, for the workbook (WorkbookInput.notRanked): those still
 * being processed, those scored with another rubric only, those replaced by a later upload of their unit.
 */
export function notRankedOf(ranked: Pick<RankedCountyYear, 'pending' | 'superseded'>): NotRanked[] {
  return [
    ...ranked.pending.map(({ source, status }): NotRanked =>
      status === 'received' || status === 'parsed' ? { kind: 'processing', source, status } : { kind: 'other-rubric', source },
    ),
    ...ranked.superseded.map(({ source, by }): NotRanked => ({ kind: 'superseded', source, by })),
  ];
}

/** Where a workbook is presigned for download: its Chinese file name for the browser, an ASCII one for old clients. */
export async function presignWorkbook(deps: Pick<ExportDeps, 'store' | 'urlTtlSeconds'>, key: string, asciiName: string, name: string): Promise<string> {
  return deps.store.presignGet(key, {
    expiresIn: deps.urlTtlSeconds,
    contentType: XLSX_CONTENT_TYPE,
    contentDisposition: attachmentDisposition(asciiName, name),
  });
}

export async function runExport(deps: ExportDeps, input: CountyExportRequest): Promise<ExportRun> {
  const clock = deps.clock ?? (() => new Date());
  const { year, county, rubric: loaded, results, failures, pending, superseded } = await rankCountyYear(deps, input);
  const tag = rubricTag(loaded.rubric);

  const generatedAt = clock().toISOString();
  const key = exportKey(year, county, loaded.rubric.version);
  const { bytes } = await uploadWorkbook(deps.store, key, {
    results,
    failures,
    notRanked: notRankedOf({ pending, superseded }),
    rubric: loaded,
    scope: `${county} ${year}年度`,
    scopeKey: { county, year },
    generatedAt,
  });
  const url = await presignWorkbook(deps, key, `ranking-${year}.xlsx`, workbookFileName(year, county, loaded.rubric.version));
  deps.log.info('workbook exported', {
    year,
    county,
    rubric: tag,
    key,
    results: results.length,
    failures: failures.length,
    pending: pending.length,
    superseded: superseded.length,
    bytes,
  });
  return { year, county, rubric: loaded, results, failures, pending, superseded, key, url, workbookBytes: bytes };
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

export function yearExportResponse(run: YearExportRun): ExportResponse {
  return {
    key: run.key,
    url: run.url,
    rubric: refOf(run.rubric),
    results: run.results.map((r) => ({ rank: r.rank, township: r.township, total: r.total, grade: r.grade, county: r.county, provinceRank: r.provinceRank })),
    failures: run.failures,
    pending: run.pending,
    counties: run.counties.map((c) => ({ county: c.county, results: c.results, failures: c.failures, pending: c.pending })),
  };
}

/** A request with a county exports that county·year; without, the whole year (year.ts). */
export function makeExportHandler(deps: ExportDeps): (event: unknown) => Promise<ExportResponse> {
  return async (event) => {
    const request = parseAt(ExportRequest, event, 'export event');
    if (request.county === undefined) return yearExportResponse(await runYearExport(deps, request));
    return exportResponse(await runExport(deps, { ...request, county: request.county }));
  };
}
