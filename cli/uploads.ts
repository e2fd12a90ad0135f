import { basename, dirname, extname } from 'node:path';
import type { Failure } from '../schemas/failure.ts';
import { countyProblem, REPORT_SUFFIXES, segmentProblem, uploadKey, yearProblem } from '../schemas/storage.ts';
import { parseReport } from '../pipeline/parse.ts';
import { bundledRubricFor } from '../pipeline/score/bundled-rubrics.ts';
import type { ObjectStore } from '../functions/aws/object-store.ts';
import { submissionToMetadata } from '../functions/shared/submission.ts';
import { loadInputs } from './inputs.ts';
import { UsageError } from './usage.ts';

/**
 * What `fazhi upload` and `fazhi local` put into the bucket: each report file at `reports/{year}/{county}/{file}`, with
 * its submission facts as S3 user metadata. County and year come from the same sidecars `fazhi score` reads
 * (`<file>.meta.json`, `fazhi.meta.json`), then the flags, then a local parse of the file, then the other files of
 * its folder (so a damaged file still reaches the pipeline and is reported there).
 */

export interface PlannedUpload {
  /** The local file, relative to the working directory. */
  source: string;
  key: string;
  year: number;
  county: string;
  bytes: Uint8Array;
  metadata: Record<string, string>;
}

export interface Refusal {
  source: string;
  reason: string;
}

export interface UploadPlan {
  uploads: PlannedUpload[];
  /** Refused before upload: too large, not a report type, or nowhere to put it. */
  refused: Refusal[];
}

const SUFFIXES = new Set<string>(REPORT_SUFFIXES);
const TYPES = [...new Set(REPORT_SUFFIXES.map((s) => s.toLowerCase()))].join(' ');

const CONTENT_TYPES: Record<string, string> = {
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.doc': 'application/msword',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.md': 'text/markdown',
};

export const contentTypeOf = (name: string): string => CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';

function mostCommon<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** `--county` and `--year` as given on the command line: refused at once (exit 2) when no key could hold them. */
export function checkPlacementOptions(options: { year?: number; county?: string }): void {
  const county = options.county !== undefined ? countyProblem(options.county) : null;
  if (county) throw new UsageError(`--county “${options.county}” 不能用作上传路径中的县名：${county.zh}。`);
  const year = options.year !== undefined ? yearProblem(options.year) : null;
  if (year) throw new UsageError(`--year ${options.year}：${year.zh}。`);
}

/** Why a file cannot go to `reports/{year}/{county}/{name}`, in Chinese; null when it can. */
function placementProblem(year: number, county: string, name: string): string | null {
  const problem = yearProblem(year) ?? countyProblem(county) ?? segmentProblem(name, '文件名');
  return problem ? `无法上传到 reports/{年度}/{县名}/{文件名}：${problem.zh}` : null;
}

export async function planUploads(paths: readonly string[], defaults: { year?: number; county?: string } = {}): Promise<UploadPlan> {
  const inputs = await loadInputs(paths, defaults);
  const refused: Refusal[] = inputs.failures.map((f: Failure) => ({ source: f.source, reason: f.message }));
  const placed: { file: (typeof inputs.files)[number]; year?: number; county?: string }[] = [];
  for (const file of inputs.files) {
    const name = basename(file.key);
    if (!SUFFIXES.has(extname(name))) {
      refused.push({ source: file.key, reason: `不是可上传的报告文件类型（可上传：${TYPES}）` });
      continue;
    }
    let { year, county } = file.location ?? {};
    if (year === undefined || county === undefined) {
      // The text says which county and year it reports on; a file that cannot be parsed is placed by its folder below.
      const outcome = await parseReport(file, bundledRubricFor(year ?? null).rubric.metrics);
      if (outcome.ok) {
        year ??= outcome.report.meta.year ?? undefined;
        county ??= outcome.report.meta.county ?? undefined;
      }
    }
    placed.push({ file, ...(year !== undefined ? { year } : {}), ...(county !== undefined ? { county } : {}) });
  }

  const uploads: PlannedUpload[] = [];
  const byKey = new Map<string, string>();
  for (const entry of placed) {
    const folder = dirname(entry.file.key);
    const neighbours = placed.filter((p) => dirname(p.file.key) === folder);
    const year = entry.year ?? mostCommon(neighbours.map((p) => p.year).filter((y): y is number => y !== undefined));
    const county = entry.county ?? mostCommon(neighbours.map((p) => p.county).filter((c): c is string => c !== undefined));
    if (year === undefined || county === undefined) {
      const missing = [year === undefined ? '年度' : '', county === undefined ? '县名' : ''].filter(Boolean).join('和');
      refused.push({
        source: entry.file.key,
        reason: `无法确定${missing}：请在 ${basename(entry.file.key)}.meta.json 或目录的 fazhi.meta.json 中写明（"year"、"county"），或使用 --year / --county`,
      });
      continue;
    }
    const problem = placementProblem(year, county, basename(entry.file.key));
    if (problem) {
      refused.push({ source: entry.file.key, reason: problem });
      continue;
    }
    const key = uploadKey(year, county, basename(entry.file.key));
    const other = byKey.get(key);
    if (other) {
      refused.push({ source: entry.file.key, reason: `与 ${other} 同名，会上传到同一位置 ${key}；请改名后再上传` });
      continue;
    }
    byKey.set(key, entry.file.key);
    uploads.push({ source: entry.file.key, key, year, county, bytes: entry.file.bytes, metadata: submissionToMetadata(entry.file.submission ?? {}) });
  }
  return { uploads, refused };
}

/** Uploads a few at a time; `onUploaded` sees each one as it lands (the pipeline starts on it at once). */
export async function uploadAll(
  store: ObjectStore,
  uploads: readonly PlannedUpload[],
  onUploaded: (upload: PlannedUpload) => void = () => {},
  concurrency = 4,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < uploads.length) {
      const upload = uploads[next++]!;
      await store.put(upload.key, upload.bytes, { contentType: contentTypeOf(upload.key), metadata: upload.metadata });
      onUploaded(upload);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, uploads.length) }, worker));
}

/** The county·year pairs of a set of uploads, in a stable order. */
export function scopesOf(uploads: readonly { year: number; county: string }[]): { year: number; county: string }[] {
  const seen = new Map<string, { year: number; county: string }>();
  for (const u of uploads) seen.set(`${u.county}\u0000${u.year}`, { year: u.year, county: u.county });
  return [...seen.values()].sort((a, b) => (a.county < b.county ? -1 : a.county > b.county ? 1 : a.year - b.year));
}
