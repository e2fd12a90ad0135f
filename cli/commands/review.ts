import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { FinalResult, ReviewOutput } from '../../schemas/review.ts';
import { rankGroupLabel } from '../../pipeline/rank/index.ts';
import { finalWorkbookInput, reviewWorkbook, UnusableWorkbookError } from '../../pipeline/review/index.ts';
import { changeLabel } from '../../pipeline/workbook/view.ts';
import { workbookBuffer } from '../../pipeline/workbook/index.ts';
import { table } from '../format.ts';
import { EXIT, parse, stringOption, UsageError, type Io } from '../usage.ts';

export const REVIEW_HELP = `用法：fazhi review <复核后的工作簿.xlsx> --out <定稿.xlsx> [--json]

读取评审人员填好的工作簿（“复核”表的调整分、调整理由、复核人、确认/撤销，以及“评分依据”表的调整后得分），
逐行检查，全部无误后重新计算总分、重新排名定等次，写出复核定稿：“排名”表并列显示机器得分、调整分和最终得分，
“复核记录”表列出每一项调整（单位、项目、原值、新值、理由、复核人、时间、来源工作簿）。机器得分始终保留，不被覆盖。
在本机运行，不需要任何服务器；Excel、WPS 或 LibreOffice 另存的工作簿都可以。

选项：
  --out FILE        复核定稿写到这里（必填）
  --json            输出 JSON：{ "results": [按最终名次排序，每项含 total（最终得分）和 machineTotal（机器得分）] }
  -h, --help        显示本帮助

退出码：0 已应用；1 有行不符合要求（逐行列出原因，什么也没有应用）；2 文件无法使用或用法错误。`;

function summary(results: readonly FinalResult[]): string {
  const rows = results.map((r) => [
    rankGroupLabel(r.rankGroup),
    String(r.rank ?? ''),
    r.township ?? '（未识别）',
    r.machineTotal.toFixed(2),
    r.adjustment === 0 ? '' : `${r.adjustment > 0 ? '+' : ''}${r.adjustment.toFixed(2)}`,
    r.total.toFixed(2),
    r.grade,
    r.machineGrade === r.grade && r.machineRank === r.rank ? '' : `原 ${r.machineRank ?? '—'} 名 ${r.machineGrade}`,
  ]);
  return table(['排名组', '名次', '单位', '机器得分', '调整分', '最终得分', '等次', '变化'], rows, new Set([1, 3, 4, 5]));
}

export async function reviewCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' }, json: { type: 'boolean' } }, 'review');
  if (values.help) {
    io.out(REVIEW_HELP);
    return EXIT.ok;
  }
  const [path, ...extra] = positionals;
  if (!path || extra.length > 0) throw new UsageError(`请给出一个复核后的工作簿。\n\n${REVIEW_HELP}`);
  const out = stringOption(values, 'out');
  if (!out) throw new UsageError('缺少 --out（复核定稿写到哪里）。运行 `fazhi review --help` 查看用法。');
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(`读不到文件 ${path}：${(error as NodeJS.ErrnoException).code === 'ENOENT' ? '文件不存在' : (error as Error).message}`);
  }
  const meta = { at: new Date().toISOString(), workbook: basename(path) };
  let outcome;
  try {
    outcome = await reviewWorkbook(bytes, meta);
  } catch (error) {
    if (error instanceof UnusableWorkbookError) {
      io.err(`${path}：${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
  if (outcome.refusals.length > 0) {
    io.err(
      `${path}：有 ${outcome.refusals.length} 处不符合要求，什么也没有应用。请改正后重新运行：\n${outcome.refusals.map((r) => `  ✗ ${r.message}`).join('\n')}`,
    );
    return EXIT.someFailed;
  }
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, await workbookBuffer(finalWorkbookInput(outcome, meta)));
  if (values.json) {
    const output: ReviewOutput = { results: outcome.results };
    io.out(JSON.stringify(output, null, 2));
    return EXIT.ok;
  }
  io.out(summary(outcome.results));
  const rubric = outcome.rubric.rubric;
  io.out(
    outcome.changes.length === 0
      ? '\n未作调整：最终得分即机器得分。'
      : `\n${outcome.changes.length} 项调整：\n${outcome.changes.map((c) => `  · ${c.unit} ${changeLabel(c.target, rubric)} ${c.from} → ${c.to}（${c.reason}；${c.reviewer}）`).join('\n')}`,
  );
  io.out(`复核定稿：${out}`);
  return EXIT.ok;
}
