import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Failure } from '../../schemas/failure.ts';
import { runExport, type ExportRun } from '../../functions/export/export.ts';
import { failureLines, rankingTable } from '../format.ts';
import { progressView } from '../local/progress.ts';
import { startLocalStack, type LocalStack } from '../local/stack.ts';
import { waitForUploads } from '../local/wait.ts';
import { planUploads, scopesOf, uploadAll } from '../uploads.ts';
import { EXIT, intOption, parse, stringOption, type Io } from '../usage.ts';
import { defaultWorkbookPath } from './export.ts';

export const LOCAL_HELP = `用法：fazhi local [--input DIR] [--out FILE] [--keep]        （npm start 即 fazhi local）

在本机运行完整的事件驱动流水线，不需要 AWS，也不需要 Docker：内嵌的 S3 服务（s3rver）和 DynamoDB 服务
（dynalite）在 127.0.0.1 上启动，上传事件像在 AWS 上一样经队列交给 ingest 和 score 函数（同一份代码）。
把 DIR（默认 samples/）中的每份报告上传到 reports/{年度}/{县名}/{文件名}，等全部评分或失败，再为每个
县·年度导出排名工作簿并显示排名。

选项：
  --input DIR       报告目录或文件（默认 samples/；可重复）
  --out FILE        工作簿路径（默认 out/<县名>-<年度>-ranking-<细则版本>.xlsx；有多个县·年度时，
                    在 FILE 的文件名后加 -<县名>-<年度>）
  --keep            完成后保持服务运行（数据保存在 .fazhi/），显示连接地址和环境变量，
                    供另一个终端里的 fazhi upload/status/export/rescore 使用；Ctrl-C 停止
  --year YEAR       报告和旁注都未写明年度时使用
  --county NAME     报告和旁注都未写明县名时使用
  -h, --help        显示本帮助

流水线日志（JSON，每个事件一行）写在工作簿旁的 fazhi-local.log。
退出码：0 全部评分；1 有文件失败或卡住（逐一列出）；2 用法错误或服务无法启动。`;

const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));
const KEEP_DIR = '.fazhi';
const WAIT_LIMIT_MS = 120_000;

function workbookPath(out: string | undefined, scope: { county: string; year: number }, version: string, several: boolean): string {
  if (!out) return defaultWorkbookPath(scope.county, scope.year, version);
  if (!several) return out;
  const ext = extname(out) || '.xlsx';
  return join(dirname(out), `${basename(out, extname(out))}-${scope.county}-${scope.year}${ext}`);
}

export async function localCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { input: { type: 'string', multiple: true }, out: { type: 'string' }, keep: { type: 'boolean' }, year: { type: 'string' }, county: { type: 'string' } }, 'local');
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

  const plan = await planUploads(inputs, { ...(year ? { year } : {}), ...(county ? { county } : {}) });
  if (plan.uploads.length === 0) {
    io.err(`在 ${inputs.join('、')} 中没有可上传的报告。${plan.refused.length > 0 ? `\n${plan.refused.map((r) => `  ✗ ${r.source}：${r.reason}`).join('\n')}` : ''}`);
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
      ...(keep ? { dataDir: KEEP_DIR, persistent: true } : {}),
      logSink: (line) => {
        logFile.write(`${line}\n`);
        if (debug) process.stderr.write(`${line}\n`);
      },
    });
  } catch (error) {
    logFile.end();
    io.err(`本地服务无法启动：${(error as Error).message}\n（s3rver 和 dynalite 在 127.0.0.1 的空闲端口上运行；请检查 node_modules 是否完整：npm ci）`);
    return EXIT.usage;
  }

  let exit: number = EXIT.ok;
  try {
    io.out(`本地服务已启动：S3 ${stack.endpoints.s3}，DynamoDB ${stack.endpoints.dynamodb}（${Date.now() - starting} ms）`);
    io.out(`上传 ${plan.uploads.length} 份报告到 s3://${stack.bucket}/reports/…，等待解析和评分…`);
    const view = process.stdout.isTTY ? progressView(process.stdout, '处理') : { update: () => {}, line: (text: string) => io.out(text), finish: () => {} };
    const since = Date.now();
    const announced = new Set<string>();
    await uploadAll(stack.store, plan.uploads);
    const outcome = await waitForUploads(stack.records, plan.uploads, {
      since,
      idle: () => stack.queues.ingest.idle && stack.queues.score.idle,
      timeoutMs: WAIT_LIMIT_MS,
      onProgress: (progress) => {
        for (const upload of plan.uploads) {
          const item = progress.statuses.get(upload.key);
          if (!item || announced.has(upload.key) || Date.parse(item.receivedAt) < since) continue;
          if (item.status === 'scored') view.line(`  ✓ 已评分  ${item.township ?? ''} ${upload.key}`);
          else if (item.status === 'failed') view.line(`  ✗ 失败    ${upload.key}：${item.failure?.message ?? ''}`);
          else continue;
          announced.add(upload.key);
        }
        view.update(progress.scored + progress.failed, progress.total, `已评分 ${progress.scored} · 失败 ${progress.failed}`);
      },
    });
    view.finish();

    if (outcome.stuck.length > 0) {
      const dead = [...stack.queues.ingest.deadLetters, ...stack.queues.score.deadLetters].length;
      io.err(
        `${outcome.stuck.length} 个文件没有处理完（卡住了）：\n${outcome.stuck.map((s) => `  ✗ ${s.key}（停在：${s.status}）`).join('\n')}` +
          `${dead > 0 ? `\n死信队列中有 ${dead} 条消息。` : ''}\n详情见流水线日志 ${logPath}`,
      );
      exit = EXIT.someFailed;
    }

    const scopes = scopesOf(plan.uploads);
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
    io.out(`评分细则：${rubrics.join('；')}`);
    for (const { run, path } of runs) io.out(`工作簿：${path}（${run.county} ${run.year}年度，s3://${stack.bucket}/${run.key}）`);

    const failures: Failure[] = [...runs.flatMap(({ run }) => run.failures), ...plan.refused.map((r) => ({ source: r.source, code: 'not-a-report' as const, message: r.reason }))];
    if (failures.length > 0) {
      io.err(`${failures.length} 个文件未能评分：\n${failureLines(failures)}`);
      exit = EXIT.someFailed;
    }
    io.out(`用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒；流水线日志 ${logPath}`);

    if (keep) {
      const env = stack.env();
      io.out(`\n本地服务保持运行（数据在 ${KEEP_DIR}/），按 Ctrl-C 停止：`);
      io.out(`  S3        ${stack.endpoints.s3}  桶 ${stack.bucket}`);
      io.out(`  DynamoDB  ${stack.endpoints.dynamodb}  表 ${stack.table}`);
      io.out(`  评分队列  ${stack.queueUrls.score}`);
      io.out(`在另一个终端中：\n  export ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' \\\n         ')}`);
      io.out(`  npx fazhi status --year ${scopes[0]?.year ?? 2024}\n  npx fazhi upload 报告.docx --year 2024 --county 临澜县\n  npx fazhi export --year 2024 --county 临澜县\n  npx fazhi rescore --year 2024`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      io.out('正在停止本地服务…');
    }
  } finally {
    await stack.close();
    await new Promise<void>((resolve) => logFile.end(resolve));
  }
  return exit;
}
