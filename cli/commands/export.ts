import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3ObjectStore } from '../../functions/aws/object-store.ts';
import { NoUploadsError, runExport } from '../../functions/export/export.ts';
import { runYearExport, type YearExportRun } from '../../functions/export/year.ts';
import { silentLogger } from '../../functions/shared/log.ts';
import { refOf } from '../../functions/shared/rubrics.ts';
import { failureLines, rankingTable, table } from '../format.ts';
import { againstTarget, connect, resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../pipeline-target.ts';
import { FEEDBACK_SHEET_LIMIT } from '../../pipeline/workbook/feedback.ts';
import { EXIT, intOption, parse, stringOption, UsageError, type Io } from '../usage.ts';
import { requiredYear, rubricOption, STATUS_LABELS } from './status.ts';

export const EXPORT_HELP = `用法：fazhi export --year YEAR [--county NAME] [--out FILE] [--rubric R] [连接选项]

为一个县·年度生成排名工作簿：读取已存的评分，做交叉比对（雷同、上年落实情况）并排名，写入
s3://<桶>/exports/{年度}/{县名}/ranking-{细则版本}.xlsx，再下载到本机。运行的是与导出 Lambda 相同的代码。

不写 --county：全年度导出（全省）。逐县做与县导出相同的比对和排名（县内名次、等次与各县工作簿一致），
写入一个工作簿 s3://<桶>/exports/{年度}/ranking-{细则版本}.xlsx，另加“全省排名”（同一排名组的单位
跨县按得分统一排序，得分相同者并列）。单位超过 ${FEEDBACK_SHEET_LIMIT} 个时不生成每个单位的反馈表（请分县导出）。

选项：
  --year YEAR       年度（必填）
  --county NAME     县名（不写则导出该年度所有县）
  --rubric R        评分细则：年度（2024）、细则 id 或 id@版本（默认：该年度的细则）
  --out FILE        下载到这里（默认 out/<县名>-<年度>-ranking-<细则版本>.xlsx；全年度为 out/全省-<年度>-…）
  --ttl SECONDS     显示的下载链接有效期（默认 900 秒）
  -h, --help        显示本帮助

${TARGET_HELP}

评审人员在工作簿的“复核”表中填写调整后，上传到 reviews/{年度}/{县名}/（流水线生成复核定稿
exports/{年度}/{县名}/final-{细则版本}.xlsx），或在本机运行 fazhi review。

退出码：0 成功；1 有文件处理失败（列在工作簿的“处理异常”表和下方）；2 用法或配置错误（含该县·年度没有任何上传）。`;

export const defaultWorkbookPath = (county: string, year: number, rubricVersion: string): string =>
  join('out', `${county}-${year}-ranking-${rubricVersion}.xlsx`);

/** How many not-yet-ranked uploads a year-wide export lists by name (the per-county counts cover the rest). */
const LISTED_PENDING = 20;

/** The exported object downloaded as it arrives (a province's workbook is well over 100 MB); no file left on failure. */
async function download(store: S3ObjectStore, key: string, out: string): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  const response = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
  if (!response.Body) throw new Error(`s3://${store.bucket}/${key} has no body`);
  try {
    await pipeline(response.Body as Readable, createWriteStream(out));
  } catch (error) {
    await rm(out, { force: true });
    throw error;
  }
}

export async function exportCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(
    args,
    { ...TARGET_OPTIONS, year: { type: 'string' }, county: { type: 'string' }, rubric: { type: 'string' }, out: { type: 'string' }, ttl: { type: 'string' } },
    'export',
  );
  if (values.help) {
    io.out(EXPORT_HELP);
    return EXIT.ok;
  }
  const year = requiredYear(values, 'export');
  const county = stringOption(values, 'county');
  const loaded = rubricOption(stringOption(values, 'rubric'), year);
  const ttl = intOption(values, 'ttl') ?? 900;
  const target = resolveTarget(values);
  const connection = connect(target);
  const out = stringOption(values, 'out') ?? defaultWorkbookPath(county ?? '全省', year, loaded.rubric.version);
  const deps = { store: connection.store, records: connection.records, log: silentLogger, urlTtlSeconds: ttl };
  try {
    const run = await againstTarget(target, async () => {
      const exported = county ? await runExport(deps, { year, county, rubric: refOf(loaded) }) : await runYearExport(deps, { year, rubric: refOf(loaded) });
      await download(connection.store, exported.key, out);
      return exported;
    }).catch((error: unknown) => {
      // Nothing uploaded for this county·year (or year): a typo in the county or the wrong year, said with what does exist.
      if (error instanceof NoUploadsError) throw new UsageError(error.message);
      throw error;
    });
    if ('counties' in run) printYear(run, io);
    else if (run.results.length > 0) io.out(rankingTable(run.results));
    else io.out(`${county} ${year}年度还没有用 ${loaded.rubric.id} ${loaded.rubric.version} 评分的报告。`);
    io.out(`\n评分细则：${run.rubric.rubric.id} ${run.rubric.rubric.version}`);
    io.out(`工作簿：${out}（s3://${target.bucket}/${run.key}）`);
    io.out(`下载链接（${ttl} 秒内有效）：${run.url}`);
    if (run.pending.length > 0) {
      const why = (status: string): string =>
        status === 'scored'
          ? `已评分，但没有用 ${run.rubric.rubric.id}@${run.rubric.rubric.version} 评分（可运行 fazhi rescore）`
          : `处理中：${STATUS_LABELS[status as keyof typeof STATUS_LABELS] ?? status}`;
      const listed = run.pending.slice(0, county ? run.pending.length : LISTED_PENDING);
      const more = run.pending.length - listed.length;
      io.out(
        `\n${run.pending.length} 个文件不在排名中：\n${listed.map((p) => `  … ${p.source}（${why(p.status)}）`).join('\n')}${more > 0 ? `\n  … 另有 ${more} 个（各县的数目见上表）` : ''}`,
      );
    }
    if (run.superseded.length > 0) {
      io.out(`\n${run.superseded.length} 个文件已被本单位后来上传的文件取代，不参与排名（工作簿“处理异常”表逐一列出）。`);
    }
    if (run.failures.length > 0) {
      io.err(`${run.failures.length} 个文件未能评分：\n${failureLines(run.failures)}`);
      return EXIT.someFailed;
    }
    return EXIT.ok;
  } finally {
    connection.close();
  }
}

/** A year-wide export: one line per county (the workbook has every unit), then the size of the whole. */
function printYear(run: YearExportRun, io: Io): void {
  io.out(`${run.year}年度全年度排名：${run.counties.length} 个县（区），${run.results.length} 个单位参加排名。\n`);
  io.out(
    table(
      ['县（区）', '排名单位', '未能评分', '处理中'],
      run.counties.map((c) => [c.county, String(c.results), String(c.failures), String(c.pending)]),
      new Set([1, 2, 3]),
    ),
  );
  if (!run.workbook.feedbackSheets)
    io.out(`\n单位超过 ${FEEDBACK_SHEET_LIMIT} 个：工作簿未逐一生成反馈表，需要时请分县导出（fazhi export --year ${run.year} --county 县名）。`);
}
