import type { ReviewRoundItem } from '../../schemas/review.ts';
import { reviewState, type StaleChange } from '../../pipeline/review/index.ts';
import { bundledRubricById } from '../../pipeline/score/bundled-rubrics.ts';
import { beijingTime } from '../../pipeline/workbook/labels.ts';
import { changeLabel } from '../../pipeline/workbook/view.ts';
import { NoUploadsError, rankCountyYear } from '../../functions/export/export.ts';
import { roundInForce, type ReviewHistory } from '../../functions/shared/review-records.ts';
import type { Connection } from '../pipeline-target.ts';

/**
 * The review state of a county·year for `fazhi status`: the round in force (who, when, how many changes, where the
 * final workbook is), refused uploads since, and — against the machine results as they are now — the changes that
 * need another look because a re-score changed what they were decided against.
 */

export interface ReviewSummary {
  state: 'applied' | 'needs-another-look' | 'refused';
  rounds: number;
  inForce: { workbookKey: string; receivedAt: string; reviewers: string[]; changes: number; finalKey: string | null } | null;
  changes: { unit: string; target: string; from: number; to: number; reason: string; reviewer: string }[];
  needsAnotherLook: { unit: string; target: string; machine: number; now: number | null; why: string }[];
  lastRefused: { workbookKey: string; receivedAt: string; reasons: string[] } | null;
  /** Human lines, in Chinese. */
  lines: string[];
}

async function staleChanges(
  connection: Connection,
  year: number,
  county: string,
  round: ReviewRoundItem,
  changes: Parameters<typeof reviewState>[0],
): Promise<StaleChange[]> {
  if (changes.length === 0 || !round.rubric) return [];
  const loaded = bundledRubricById(round.rubric.id, round.rubric.version);
  if (!loaded) return [];
  try {
    const current = await rankCountyYear(connection, { year, county, rubric: { id: round.rubric.id, version: round.rubric.version } });
    return reviewState(changes, current.results);
  } catch (error) {
    if (error instanceof NoUploadsError) return reviewState(changes, []);
    throw error;
  }
}

export async function reviewSummary(connection: Connection, year: number, county: string, history: ReviewHistory): Promise<ReviewSummary | null> {
  if (history.rounds.length === 0) return null;
  const force = roundInForce(history);
  const refused = history.rounds.filter((r) => r.status === 'refused' && (!force || r.sk > force.round.sk)).at(-1) ?? null;
  const rubric = force?.round.rubric ? bundledRubricById(force.round.rubric.id, force.round.rubric.version)?.rubric : undefined;
  const label = (target: Parameters<typeof changeLabel>[0]): string => (rubric ? changeLabel(target, rubric) : target.kind);
  const stale = force ? await staleChanges(connection, year, county, force.round, force.changes) : [];
  const summary: ReviewSummary = {
    state: stale.length > 0 ? 'needs-another-look' : force ? 'applied' : 'refused',
    rounds: history.rounds.length,
    inForce: force
      ? {
          workbookKey: force.round.workbookKey,
          receivedAt: force.round.receivedAt,
          reviewers: force.round.reviewers,
          changes: force.round.changes,
          finalKey: force.round.finalKey ?? null,
        }
      : null,
    changes: (force?.changes ?? []).map((c) => ({ unit: c.unit, target: label(c.target), from: c.from, to: c.to, reason: c.reason, reviewer: c.reviewer })),
    needsAnotherLook: stale.map((s) => ({ unit: s.change.unit, target: label(s.change.target), machine: s.change.machine, now: s.now, why: s.why })),
    lastRefused: refused ? { workbookKey: refused.workbookKey, receivedAt: refused.receivedAt, reasons: refused.refusals.map((r) => r.message) } : null,
    lines: [],
  };
  const lines = summary.lines;
  if (force) {
    const r = force.round;
    lines.push(`复核：已生效（${beijingTime(r.receivedAt)} 上传的 ${r.workbookKey}；复核人 ${r.reviewers.join('、') || '—'}；${r.changes} 项调整）`);
    if (r.finalKey) lines.push(`  复核定稿：${r.finalKey}`);
    for (const c of summary.changes) lines.push(`  · ${c.unit} ${c.target} ${c.from} → ${c.to}（${c.reason}；${c.reviewer}）`);
    if (stale.length > 0) {
      lines.push(`需要重新复核 ${stale.length} 项（复核之后重新评分，机器的结论变了；复核记录保留，请重新导出工作簿后复核）：`);
      for (const s of summary.needsAnotherLook) lines.push(`  ! ${s.unit} ${s.target}：${s.why}`);
    }
  } else lines.push('复核：尚未生效（上传的复核工作簿都没有被应用）。');
  if (refused) {
    // Refused for what the workbook holds, or because the system could not finish it (then the reason says so).
    lines.push(`最近一次上传的复核工作簿（${beijingTime(refused.receivedAt)}，${refused.workbookKey}）没有被应用，其中的调整一项也没有生效，原因：`);
    for (const reason of summary.lastRefused!.reasons.slice(0, 20)) lines.push(`  ✗ ${reason}`);
  }
  lines.push(`共上传复核工作簿 ${history.rounds.length} 次；每一项调整都保留在复核记录中，机器得分不被覆盖。`);
  return summary;
}
