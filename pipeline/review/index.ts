import type { Failure } from '../../schemas/failure.ts';
import type { FinalResult, NotRanked, ReviewChange, ReviewRefusal, WorkbookProvenance } from '../../schemas/review.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { bundledRubricById } from '../score/bundled-rubrics.ts';
import type { LoadedRubric } from '../score/rubric.ts';
import type { WorkbookInput } from '../workbook/index.ts';
import { applyReview, type ApplyMeta } from './apply.ts';
import { collectRequests } from './collect.ts';
import { readReviewedWorkbook, UnusableWorkbookError } from './read.ts';

/**
 * The review, pure: a reviewed workbook (bytes) → the machine results it carries, the assessor's requests checked row
 * by row, and — only when no row is refused — the final results and the change log. Nothing is half-applied: one
 * refused row and the outcome has refusals and no final results. The CLI and the review Lambda both run this.
 */

export { UnusableWorkbookError } from './read.ts';
export { reviewState, type ReviewState, type StaleChange } from './state.ts';

export interface ReviewOutcome {
  provenance: WorkbookProvenance;
  /** The machine results the workbook carries (as ranked when it was made). */
  machine: ScoreResult[];
  failures: Failure[];
  /** The uploads the ranking left out when the workbook was made (WorkbookInput.notRanked), for the final workbook. */
  notRanked: NotRanked[];
  /** The rubric of the workbook (its first), for the final workbook. */
  rubric: LoadedRubric;
  /** Final rank order; empty when anything was refused. */
  results: FinalResult[];
  changes: ReviewChange[];
  refusals: ReviewRefusal[];
}

function rubricsFor(carried: readonly LoadedRubric[], provenance: WorkbookProvenance, results: readonly ScoreResult[]): LoadedRubric[] {
  const rubrics = [...carried];
  for (const result of results) {
    if (rubrics.some((r) => r.sha256 === result.rubric.sha256)) continue;
    const bundled = bundledRubricById(result.rubric.id, result.rubric.version);
    if (!bundled || bundled.sha256 !== result.rubric.sha256) {
      throw new UnusableWorkbookError(`工作簿中的评分用了评分细则 ${result.rubric.id} ${result.rubric.version}，本系统没有这一版本，无法重新排名。`);
    }
    rubrics.push(bundled);
  }
  if (rubrics.length === 0) throw new UnusableWorkbookError(`工作簿没有携带评分细则（来源：${provenance.scope.label}）。`);
  return rubrics;
}

export async function reviewWorkbook(bytes: Uint8Array, meta: ApplyMeta): Promise<ReviewOutcome> {
  const workbook = await readReviewedWorkbook(bytes);
  const rubrics = rubricsFor(workbook.rubrics, workbook.provenance, workbook.results);
  const { requests, refusals } = collectRequests(workbook);
  const base = { provenance: workbook.provenance, machine: workbook.results, failures: workbook.failures, notRanked: workbook.notRanked, rubric: rubrics[0]! };
  if (refusals.length > 0) return { ...base, results: [], changes: [], refusals };
  const applied = applyReview(workbook.results, rubrics, requests, meta);
  if (applied.refusals.length > 0) return { ...base, results: [], changes: [], refusals: applied.refusals };
  return { ...base, results: applied.results, changes: applied.changes, refusals: [] };
}

/** The final workbook: the same machine results and provenance scope, with the review shown beside them. */
export function finalWorkbookInput(outcome: ReviewOutcome, meta: ApplyMeta): WorkbookInput {
  const scope = outcome.provenance.scope;
  return {
    results: outcome.machine,
    failures: outcome.failures,
    notRanked: outcome.notRanked,
    rubric: outcome.rubric,
    scope: scope.label,
    scopeKey: { county: scope.county, year: scope.year },
    generatedAt: meta.at,
    review: { results: outcome.results, changes: outcome.changes, workbook: meta.workbook },
  };
}
