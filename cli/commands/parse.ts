import { PART_LABELS, scopeOf, UNIT_KIND_LABELS, type NormalizedReport } from '../../schemas/report.ts';
import { parseFiles } from '../../pipeline/batch.ts';
import { failureLines } from '../format.ts';
import { loadInputs } from '../inputs.ts';
import { loadRubricFile, rubricPathFor } from '../rubrics.ts';
import { EXIT, intOption, parse, stringOption, type Io } from '../usage.ts';

export const PARSE_HELP = `用法：fazhi parse <文件…> [--json] [--rubric FILE] [--county NAME] [--year YEAR]

解析报告：识别格式和编码，清理文本，找出提纲、各法定部分、报告单位（名称、类别、从哪里读出）、所述年度、
成文日期、数字事实；并与排名范围（县·年度）核对。

选项：
  --json          输出 NormalizedReport JSON（多个文件时为数组）
  --rubric FILE   用该细则的指标目录标注数字事实（默认 scoring-rules 中最新的细则）
  --county NAME   报送所属县（排名范围），优先于 .meta.json；正文写的县名与之核对
  --year YEAR     报送所属年度，优先于 .meta.json
  -h, --help      显示本帮助

退出码：0 成功；1 有文件无法解析（逐一列出原因）；2 用法错误。`;

const UNIT_SOURCE_LABELS: Record<NonNullable<NormalizedReport['meta']['unitSource']>, string> = {
  title: '标题',
  issuer: '版头发文机关',
  closing: '落款',
  opening: '首段',
  quoted: '书名号内的报告标题',
};

function summary(report: NormalizedReport): string {
  const m = report.meta;
  const parts = [...new Set(report.sections.filter((s) => s.level > 0).map((s) => s.part))];
  const lines = [
    `${report.source.key}  [${report.source.format}${report.source.encoding ? ` ${report.source.encoding}` : ''}]`,
    `  单位：${m.township ?? '（未识别）'}（${m.unitKind ? UNIT_KIND_LABELS[m.unitKind] : '类别未识别'}${m.unitSource ? `，读自${UNIT_SOURCE_LABELS[m.unitSource]}` : ''}）  正文所写县：${m.county ?? '（未写明）'}${m.countyHint ? `（地名库：该乡镇名全国唯一，属${m.countyHint}）` : ''}  所述年度：${m.year ?? '（未识别）'}`,
    `  排名范围：${scopeOf(report).county} ${scopeOf(report).year ?? '（年度未知）'}年度  文号：${m.docNumber ?? '—'}  签发人：${m.signer ?? '—'}  成文日期：${m.docDate ?? '—'}`,
    `  标题：${m.title ?? '（无）'}`,
    `  法定部分：${parts.map((p) => PART_LABELS[p]).join('、') || '（未识别）'}`,
    `  提纲：`,
    ...report.sections
      .filter((s) => s.level > 0 && s.level <= 2)
      .map((s) => `    ${'  '.repeat(s.level - 1)}${s.number}${s.level === 1 && s.number ? '、' : ''}${s.heading}  → ${PART_LABELS[s.part]}`),
    `  数字事实 ${report.facts.length} 个，其中识别出指标的 ${report.facts.filter((f) => f.metric).length} 个`,
    ...report.warnings.map((w) => `  ⚠ ${w.message}`),
  ];
  return lines.join('\n');
}

export async function parseCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    { json: { type: 'boolean' }, rubric: { type: 'string' }, county: { type: 'string' }, year: { type: 'string' } },
    'parse',
  );
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
  const county = stringOption(values, 'county');
  const year = intOption(values, 'year');
  const inputs = await loadInputs(positionals, { ...(county ? { county } : {}), ...(year ? { year } : {}) });
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
