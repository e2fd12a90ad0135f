import { readFileSync, statSync } from 'node:fs';
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
  /**
   * Whether `<path>.meta.json` is in the folder's listing; undefined for a file named on the command line (then it is
   * looked for). Most files have none, and looking for 2,000 missing sidecars cost ≈ 50 ms before any work started.
   */
  hasSidecar?: boolean;
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
  const names = new Set(entries.map((entry) => entry.name));
  for (const entry of entries) {
    if (NOT_A_REPORT.test(entry.name)) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) await walk(child, folder, out);
    else if (entry.isFile()) out.push({ path: child, folder, hasSidecar: names.has(`${entry.name}.meta.json`) });
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
  /** Files refused (too large, unreadable), so they still appear in the run's failures. */
  failures: Failure[];
}

/**
 * A file listed for a run, not read yet: its key (the path as given, relative to the working directory), its path, and
 * the scope and submission its sidecars and the command give. readInputFile reads it when its turn comes, so a run
 * of 10,000 files never holds every file's bytes, and a worker thread reads its own files.
 */
export type InputFile = Omit<ReportFile, 'bytes'> & { path: string };

export interface ListedInputs {
  files: InputFile[];
  /** Files refused before reading (too large), so they still appear in the run's failures. */
  failures: Failure[];
}

export interface InputDefaults {
  county?: string;
  year?: number;
  submission?: SubmissionInfo;
}

/**
 * Files listed at once: each file's sidecar, where its folder has one, is read asynchronously. One after another,
 * this thread would sit idle for each round trip to the file system (≈ 0.5 s for 2,000 files, when every file had a
 * stat and a look for a sidecar that way); a handful at a time keeps the file system's threads busy.
 */
const LIST_CONCURRENCY = 16;

/**
 * Every input file with its scope, read: for the commands that need them all at once. `fazhi score` lists them
 * (listInputFiles) and reads each as it parses it.
 */
export async function loadInputs(paths: readonly string[], defaults: InputDefaults = {}): Promise<LoadedInputs> {
  const listed = await listInputFiles(paths, defaults);
  const read = listed.files.map(readInputFile);
  const files: ReportFile[] = [];
  const failures = [...listed.failures];
  for (const input of read) {
    if ('bytes' in input) files.push(input);
    else failures.push(input);
  }
  return { files, failures };
}

/**
 * `scope` (--county/--year) applies to every file, over any sidecar; `submission` (--submitted…) fills in only what a
 * file's sidecars leave out. Files and failures come in the order the folders list them, however the stats finish.
 */
export async function listInputFiles(paths: readonly string[], defaults: InputDefaults = {}): Promise<ListedInputs> {
  const listed = await mapInOrder(await listInputs(paths), LIST_CONCURRENCY, (found) => listInput(found, defaults));
  const files: InputFile[] = [];
  const failures: Failure[] = [];
  for (const input of listed) {
    if ('path' in input) files.push(input);
    else failures.push(input);
  }
  return { files, failures };
}

/** One input file with its sidecars' scope and submission, or the failure that refused it unread. */
async function listInput({ path, folder, hasSidecar }: Found, defaults: InputDefaults): Promise<InputFile | Failure> {
  const key = relative(process.cwd(), path) || path;
  // Synchronous: a stat is a few microseconds, an asynchronous one a round trip to the file system's threads.
  const size = statSync(path).size;
  try {
    // Refuse an oversized file from its size alone: it is never read into memory.
    checkUploadSize(size);
  } catch (error) {
    if (isDocumentRejected(error)) return error.toFailure(key);
    throw error;
  }
  const own = hasSidecar === false ? null : await readSidecarFile(`${path}.meta.json`);
  const sidecar = { ...folder, ...(own ?? {}) };
  const { county, year, ...submission } = sidecar;
  const location = {
    ...(county ? { county } : {}),
    ...(year ? { year } : {}),
    ...(defaults.county ? { county: defaults.county } : {}),
    ...(defaults.year ? { year: defaults.year } : {}),
  };
  const mergedSubmission = { ...defaults.submission, ...submission };
  return {
    key,
    path,
    ...(Object.keys(location).length > 0 ? { location } : {}),
    ...(Object.keys(mergedSubmission).length > 0 ? { submission: mergedSubmission } : {}),
  };
}

/**
 * A listed file with its bytes, or why they could not be read (the file was removed, or made unreadable, after it was
 * listed): that file fails alone. A file grown past the limit since is refused as too large, unread. Read in this
 * thread's own time: the thread parses the file right after, and each of an asynchronous read's round trips to the
 * file system's threads would be idle time (measured: 2,000 files scored in 7.1 s this way, 7.4 s reading ahead
 * asynchronously).
 */
export function readInputFile({ path, ...file }: InputFile): ReportFile | Failure {
  try {
    checkUploadSize(statSync(path).size);
    return { ...file, bytes: new Uint8Array(readFileSync(path)) };
  } catch (error) {
    return readFailure(file.key, error);
  }
}

function readFailure(key: string, error: unknown): Failure {
  if (isDocumentRejected(error)) return error.toFailure(key);
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return {
    source: key,
    code: 'unreadable',
    message: `读取文件失败（${reason}）：文件可能已被移动、删除或设为不可读。请确认文件仍在原处并可读，然后重新运行`,
    messageEn: `could not read the file: ${(error as Error).message}`,
  };
}

/**
 * `map` over `items` with at most `limit` calls running, results in the items' order. When calls fail, the error of
 * the first failing item in order is thrown (not the first to fail in time), once every started call has ended.
 */
export async function mapInOrder<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const settled = new Array<PromiseSettledResult<R>>(items.length);
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
