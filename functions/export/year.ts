import { ExportRequest } from '../../schemas/events.ts';
import type { Failure } from '../../schemas/failure.ts';
import { KEY_PREFIX, rubricTag } from '../../schemas/storage.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import { PackedResults, wideRanks, type WrittenWorkbook } from '../../pipeline/workbook/index.ts';
import { parseAt } from '../shared/boundary.ts';
import {
  existingCountyYears,
  exportRubric,
  NoUploadsError,
  notRankedOf,
  presignWorkbook,
  rankPartition,
  type ExportDeps,
  type RankedCountyYear,
} from './export.ts';
import { uploadWorkbook } from './upload.ts';

/**
 * The year-wide export (a province's year): the counties with uploads in the year, from the GSI (one Query of the
 * year's status items), then county by county exactly what a county's export does (its partition, its stored results,
 * its reports and last year's, the cross-report checks and ranking within the county·year) — so each county's ranks
 * and grades are those of its own workbook — and one workbook of every county, streamed to S3, with a province-wide
 * place beside each county rank (pipeline/workbook/wide-rank.ts). Only one county's reports are in memory at a time;
 * the ranked results are kept deflated (PackedResults), which is what fits 10,000 reports in the function's 1,024 MB.
 * Copies are looked for within each county·year, as in the county's own export, not across counties.
 */

export interface YearResultRow {
  county: string | null;
  township: string | null;
  rank: number | null;
  total: number;
  grade: string;
  /** Among the same group's units of every county; null for a unit of unknown kind. */
  provinceRank: number | null;
}

export interface CountySummary {
  county: string;
  results: number;
  failures: number;
  pending: number;
  superseded: number;
}

export interface YearExportRun {
  year: number;
  rubric: LoadedRubric;
  key: string;
  url: string;
  workbookBytes: number;
  /** In the workbook's order: by county, then the county's rank order. */
  results: YearResultRow[];
  failures: Failure[];
  pending: RankedCountyYear['pending'];
  superseded: RankedCountyYear['superseded'];
  counties: CountySummary[];
  workbook: WrittenWorkbook;
}

/** `exports/{year}/ranking-{rubric version}.xlsx`, beside the counties' folders. */
export const yearExportKey = (year: number, rubricVersion: string): string => `${KEY_PREFIX.exports}${year}/ranking-${rubricVersion}.xlsx`;

export const yearWorkbookFileName = (year: number, rubricVersion: string): string => `全省${year}年度法治政府建设报告评分排名（${rubricVersion}）.xlsx`;

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export async function runYearExport(deps: ExportDeps, input: ExportRequest): Promise<YearExportRun> {
  const request = parseAt(ExportRequest, input, 'export request');
  const { year } = request;
  const loaded = exportRubric(request);
  const clock = deps.clock ?? (() => new Date());

  const started = Date.now();
  const counties = [...new Set((await deps.records.uploadsOfYear(year)).map((u) => u.county))].sort(byCodePoint);
  if (counties.length === 0) throw new NoUploadsError(year, null, await existingCountyYears(deps.records, year));

  const results = new PackedResults();
  const failures: Failure[] = [];
  const pending: RankedCountyYear['pending'] = [];
  const superseded: RankedCountyYear['superseded'] = [];
  const summaries: CountySummary[] = [];
  for (const county of counties) {
    const ranked = await rankPartition(deps, { year, county, rubric: loaded }, await deps.records.partition(year, county));
    for (const result of ranked.results) results.add(result);
    failures.push(...ranked.failures);
    pending.push(...ranked.pending);
    superseded.push(...ranked.superseded);
    summaries.push({
      county,
      results: ranked.results.length,
      failures: ranked.failures.length,
      pending: ranked.pending.length,
      superseded: ranked.superseded.length,
    });
  }

  const ranked = Date.now();
  const key = yearExportKey(year, loaded.rubric.version);
  const written = await uploadWorkbook(deps.store, key, {
    results,
    failures,
    notRanked: notRankedOf({ pending, superseded }),
    rubric: loaded,
    scope: `全省 ${year}年度`,
    scopeKey: { county: null, year },
    generatedAt: clock().toISOString(),
  });
  const url = await presignWorkbook(deps, key, `ranking-${year}.xlsx`, yearWorkbookFileName(year, loaded.rubric.version));
  const facts = results.facts();
  const places = wideRanks(facts);
  deps.log.info('year-wide workbook exported', {
    year,
    rubric: rubricTag(loaded.rubric),
    key,
    counties: counties.length,
    results: results.length,
    failures: failures.length,
    pending: pending.length,
    bytes: written.bytes,
    packedBytes: results.packedBytes,
    rankMs: ranked - started,
    workbookMs: Date.now() - ranked,
  });
  return {
    year,
    rubric: loaded,
    key,
    url,
    workbookBytes: written.bytes,
    results: facts.map((f, i) => ({ county: f.county, township: f.township, rank: f.rank, total: f.total, grade: f.grade, provinceRank: places[i] ?? null })),
    failures,
    pending,
    superseded,
    counties: summaries,
    workbook: written,
  };
}
