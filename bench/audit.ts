import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Evidence, ScoreResult } from '../schemas/score.ts';
import { runScore } from '../cli/commands/score.ts';
import { ROOT, SEEDS } from './corpus.ts';

/**
 * The evidence audit: hand-checked judgements (test/golden/evidence/judgements.json) of whether an indicator should
 * be awarded for a report and which sentence should be cited first, against what the scorer does. A judgement is right
 * when the scorer awards (or deducts) exactly when the assessor would, citing first a sentence that contains one of
 * the identifying spans given. Reports are scored as `fazhi score` scores them (folders of samples and seeds, with
 * their sidecar files and the cross-report checks).
 */

export const JUDGEMENTS_PATH = join(ROOT, 'test/golden/evidence/judgements.json');

/** Longest identifying span of a seed sentence kept in the project: enough to find it, too little to copy a report. */
export const MAX_CITE_CHARS = 20;

export const Judgement = z
  .object({
    /** `seeds/<file>` (../shared/seeds, read at run time) or `samples/<path>`. */
    source: z.string().regex(/^(seeds|samples)\//u),
    /** An indicator id (dimensions or bonus) or a penalty id (P.…: "awarded" means deducted). */
    indicator: z.string().min(1),
    awarded: z.boolean(),
    /** Spans that identify the sentence to cite first (any one of them); absent when nothing should be cited. */
    cite: z.array(z.string().min(2).max(MAX_CITE_CHARS)).optional(),
    /** The false award or missed content this judgement pins down, named as in the issue. */
    case: z.string().optional(),
    why: z.string().min(4),
  })
  .strict()
  .refine((j) => !j.awarded || (j.cite?.length ?? 0) > 0, { message: 'an awarded judgement names the sentence to cite' });
export type Judgement = z.infer<typeof Judgement>;

export type Verdict = 'right' | 'false-award' | 'missed' | 'wrong-evidence';

export interface AuditRow {
  judgement: Judgement;
  verdict: Verdict;
  points: number;
  /** The first sentence the scorer cites (shortened), for the report. */
  cited: string;
}

export interface AuditResult {
  rows: AuditRow[];
  skipped: number;
  right: number;
  /** Of the points the scorer awarded among the judged ones: the share an assessor confirms, with the right sentence. */
  precision: number;
  /** Of the points an assessor would award: the share the scorer awarded, with the right sentence. */
  recall: number;
}

export function loadJudgements(path = JUDGEMENTS_PATH): Judgement[] {
  return z.array(Judgement).parse(JSON.parse(readFileSync(path, 'utf8')));
}

function outcomeOf(result: ScoreResult, id: string): { points: number; evidence: Evidence[] } | null {
  for (const d of result.dimensions) for (const i of d.indicators) if (i.id === id) return { points: i.score, evidence: i.evidence };
  for (const i of result.bonus.indicators) if (i.id === id) return { points: i.score, evidence: i.evidence };
  for (const p of result.penalties) if (p.id === id) return { points: p.points, evidence: p.evidence };
  return null;
}

export function judge(judgement: Judgement, result: ScoreResult): AuditRow {
  const outcome = outcomeOf(result, judgement.indicator);
  if (!outcome) throw new Error(`${judgement.source}: no indicator or penalty ${judgement.indicator}`);
  const first = outcome.evidence[0]?.text ?? '';
  const awarded = outcome.points > 0;
  const citesRight = (judgement.cite ?? []).some((span) => first.replace(/\s+/gu, '').includes(span.replace(/\s+/gu, '')));
  let verdict: Verdict;
  if (!judgement.awarded) verdict = awarded ? 'false-award' : 'right';
  else if (!awarded) verdict = 'missed';
  else verdict = citesRight ? 'right' : 'wrong-evidence';
  return { judgement, verdict, points: outcome.points, cited: first.length > 40 ? `${first.slice(0, 40)}…` : first };
}

export function summarise(rows: AuditRow[], skipped: number): AuditResult {
  const truePositive = rows.filter((r) => r.judgement.awarded && r.verdict === 'right').length;
  const awardedBySystem = rows.filter((r) => r.points > 0).length;
  const awardedByAssessor = rows.filter((r) => r.judgement.awarded).length;
  return {
    rows,
    skipped,
    right: rows.filter((r) => r.verdict === 'right').length,
    precision: awardedBySystem === 0 ? 1 : truePositive / awardedBySystem,
    recall: awardedByAssessor === 0 ? 1 : truePositive / awardedByAssessor,
  };
}

/** Scores the samples and (when present) the seeds as `fazhi score` does, and judges every judgement. */
export async function runAudit(judgements: Judgement[] = loadJudgements()): Promise<AuditResult> {
  const results = new Map<string, ScoreResult>();
  const samples = await runScore([join(ROOT, 'samples')], {});
  for (const r of samples.results) results.set(`samples/${r.source.replace(/^.*?samples\//u, '')}`, r);
  if (existsSync(SEEDS)) {
    const seeds = await runScore([SEEDS], {});
    for (const r of seeds.results) results.set(`seeds/${r.source.split('/').pop() ?? ''}`, r);
  }
  const rows: AuditRow[] = [];
  let skipped = 0;
  for (const judgement of judgements) {
    const result = results.get(judgement.source);
    if (!result) {
      if (judgement.source.startsWith('seeds/')) {
        skipped++;
        continue;
      }
      throw new Error(`${judgement.source}: not among the scored samples`);
    }
    rows.push(judge(judgement, result));
  }
  return summarise(rows, skipped);
}

export const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The audit as lines of text: the figures, then every judgement the scorer gets wrong. */
export function auditReport(audit: AuditResult): string {
  const lines = [
    `evidence audit: ${audit.rows.length} judgements${audit.skipped ? ` (${audit.skipped} on seeds skipped: ../shared/seeds absent)` : ''}; ` +
      `${audit.right} right (${percent(audit.right / Math.max(1, audit.rows.length))}); ` +
      `precision of awarded points ${percent(audit.precision)}, recall ${percent(audit.recall)}`,
  ];
  for (const row of audit.rows.filter((r) => r.verdict !== 'right')) {
    lines.push(`  ${row.verdict.padEnd(14)} ${row.judgement.source} ${row.judgement.indicator} (${row.points}): cited 「${row.cited}」 — ${row.judgement.why}`);
  }
  return lines.join('\n');
}
