import { PART_LABELS, type NormalizedReport } from '../../schemas/report.ts';
import { parseFiles } from '../../pipeline/batch.ts';
import { failureLines } from '../format.ts';
import { loadInputs } from '../inputs.ts';
import { loadRubricFile, rubricPathFor } from '../rubrics.ts';
import { EXIT, parse, stringOption, type Io } from '../usage.ts';

export const PARSE_HELP = `用法：fazhi parse <文件…> [--json] [--rubric FILE]

解析报告：识别格式和编码，清理文本，找出提纲、各法定部分、报告单位与年度、数字事实。

选项：
  --json          输出 NormalizedReport JSON（多个文件时为数组）
  --rubric FILE   用该细则的指标目录标注数字事实（默认 scoring-rules 中最新的细则）
  -h, --help      显示本帮助

退出码：0 成功；1 有文件无法解析（逐一列出原因）；2 用法错误。`;

function summary(report: NormalizedReport): string {
  const m = report.meta;
  const parts = [...new Set(report.sections.filter((s) => s.level > 0).map((s) => s.part))];
  const lines = [
    `${report.source.key}  [${report.source.format}${report.source.encoding ? ` ${report.source.encoding}` : ''}]`,
    `  单位：${m.township ?? '（未识别）'}  县：${m.county ?? '（未写明）'}  年度：${m.year ?? '（未识别）'}  文号：${m.docNumber ?? '—'}  签发人：${m.signer ?? '—'}`,
    `  标题：${m.title ?? '（无）'}`,
    `  法定部分：${parts.map((p) => PART_LABELS[p]).join('、') || '（未识别）'}`,
    `  提纲：`,
    ...report.sections.filter((s) => s.level > 0 && s.level <= 2).map((s) => `    ${'  '.repeat(s.level - 1)}${s.number}${s.level === 1 && s.number ? '、' : ''}${s.heading}  → ${PART_LABELS[s.part]}`),
    `  数字事实 ${report.facts.length} 个，其中识别出指标的 ${report.facts.filter((f) => f.metric).length} 个`,
    ...report.warnings.map((w) => `  ⚠ ${w.message}`),
  ];
  return lines.join('\n');
}

export async function parseCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, rubric: { type: 'string' } }, 'parse');
  if (values.help) {
    io.out(PARSE_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) {
    io.err(`缺少要解析的文件。\n\n${PARSE_HELP}`);
    return EXIT.usage;
  }
  const rubricPath = stringOption(values, 'rubric');
  const loaded = await loadRubricFile(rubricPath ?? (await rubricPathFor(null)));
  const inputs = await loadInputs(positionals);
  const { reports, failures } = await parseFiles(inputs.files, loaded);
  const allFailures = [...inputs.failures, ...failures];
  if (values.json) io.out(JSON.stringify(reports.length === 1 && positionals.length === 1 && allFailures.length === 0 ? reports[0] : reports, null, 2));
  else io.out(reports.map(summary).join('\n\n'));
  if (allFailures.length > 0) {
    io.err(`${allFailures.length} 个文件无法解析：\n${failureLines(allFailures)}`);
    return EXIT.someFailed;
  }
  return EXIT.ok;
}
