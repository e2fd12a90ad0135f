import { PART_LABELS } from '../schemas/report.ts';
import type { Failure } from '../schemas/failure.ts';
import type { Rubric } from '../schemas/rubric.ts';
import type { Flag, ScoreResult } from '../schemas/score.ts';
import { rankGroupLabel } from '../pipeline/rank/index.ts';
import { displayWidth, FLAG_LABELS, penaltyFlagCodes } from '../pipeline/workbook/index.ts';

/** Human output of the CLI: tables padded for Chinese characters (two columns wide in a terminal). */

export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const gap = Math.max(0, width - displayWidth(text));
  return align === 'left' ? text + ' '.repeat(gap) : ' '.repeat(gap) + text;
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => pad(c, widths[i] ?? 0, right.has(i) ? 'right' : 'left'))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A copy flag says which side the report is on: only the copier pays, an undecided copy waits for the assessor. */
const COPY_ROLE_LABELS: Record<NonNullable<Flag['role']>, string> = { copier: '照搬他人报告', unknown: '雷同待核实', source: '被照搬（不扣分）' };

function flagLabel(flag: Flag): string {
  if (flag.code === 'missing-part' && flag.part) return `缺${PART_LABELS[flag.part]}`;
  if (flag.code === 'similar-to' && flag.role) return COPY_ROLE_LABELS[flag.role];
  return FLAG_LABELS[flag.code];
}

/** The rubric a result was scored with, when the caller has it (to tell which flags cost points). */
export type RubricOf = (result: ScoreResult) => Rubric | undefined;

export function flagText(result: ScoreResult, rubric?: Rubric): string {
  // Information-only flags (a county not named, …) stay out of the one-line summary, as in the workbook — unless they
  // cost points (套话 that cost 4 points is shown).
  const costly = new Set<Flag['code']>();
  for (const p of result.penalties) {
    const penalty = rubric?.penalties.find((x) => x.id === p.id);
    if (p.points > 0 && penalty) for (const code of penaltyFlagCodes(penalty)) costly.add(code);
  }
  const labels = result.flags.filter((f) => f.severity !== 'info' || costly.has(f.code)).map(flagLabel);
  if ((result.pending ?? []).length > 0) labels.push('待复核');
  return [...new Set(labels)].join('、');
}

export function rankingTable(results: readonly ScoreResult[], rubricOf: RubricOf = () => undefined): string {
  const blocks: string[] = [];
  let current = '';
  let rows: string[][] = [];
  const dimensionIds = results[0]?.dimensions.map((d) => d.id) ?? [];
  const flush = () => {
    if (rows.length === 0) return;
    blocks.push(`${current}\n${table(['名次', '单位', '总分', '等次', ...dimensionIds, '问题'], rows, new Set([0, 2]))}`);
    rows = [];
  };
  for (const r of results) {
    const heading = `${r.county ?? '（县未知）'} ${r.year ?? '（年度未知）'}年度 · ${rankGroupLabel(r.rankGroup)}`;
    if (heading !== current) {
      flush();
      current = heading;
    }
    rows.push([
      String(r.rank ?? ''),
      r.township ?? '（未识别）',
      r.total.toFixed(2),
      r.grade,
      ...r.dimensions.map((d) => String(d.score)),
      flagText(r, rubricOf(r)),
    ]);
  }
  flush();
  return blocks.join('\n\n');
}

/** The spread of totals and grades, so a county can see whether its bands suit its reports before relying on them. */
export function distribution(results: readonly ScoreResult[]): string {
  if (results.length === 0) return '';
  const totals = results.map((r) => r.total).sort((a, b) => a - b);
  const at = (q: number) => totals[Math.min(totals.length - 1, Math.floor(q * (totals.length - 1) + 0.5))] ?? 0;
  const mean = totals.reduce((s, x) => s + x, 0) / totals.length;
  const grades = new Map<string, number>();
  for (const r of results) grades.set(r.grade, (grades.get(r.grade) ?? 0) + 1);
  return [
    `分数分布：最低 ${at(0).toFixed(1)}，四分位 ${at(0.25).toFixed(1)} / ${at(0.5).toFixed(1)} / ${at(0.75).toFixed(1)}，最高 ${at(1).toFixed(1)}，平均 ${mean.toFixed(1)}（${results.length} 份）`,
    `等次分布：${[...grades.entries()].map(([g, n]) => `${g} ${n}`).join('，')}`,
  ].join('\n');
}

export function failureLines(failures: readonly Failure[]): string {
  return failures.map((f) => `  ✗ ${f.source}\n    ${f.message}${f.messageEn ? `\n    (${f.messageEn})` : ''}`).join('\n');
}
