import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReconcileReport } from '../../schemas/events.ts';
import type { Failure } from '../../schemas/failure.ts';
import { classifyUploadKey, KEY_PREFIX, MISPLACED_UPLOADS, parseNormalizedKey, type ReportItem } from '../../schemas/storage.ts';
import { runExport, type ExportRun } from '../../functions/export/export.ts';
import { failureLines, rankingTable } from '../format.ts';
import { progressView } from '../local/progress.ts';
import { claimDataDir, releaseDataDir, type RunMarker } from '../local/run-marker.ts';
import { startLocalStack, type LocalStack } from '../local/stack.ts';
import { STALL_LIMIT_MS, waitForUploads, type UploadRef, type WaitOptions, type WaitOutcome } from '../local/wait.ts';
import { checkPlacementOptions, planUploads, scopesOf, uploadAll, type PlannedUpload } from '../uploads.ts';
import { EXIT, intOption, parse, stringOption, type Io } from '../usage.ts';
import { reconcileSummary } from './reconcile.ts';
import { defaultWorkbookPath } from './export.ts';

export const LOCAL_HELP = `用法：fazhi local [--input DIR] [--out FILE] [--keep] [--data-dir DIR]        （npm start 即 fazhi local）

在本机运行完整的事件驱动流水线，不需要 AWS，也不需要 Docker：内嵌的 S3 服务（s3rver）和 DynamoDB 服务
（dynalite）在 127.0.0.1 上启动，上传事件像在 AWS 上一样经队列交给 ingest 和 score 函数（同一份代码）。
把 DIR（默认 samples/）中的每份报告上传到 reports/{年度}/{县名}/{文件名}，等全部评分或失败，再为每个
县·年度导出排名工作簿并显示排名。

数据（文件、处理状态、队列中的工作）保存在 --data-dir（默认 .fazhi/）。运行被中断（Ctrl-C、关闭终端、
进程被杀）时，下次运行 fazhi local 会先恢复：重新排队未完成的工作，核对数据桶与处理状态，并列出恢复了
哪些文件及其结果；内容没有变化的文件不重复上传。正常结束且没有 --keep 时，数据目录会被删除。

选项：
  --input DIR       报告目录或文件（默认 samples/；可重复）
  --out FILE        工作簿路径（默认 out/<县名>-<年度>-ranking-<细则版本>.xlsx；有多个县·年度时，
                    在 FILE 的文件名后加 -<县名>-<年度>）
  --keep            完成后保持服务运行（数据保留），显示连接地址和环境变量，
                    供另一个终端里的 fazhi upload/status/export/rescore/reconcile/invite 使用
                    （invite 生成的浏览器上传页面上传到本地服务）；Ctrl-C 停止
  --data-dir DIR    数据目录（默认 .fazhi）
  --year YEAR       报告和旁注都未写明年度时使用
  --county NAME     报告和旁注都未写明县名时使用
  -h, --help        显示本帮助

流水线日志（JSON，每个事件一行）写在工作簿旁的 fazhi-local.log。
退出码：0 全部评分；1 有文件失败或卡住（逐一列出）；2 用法错误或服务无法启动；130 被中断（数据已保留，下次运行时恢复）。`;

const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));
export const DEFAULT_DATA_DIR = '.fazhi';
/** Without a terminal (CI logs, pipes), a line on how far the run is, this often, besides one line per finished file. */
const PROGRESS_LINE_MS = 30_000;
/** After the queues go idle with files unfinished, the reconciler is run this many more times before giving up. */
const RECONCILE_ROUNDS = 2;
const EXIT_INTERRUPTED = 130;

function workbookPath(out: string | undefined, scope: { county: string; year: number }, version: string, several: boolean): string {
  if (!out) return defaultWorkbookPath(scope.county, scope.year, version);
  if (!several) return out;
  const ext = extname(out) || '.xlsx';
  return join(dirname(out), `${basename(out, extname(out))}-${scope.county}-${scope.year}${ext}`);
}

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** An upload to wait for: its key, its county·year, and since when its status counts (0: any status of this version). */
const refOf = (key: string, since?: number): UploadRef => {
  const { place } = classifyUploadKey(key);
  return { key, year: place.year, county: place.county, ...(since !== undefined ? { since } : {}) };
};

interface Recovery {
  interrupted: RunMarker | null;
  /** Uploads whose work was unfinished when the earlier run stopped, each with the time its status counts from. */
  keys: Map<string, number>;
  reconciled: ReconcileReport;
}

/** Step: pick up what an interrupted run left: its journaled queue messages, then the reconciler for the rest. */
async function recover(stack: LocalStack, interrupted: RunMarker | null, io: Io): Promise<Recovery> {
  // Restored messages are unfinished work: whatever status their uploads reach next is the outcome.
  const keys = new Map<string, number>(stack.restoredSubjects.ingest.map((key) => [key, 0]));
  for (const normalized of stack.restoredSubjects.score) {
    const at = parseNormalizedKey(normalized);
    const item = at ? await stack.records.uploadById(at.year, at.county, at.uploadId) : undefined;
    if (item) keys.set(item.sourceKey, 0);
  }
  // Re-driven work may start from a failed status (a dead letter): only a status reached after the re-drive counts.
  const reconciling = Date.now();
  const reconciled = await stack.reconcile();
  for (const action of reconciled.actions) {
    if (action.source.startsWith(KEY_PREFIX.reports)) keys.set(action.source, action.action === 'redriven' ? reconciling : (keys.get(action.source) ?? 0));
  }
  if (interrupted || keys.size > 0) {
    io.out(
      `${interrupted ? `上次运行（进程 ${interrupted.pid}，${interrupted.startedAt} 启动）被中断` : '数据目录中有未完成的工作'}：` +
        `队列中恢复 ${stack.restored.ingest} 条解析、${stack.restored.score} 条评分工作；共 ${keys.size} 个文件需要继续处理。`,
    );
    if (reconciled.actions.length > 0) io.out(reconcileSummary(reconciled));
  }
  return { interrupted, keys, reconciled };
}

/** Step: upload what is new; a file already in the bucket with the same content is not uploaded again. */
async function uploadChanged(stack: LocalStack, plan: readonly PlannedUpload[]): Promise<{ uploaded: PlannedUpload[]; unchanged: PlannedUpload[] }> {
  const existing = new Map((await stack.store.list(KEY_PREFIX.reports)).map((o) => [o.key, o.eTag?.replace(/"/g, '')]));
  const unchanged = plan.filter((u) => existing.get(u.key) === md5(u.bytes));
  const uploaded = plan.filter((u) => !unchanged.includes(u));
  await uploadAll(stack.store, uploaded);
  return { uploaded, unchanged };
}

/**
 * Step: wait until every upload is final, however long a run that keeps making progress takes; when the queues fall
 * idle with some unfinished, reconcile and wait again. A run with no progress at all for STALL_LIMIT_MS ends with its
 * unfinished uploads named as stuck.
 */
async function waitAll(stack: LocalStack, uploads: readonly UploadRef[], since: number, onProgress: WaitOptions['onProgress'], io: Io): Promise<WaitOutcome> {
  const idle = () => stack.queues.ingest.idle && stack.queues.score.idle;
  const activity = () => stack.queues.ingest.delivered + stack.queues.score.delivered;
  const options: WaitOptions = { since, idle, activity, ...(onProgress ? { onProgress } : {}) };
  let outcome = await waitForUploads(stack.records, uploads, options);
  for (let round = 0; round < RECONCILE_ROUNDS && outcome.ended === 'idle'; round++) {
    const report = await stack.reconcile();
    if (report.actions.length === 0) break;
    io.out(reconcileSummary(report));
    outcome = await waitForUploads(stack.records, uploads, options);
  }
  return outcome;
}

/** What the local run says about uploads that did not finish, and why it stopped waiting for them. */
export function stuckMessage(outcome: WaitOutcome, deadLetters: number, logPath: string): string {
  const why =
    outcome.ended === 'stalled'
      ? `${outcome.stuck.length} 个文件没有处理完：${Math.round(STALL_LIMIT_MS / 60_000)} 分钟内没有任何进展（没有文件的处理状态变化，队列也没有处理任何消息），判定为卡住：`
      : `${outcome.stuck.length} 个文件没有处理完（卡住了）：队列中已没有待处理的工作：`;
  return (
    `${why}\n${outcome.stuck.map((s) => `  ✗ ${s.key}（停在：${s.status}）`).join('\n')}` +
    `${deadLetters > 0 ? `\n死信队列中有 ${deadLetters} 条消息。` : ''}\n详情见流水线日志 ${logPath}；再次运行 fazhi local 会重新处理这些文件。`
  );
}

/**
 * What `fazhi local --keep` tells the operator to run in another terminal: the variables that point every pipeline
 * command at this stack, then the commands, with the first county·year of the run. `fazhi invite` there writes
 * browser upload pages whose forms and status links go to the local S3 endpoint (signed with the local credentials).
 */
export function keepInstructions(env: Readonly<Record<string, string>>, scope: { year: number; county: string }): string {
  const { year, county } = scope;
  return [
    `在另一个终端中：\n  export ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' \\\n         ')}`,
    `  npx fazhi status --year ${year}`,
    `  npx fazhi upload 报告.docx --year ${year} --county ${county}`,
    `  npx fazhi export --year ${year} --county ${county}`,
    `  npx fazhi rescore --year ${year}`,
    `  npx fazhi reconcile --stale-after 0`,
    `  npx fazhi invite --year ${year} --county ${county} --units units.txt --out invites/`,
    `    （units.txt 每行一个单位；在浏览器中打开 invites/ 中的页面即可上传到本地服务，invites/index.html 显示各单位状态）`,
  ].join('\n');
}

/** What `fazhi local` says about work still queued when it stops (it stays in the journal for the next run). */
export function queuedSummary(stack: LocalStack): string {
  const queued = stack.queued();
  const total = queued.ingest.length + queued.score.length;
  if (total === 0) return '停止时队列中没有未完成的工作。';
  const list = (keys: string[]) =>
    keys
      .slice(0, 20)
      .map((k) => `    ${k}`)
      .join('\n') + (keys.length > 20 ? `\n    …另有 ${keys.length - 20} 个` : '');
  return [
    `停止时队列中还有 ${total} 条未完成的工作（已保存在 ${stack.dataDir}/，下次运行 fazhi local 时继续处理）：`,
    ...(queued.ingest.length > 0 ? [`  待解析 ${queued.ingest.length}：`, list(queued.ingest)] : []),
    ...(queued.score.length > 0 ? [`  待评分 ${queued.score.length}：`, list(queued.score)] : []),
  ].join('\n');
}

export async function localCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(
    args,
    {
      input: { type: 'string', multiple: true },
      out: { type: 'string' },
      keep: { type: 'boolean' },
      year: { type: 'string' },
      county: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    'local',
  );
  if (values.help) {
    io.out(LOCAL_HELP);
    return EXIT.ok;
  }
  const started = Date.now();
  const inputs = (values.input as string[] | undefined) ?? [relative(process.cwd(), SAMPLES) || '.'];
  const out = stringOption(values, 'out');
  const keep = values.keep === true;
  const year = intOption(values, 'year');
  const county = stringOption(values, 'county');
  const dataDir = stringOption(values, 'data-dir') ?? DEFAULT_DATA_DIR;
  checkPlacementOptions({ ...(year !== undefined ? { year } : {}), ...(county !== undefined ? { county } : {}) });

  const plan = await planUploads(inputs, { ...(year ? { year } : {}), ...(county ? { county } : {}) });
  mkdirSync(dataDir, { recursive: true });
  const interrupted = claimDataDir(dataDir);
  if (plan.uploads.length === 0 && !interrupted) {
    releaseDataDir(dataDir);
    io.err(
      `在 ${inputs.join('、')} 中没有可上传的报告。${plan.refused.length > 0 ? `\n${plan.refused.map((r) => `  ✗ ${r.source}：${r.reason}`).join('\n')}` : ''}`,
    );
    return EXIT.someFailed;
  }

  const logPath = join(out ? dirname(out) : 'out', 'fazhi-local.log');
  await mkdir(dirname(logPath), { recursive: true });
  const logFile = createWriteStream(logPath, { flags: 'w' });
  const debug = !!process.env.FAZHI_DEBUG;
  let stack: LocalStack;
  const starting = Date.now();
  try {
    stack = await startLocalStack({
      dataDir,
      persistent: true,
      journal: true,
      logSink: (line) => {
        logFile.write(`${line}\n`);
        if (debug) process.stderr.write(`${line}\n`);
      },
    });
  } catch (error) {
    logFile.end();
    releaseDataDir(dataDir);
    io.err(
      `本地服务无法启动：${(error as Error).message}\n（s3rver 和 dynalite 在 127.0.0.1 的空闲端口上运行，数据在 ${dataDir}/；请检查 node_modules 是否完整：npm ci）`,
    );
    return EXIT.usage;
  }

  // Ctrl-C or a polite kill mid-run: say what was still queued; the journal keeps it for the next run.
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    io.err(`\n${queuedSummary(stack)}`);
    void stack.close().finally(() => {
      logFile.end();
      releaseDataDir(dataDir);
      process.exit(EXIT_INTERRUPTED);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  let exit: number = EXIT.ok;
  let finished = false;
  try {
    io.out(`本地服务已启动：S3 ${stack.endpoints.s3}，DynamoDB ${stack.endpoints.dynamodb}（${Date.now() - starting} ms，数据在 ${dataDir}/）`);
    const recovery = await recover(stack, interrupted, io);
    const since = Date.now();
    const { uploaded, unchanged } = await uploadChanged(stack, plan.uploads);
    io.out(
      `上传 ${uploaded.length} 份报告到 s3://${stack.bucket}/reports/…${unchanged.length > 0 ? `（另有 ${unchanged.length} 份已在数据桶中、内容相同，不重复上传）` : ''}，等待解析和评分…`,
    );

    const waitFor: UploadRef[] = [
      ...uploaded.map((u) => refOf(u.key)),
      ...unchanged.map((u) => refOf(u.key, recovery.keys.get(u.key) ?? 0)),
      ...[...recovery.keys].filter(([k]) => !plan.uploads.some((u) => u.key === k)).map(([k, from]) => refOf(k, from)),
    ];
    const view = process.stdout.isTTY ? progressView(process.stdout, '处理') : { update: () => {}, line: (text: string) => io.out(text), finish: () => {} };
    const announced = new Set<string>();
    let lastLine = Date.now();
    const outcome = await waitAll(
      stack,
      waitFor,
      since,
      (progress) => {
        for (const upload of waitFor) {
          const item = progress.statuses.get(upload.key);
          if (!item || announced.has(upload.key) || Date.parse(item.updatedAt) < (upload.since ?? since)) continue;
          if (item.status === 'scored') view.line(`  ✓ 已评分  ${item.township ?? ''} ${upload.key}`);
          else if (item.status === 'failed') view.line(`  ✗ 失败    ${upload.key}：${item.failure?.message ?? ''}`);
          else continue;
          announced.add(upload.key);
        }
        const queued = `待解析 ${stack.queues.ingest.depth} · 待评分 ${stack.queues.score.depth}`;
        view.update(progress.scored + progress.failed, progress.total, `已评分 ${progress.scored} · 失败 ${progress.failed} · ${queued}`);
        if (!process.stdout.isTTY && Date.now() - lastLine >= PROGRESS_LINE_MS && progress.scored + progress.failed < progress.total) {
          lastLine = Date.now();
          io.out(
            `  … 已完成 ${progress.scored + progress.failed}/${progress.total}（已评分 ${progress.scored} · 失败 ${progress.failed}），队列中${queued}，已用时 ${Math.round((Date.now() - started) / 1000)} 秒`,
          );
        }
      },
      io,
    );
    view.finish();

    if (recovery.keys.size > 0) io.out(`\n恢复的文件（上次运行中断时未完成）：\n${recoveredLines(recovery.keys, outcome.statuses)}`);
    if (outcome.stuck.length > 0) {
      io.err(stuckMessage(outcome, stack.queues.ingest.deadLetters.length + stack.queues.score.deadLetters.length, logPath));
      exit = EXIT.someFailed;
    }

    const scopes = scopesOf(waitFor.filter((u) => u.year !== MISPLACED_UPLOADS.year));
    const runs: { run: ExportRun; path: string }[] = [];
    for (const scope of scopes) {
      const run = await runExport(stack.exportDeps(), scope);
      const path = workbookPath(out, scope, run.rubric.rubric.version, scopes.length > 1);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, (await stack.store.get(run.key)).bytes);
      runs.push({ run, path });
    }

    io.out('');
    for (const { run } of runs) if (run.results.length > 0) io.out(`${rankingTable(run.results)}\n`);
    const rubrics = [...new Set(runs.map(({ run }) => `${run.rubric.rubric.id} ${run.rubric.rubric.version}`))];
    if (rubrics.length > 0) io.out(`评分细则：${rubrics.join('；')}`);
    for (const { run, path } of runs) io.out(`工作簿：${path}（${run.county} ${run.year}年度，s3://${stack.bucket}/${run.key}）`);

    const misplaced = waitFor
      .filter((u) => u.year === MISPLACED_UPLOADS.year)
      .map((u) => ({ source: u.key, code: 'misplaced' as const, message: outcome.statuses.get(u.key)?.failure?.message ?? '' }));
    const failures: Failure[] = [
      ...runs.flatMap(({ run }) => run.failures),
      ...misplaced,
      ...plan.refused.map((r) => ({ source: r.source, code: 'not-a-report' as const, message: r.reason })),
    ];
    if (failures.length > 0) {
      io.err(`${failures.length} 个文件未能评分：\n${failureLines(failures)}`);
      exit = EXIT.someFailed;
    }
    io.out(`用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒；流水线日志 ${logPath}`);

    if (keep) {
      const env = stack.env();
      io.out(`\n本地服务保持运行（数据在 ${dataDir}/），按 Ctrl-C 停止：`);
      io.out(`  S3        ${stack.endpoints.s3}  桶 ${stack.bucket}`);
      io.out(`  DynamoDB  ${stack.endpoints.dynamodb}  表 ${stack.table}`);
      io.out(`  评分队列  ${stack.queueUrls.score}`);
      io.out(keepInstructions(env, scopes[0] ?? { year: 2024, county: '临澜县' }));
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      io.out(`正在停止本地服务…\n${queuedSummary(stack)}`);
    }
    finished = true;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (!stopping) {
      await stack.close();
      await new Promise<void>((resolve) => logFile.end(resolve));
      releaseDataDir(dataDir);
      // A finished run without --keep leaves nothing behind (the workbook and the log have the results).
      if (finished && !keep) await rm(dataDir, { recursive: true, force: true });
    }
  }
  return exit;
}

function recoveredLines(keys: ReadonlyMap<string, number>, statuses: ReadonlyMap<string, ReportItem>): string {
  return [...keys.keys()]
    .sort()
    .map((key) => {
      const item = statuses.get(key);
      if (item?.status === 'scored') return `  ✓ 已评分  ${key}`;
      if (item?.status === 'failed') return `  ✗ 失败    ${key}：${item.failure?.message ?? ''}`;
      return `  … ${item?.status ?? '无记录'}  ${key}`;
    })
    .join('\n');
}
