import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Rubric, type Indicator, type Penalty } from '../../schemas/rubric.ts';
import { PART_LABELS } from '../../schemas/report.ts';
import { canonicalJson, RubricError, type LoadedRubric } from '../../pipeline/score/rubric.ts';
import { scoreAndRank, parseFiles } from '../../pipeline/batch.ts';
import { failureLines } from '../format.ts';
import { loadInputs } from '../inputs.ts';
import { loadRubricFile, rubricPathFor, RUBRICS_DIR } from '../rubrics.ts';
import { EXIT, parse, stringOption, UsageError, type Io } from '../usage.ts';

export const RUBRIC_HELP = `用法：fazhi rubric <子命令> …

  check <文件…>                    检查评分细则：格式、取值、权重之和、指标引用；错误注明 JSON 路径
  schema [--out FILE]              生成 scoring-rules/rubric.schema.json（编辑器据此补全和校验）
  diff <旧文件> <新文件>           列出两版细则的差异：权重、指标、分值、阈值
  explain --rubric FILE <报告>     逐项说明这份报告为什么得这个分

退出码：0 成功；1 细则有误（check）或报告无法解析（explain）；2 用法错误。`;

export function rubricJsonSchema(): unknown {
  const schema = z.toJSONSchema(Rubric, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $id: 'https://fazhi-score.local/rubric.schema.json',
    title: '法治政府建设年度报告评分细则 (Fazhi Score rubric)',
    description: '由 `fazhi rubric schema` 从 schemas/rubric.ts 生成，请勿手工修改。Generated from schemas/rubric.ts; do not edit.',
    ...schema,
  };
}

async function check(files: readonly string[], io: Io): Promise<number> {
  if (files.length === 0) throw new UsageError('缺少要检查的细则文件：fazhi rubric check scoring-rules/2024.json');
  let bad = 0;
  for (const file of files) {
    try {
      const loaded = await loadRubricFile(file);
      const r = loaded.rubric;
      const indicators = r.dimensions.reduce((n, d) => n + d.indicators.length, 0);
      const unverified = r.dimensions.flatMap((d) => d.indicators).filter((i) => i.source.verified === 'U').length;
      io.out(
        `✓ ${file}：${r.id} 版本 ${r.version}，${r.dimensions.length} 个维度、${indicators} 个指标（${unverified} 个依据未核对原文，已在 notes 中说明）、${r.penalties.length} 个扣分项；SHA-256 ${loaded.sha256.slice(0, 12)}…`,
      );
    } catch (error) {
      if (!(error instanceof RubricError)) throw error;
      bad++;
      io.err(`✗ ${file}：有 ${error.problems.length} 处问题\n${error.problems.map((p) => `    ${p}`).join('\n')}`);
    }
  }
  return bad > 0 ? EXIT.someFailed : EXIT.ok;
}

const fmtRule = (value: unknown): string => canonicalJson(value);

function indicatorIndex(r: LoadedRubric['rubric']): Map<string, { dimension: string; indicator: Indicator }> {
  const map = new Map<string, { dimension: string; indicator: Indicator }>();
  for (const d of r.dimensions) for (const i of d.indicators) map.set(i.id, { dimension: d.id, indicator: i });
  for (const i of r.bonus.indicators) map.set(i.id, { dimension: '加分项', indicator: i });
  return map;
}

export function diffRubrics(a: LoadedRubric, b: LoadedRubric): string[] {
  const lines: string[] = [];
  const [ra, rb] = [a.rubric, b.rubric];
  lines.push(`${ra.id} ${ra.version} → ${rb.id} ${rb.version}`);
  const dims = new Map(ra.dimensions.map((d) => [d.id, d]));
  for (const d of rb.dimensions) {
    const old = dims.get(d.id);
    if (!old) lines.push(`+ 维度 ${d.id} ${d.name}（${d.max} 分）`);
    else if (old.max !== d.max) lines.push(`~ 维度 ${d.id} ${d.name} 权重 ${old.max} → ${d.max}`);
    dims.delete(d.id);
  }
  for (const d of dims.values()) lines.push(`- 维度 ${d.id} ${d.name}（${d.max} 分）`);
  const ia = indicatorIndex(ra);
  const ib = indicatorIndex(rb);
  for (const [id, { dimension, indicator }] of ib) {
    const old = ia.get(id);
    if (!old) {
      lines.push(`+ 指标 ${id} ${indicator.name}（${dimension}，${indicator.max} 分${indicator.enabled ? '' : '，未启用'}）`);
      continue;
    }
    const changes: string[] = [];
    if (old.dimension !== dimension) changes.push(`维度 ${old.dimension} → ${dimension}`);
    if (old.indicator.max !== indicator.max) changes.push(`分值 ${old.indicator.max} → ${indicator.max}`);
    if (old.indicator.enabled !== indicator.enabled) changes.push(indicator.enabled ? '启用' : '停用');
    if (old.indicator.name !== indicator.name) changes.push(`名称“${old.indicator.name}”→“${indicator.name}”`);
    if (fmtRule(old.indicator.rule) !== fmtRule(indicator.rule)) {
      const ruleA = old.indicator.rule as Record<string, unknown>;
      const ruleB = indicator.rule as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(ruleA), ...Object.keys(ruleB)])].sort();
      for (const key of keys) if (fmtRule(ruleA[key]) !== fmtRule(ruleB[key])) changes.push(`规则.${key}：${fmtRule(ruleA[key])} → ${fmtRule(ruleB[key])}`);
    }
    if (changes.length > 0) lines.push(`~ 指标 ${id} ${indicator.name}：${changes.join('；')}`);
  }
  for (const [id, { dimension, indicator }] of ia) if (!ib.has(id)) lines.push(`- 指标 ${id} ${indicator.name}（${dimension}，${indicator.max} 分）`);
  const pa = new Map<string, Penalty>(ra.penalties.map((p) => [p.id, p]));
  for (const p of rb.penalties) {
    const old = pa.get(p.id);
    if (!old) lines.push(`+ 扣分项 ${p.id} ${p.name}（最多 ${p.max} 分）`);
    else if (fmtRule(old) !== fmtRule(p))
      lines.push(
        `~ 扣分项 ${p.id} ${p.name}：${old.max !== p.max ? `最多 ${old.max} → ${p.max}；` : ''}${fmtRule(old.rule) !== fmtRule(p.rule) ? `规则 ${fmtRule(old.rule)} → ${fmtRule(p.rule)}` : ''}`,
      );
    pa.delete(p.id);
  }
  for (const p of pa.values()) lines.push(`- 扣分项 ${p.id} ${p.name}`);
  if (fmtRule(ra.grading) !== fmtRule(rb.grading)) lines.push(`~ 等次：${fmtRule(ra.grading)} → ${fmtRule(rb.grading)}`);
  if (ra.bonus.max !== rb.bonus.max) lines.push(`~ 加分封顶 ${ra.bonus.max} → ${rb.bonus.max}`);
  for (const key of ['veto', 'similarity', 'consistency', 'antiGaming', 'partFallbacks', 'ranking', 'metrics'] as const) {
    if (fmtRule(ra[key]) !== fmtRule(rb[key])) lines.push(`~ ${key} 有变化`);
  }
  if (lines.length === 1) lines.push('（两版内容相同）');
  return lines;
}

async function explain(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { rubric: { type: 'string' } }, 'rubric explain');
  if (values.help || positionals.length !== 1) {
    if (!values.help) throw new UsageError('用法：fazhi rubric explain --rubric FILE <报告>');
    io.out(RUBRIC_HELP);
    return EXIT.ok;
  }
  const rubricPath = stringOption(values, 'rubric') ?? (await rubricPathFor(null));
  const loaded = await loadRubricFile(rubricPath);
  const inputs = await loadInputs(positionals);
  const { reports, failures } = await parseFiles(inputs.files, loaded);
  const allFailures = [...inputs.failures, ...failures];
  if (allFailures.length > 0 || reports.length === 0) {
    io.err(`无法解析：\n${failureLines(allFailures)}`);
    return EXIT.someFailed;
  }
  const [result] = scoreAndRank(reports, loaded);
  const report = reports[0]!;
  if (!result) return EXIT.someFailed;
  io.out(`${report.source.key}：${result.township ?? '（未识别单位）'} ${result.year ?? ''}年度，按 ${loaded.rubric.id} ${loaded.rubric.version} 评分`);
  io.out(`总分 ${result.total} / ${result.max}，等次“${result.grade}”（单独评分，未与同县其他报告比对）\n`);
  for (const d of result.dimensions) {
    io.out(`${d.id} ${d.name}：${d.score} / ${d.max}`);
    for (const i of d.indicators) {
      io.out(`  ${i.score > 0 ? '✓' : '·'} ${i.id} ${i.name}  ${i.score}/${i.max}  —— ${i.note}`);
      for (const e of i.evidence.slice(0, 2))
        io.out(`      「${e.text.length > 70 ? `${e.text.slice(0, 70)}…` : e.text}」（${e.page ? `第 ${e.page} 页 ` : ''}${e.location ?? e.section}）`);
    }
  }
  if (result.bonus.score > 0)
    io.out(
      `加分：${result.bonus.score} / ${result.bonus.max}（${result.bonus.indicators
        .filter((i) => i.score > 0)
        .map((i) => i.name)
        .join('、')}）`,
    );
  const deducted = result.penalties.filter((p) => p.points > 0);
  io.out(deducted.length === 0 ? '扣分：无' : `扣分：\n${deducted.map((p) => `  − ${p.points} ${p.name}：${p.note}`).join('\n')}`);
  if (result.flags.length > 0)
    io.out(`问题标记：\n${result.flags.map((f) => `  [${f.code}${f.part ? `:${PART_LABELS[f.part]}` : ''}] ${f.message}`).join('\n')}`);
  return EXIT.ok;
}

export async function rubricCommand(args: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'check': {
      const { values, positionals } = parse(rest, {}, 'rubric check');
      if (values.help) {
        io.out(RUBRIC_HELP);
        return EXIT.ok;
      }
      return check(positionals, io);
    }
    case 'schema': {
      const { values } = parse(rest, { out: { type: 'string' } }, 'rubric schema');
      if (values.help) {
        io.out(RUBRIC_HELP);
        return EXIT.ok;
      }
      const out = stringOption(values, 'out') ?? join(RUBRICS_DIR, 'rubric.schema.json');
      await writeFile(out, `${JSON.stringify(rubricJsonSchema(), null, 2)}\n`);
      io.out(`已写入 ${out}`);
      return EXIT.ok;
    }
    case 'diff': {
      const { values, positionals } = parse(rest, {}, 'rubric diff');
      if (values.help) {
        io.out(RUBRIC_HELP);
        return EXIT.ok;
      }
      if (positionals.length !== 2) throw new UsageError('用法：fazhi rubric diff <旧文件> <新文件>');
      const [a, b] = await Promise.all(positionals.map(loadRubricFile));
      io.out(diffRubrics(a!, b!).join('\n'));
      return EXIT.ok;
    }
    case 'explain':
      return explain(rest, io);
    case undefined:
    case '-h':
    case '--help':
      io.out(RUBRIC_HELP);
      return sub === undefined ? EXIT.usage : EXIT.ok;
    default:
      throw new UsageError(`未知的子命令“${sub}”。\n\n${RUBRIC_HELP}`);
  }
}
