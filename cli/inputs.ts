import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { z } from 'zod';
import { SubmissionInfo } from '../schemas/report.ts';
import type { Failure } from '../schemas/failure.ts';
import { checkUploadSize } from '../pipeline/extract/index.ts';
import { isDocumentRejected } from '../pipeline/failure.ts';
import type { ReportFile } from '../pipeline/parse.ts';
import { describeIssues } from '../pipeline/score/rubric.ts';
import { UsageError } from './usage.ts';

/**
 * Input files for the CLI. Directories are walked recursively; dotfiles, README files and .json files (sidecars and
 * notes) are not reports. A report may have a sidecar `<file>.meta.json` with what the text cannot say: when it was
 * submitted, where it was published, which county and year it was filed under. A `fazhi.meta.json` in a directory
 * gives the same for every file below it (a file's own sidecar wins, a nearer folder's wins over a farther one's).
 *
 * County and year are the assessor's scope, never read from the text here: `--county`/`--year` (this call's
 * instruction) win over sidecars; where nothing states them the normaliser puts the whole batch in one scope.
 */

export const Sidecar = SubmissionInfo.extend({
  county: z.string().min(1).optional(),
  year: z.number().int().optional(),
}).strict();
export type Sidecar = z.infer<typeof Sidecar>;

const NOT_A_REPORT = /^(\.|readme)|\.json$/iu;

export const FOLDER_META = 'fazhi.meta.json';

interface Found {
  path: string;
  folder: Sidecar;
}

async function walk(path: string, inherited: Sidecar, out: Found[]): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new UsageError(`找不到文件或目录：${path} (no such file or directory)`);
  if (info.isFile()) {
    out.push({ path, folder: inherited });
    return;
  }
  const folder = { ...inherited, ...((await readSidecarFile(join(path, FOLDER_META))) ?? {}) };
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (NOT_A_REPORT.test(entry.name)) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) await walk(child, folder, out);
    else if (entry.isFile()) out.push({ path: child, folder });
  }
}

export async function listInputs(paths: readonly string[]): Promise<Found[]> {
  const found: Found[] = [];
  for (const path of paths) await walk(path, {}, found);
  const seen = new Set<string>();
  return found.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
}

async function readSidecarFile(file: string): Promise<Sidecar | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${basename(file)} 不是有效的 JSON：${(error as Error).message}`);
  }
  const parsed = Sidecar.safeParse(json);
  if (!parsed.success) throw new UsageError(`${file} 有误：\n  ${describeIssues(parsed.error).join('\n  ')}`);
  return parsed.data;
}

export interface LoadedInputs {
  files: ReportFile[];
  /** Files refused before reading (too large), so they still appear in the run's failures. */
  failures: Failure[];
}

/**
 * Files read at once. Reading them one after another leaves this thread idle for a round trip to the file system per
 * stat and read (≈ 0.5 s for 2,000 small files); a handful at a time keeps the thread pool busy without holding many
 * files open.
 */
const READ_CONCURRENCY = 16;

/**
 * `scope` (--county/--year) applies to every file, over any sidecar; `submission` (--submitted…) fills in only what a
 * file's sidecars leave out. Files and failures come in the order the folders list them, however the reads finish.
 */
export async function loadInputs(paths: readonly string[], defaults: { county?: string; year?: number; submission?: SubmissionInfo } = {}): Promise<LoadedInputs> {
  const loaded = await mapInOrder(await listInputs(paths), READ_CONCURRENCY, (found) => loadInput(found, defaults));
  const files: ReportFile[] = [];
  const failures: Failure[] = [];
  for (const input of loaded) {
    if ('bytes' in input) files.push(input);
    else failures.push(input);
  }
  return { files, failures };
}

/** One input file with its sidecars' scope and submission, or the failure that refused it unread. */
async function loadInput({ path, folder }: Found, defaults: { county?: string; year?: number; submission?: SubmissionInfo }): Promise<ReportFile | Failure> {
  const key = relative(process.cwd(), path) || path;
  const size = (await stat(path)).size;
  try {
    // Refuse an oversized file from its size alone: it is never read into memory.
    checkUploadSize(size);
  } catch (error) {
    if (isDocumentRejected(error)) return error.toFailure(key);
    throw error;
  }
  const sidecar = { ...folder, ...((await readSidecarFile(`${path}.meta.json`)) ?? {}) };
  const { county, year, ...submission } = sidecar;
  const location = { ...(county ? { county } : {}), ...(year ? { year } : {}), ...(defaults.county ? { county: defaults.county } : {}), ...(defaults.year ? { year: defaults.year } : {}) };
  const mergedSubmission = { ...defaults.submission, ...submission };
  return {
    key,
    bytes: new Uint8Array(await readFile(path)),
    ...(Object.keys(location).length > 0 ? { location } : {}),
    ...(Object.keys(mergedSubmission).length > 0 ? { submission: mergedSubmission } : {}),
  };
}

/**
 * `map` over `items` with at most `limit` calls running, results in the items' order. When calls fail, the error of
 * the first failing item in order is thrown (not the first to fail in time), once every started call has ended.
 */
export async function mapInOrder<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const settled: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      settled[index] = await map(items[index]!).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      );
      // Nothing after a failed item is started: the run stops at its error anyway.
      if (settled[index].status === 'rejected') next = items.length;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  const values: R[] = [];
  for (const result of settled) {
    if (!result) continue;
    if (result.status === 'rejected') throw result.reason;
    values.push(result.value);
  }
  return values;
}
