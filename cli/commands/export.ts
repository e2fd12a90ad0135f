import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NoUploadsError, runExport } from '../../functions/export/export.ts';
import { silentLogger } from '../../functions/shared/log.ts';
import { refOf } from '../../functions/shared/rubrics.ts';
import { failureLines, rankingTable } from '../format.ts';
import { againstTarget, connect, resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../pipeline-target.ts';
import { EXIT, intOption, parse, stringOption, UsageError, type Io } from '../usage.ts';
import { requiredYear, rubricOption, STATUS_LABELS } from './status.ts';

export const EXPORT_HELP = `用法：fazhi export --year YEAR --county NAME [--out FILE] [--rubric R] [连接选项]

为一个县·年度生成排名工作簿：读取已存的评分，做交叉比对（雷同、上年落实情况）并排名，写入
s3://<桶>/exports/{年度}/{县名}/ranking-{细则版本}.xlsx，再下载到本机。运行的是与导出 Lambda 相同的代码。

选项：
  --year YEAR       年度（必填）
  --county NAME     县名（必填）
  --rubric R        评分细则：年度（2024）、细则 id 或 id@版本（默认：该年度的细则）
  --out FILE        下载到这里（默认 out/<县名>-<年度>-ranking-<细则版本>.xlsx）
  --ttl SECONDS     显示的下载链接有效期（默认 900 秒）
  -h, --help        显示本帮助

${TARGET_HELP}

评审人员在工作簿的“复核”表中填写调整后，上传到 reviews/{年度}/{县名}/（流水线生成复核定稿
exports/{年度}/{县名}/final-{细则版本}.xlsx），或在本机运行 fazhi review。

退出码：0 成功；1 有文件处理失败（列在工作簿的“处理异常”表和下方）；2 用法或配置错误（含该县·年度没有任何上传）。`;

export const defaultWorkbookPath = (county: string, year: number, rubricVersion: string): string => join('out', `${county}-${year}-ranking-${rubricVersion}.xlsx`);

export async function exportCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...TARGET_OPTIONS, year: { type: 'string' }, county: { type: 'string' }, rubric: { type: 'string' }, out: { type: 'string' }, ttl: { type: 'string' } }, 'export');
  if (values.help) {
    io.out(EXPORT_HELP);
    return EXIT.ok;
  }
  const year = requiredYear(values, 'export');
  const county = stringOption(values, 'county');
  if (!county) throw new UsageError('缺少 --county（县名）。运行 `fazhi export --help` 查看用法。');
  const loaded = rubricOption(stringOption(values, 'rubric'), year);
  const ttl = intOption(values, 'ttl') ?? 900;
  const target = resolveTarget(values);
  const connection = connect(target);
  const out = stringOption(values, 'out') ?? defaultWorkbookPath(county, year, loaded.rubric.version);
  try {
    const run = await againstTarget(target, async () => {
      const exported = await runExport({ store: connection.store, records: connection.records, log: silentLogger, urlTtlSeconds: ttl }, { year, county, rubric: refOf(loaded) });
      const { bytes } = await connection.store.get(exported.key);
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, bytes);
      return exported;
    }).catch((error: unknown) => {
      // Nothing uploaded for this county·year: a typo in the county or the wrong year, said with what does exist.
      if (error instanceof NoUploadsError) throw new UsageError(error.message);
      throw error;
    });
    if (run.results.length > 0) io.out(rankingTable(run.results));
    else io.out(`${county} ${year}年度还没有用 ${loaded.rubric.id} ${loaded.rubric.version} 评分的报告。`);
    io.out(`\n评分细则：${run.rubric.rubric.id} ${run.rubric.rubric.version}`);
    io.out(`工作簿：${out}（s3://${target.bucket}/${run.key}）`);
    io.out(`下载链接（${ttl} 秒内有效）：${run.url}`);
    if (run.pending.length > 0) {
      const why = (status: string): string =>
        status === 'scored' ? `已评分，但没有用 ${run.rubric.rubric.id}@${run.rubric.rubric.version} 评分（可运行 fazhi rescore）` : `处理中：${STATUS_LABELS[status as keyof typeof STATUS_LABELS] ?? status}`;
      io.out(`\n${run.pending.length} 个文件不在排名中：\n${run.pending.map((p) => `  … ${p.source}（${why(p.status)}）`).join('\n')}`);
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
