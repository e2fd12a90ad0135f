import type { NormalizedReport } from '../../schemas/report.ts';
import { DocumentRejectedError } from '../failure.ts';
import type { ParseOutcome } from '../parse.ts';

/**
 * What scoring one report may cost, as extraction has its limits (pipeline/extract/limits.ts). Every bound is far above
 * a real township report (3k–50k characters, 5–60 sections, 20–300 figures), so only a hostile or broken text meets
 * them: it is refused with a reason before scoring starts (size), or stopped when scoring runs too long (time; the
 * edges run scoring where it can be stopped, see functions/shared/isolated.ts). The function timeouts of the deployed
 * stack are computed from these numbers (functions/shared/budgets.ts).
 */

/** Most characters of normalised text scored. Four times the longest real report; extraction allows 500,000. */
export const SCORE_MAX_TEXT_CHARS = 200_000;

/** Most sections (headings at any level). A long report has ~150; thousands are numbering gone wild. */
export const SCORE_MAX_SECTIONS = 3_000;

/** Most figures (facts) scored. A figure-rich report has ~400; tens of thousands are a table of digits. */
export const SCORE_MAX_FACTS = 10_000;

/**
 * Longest time scoring one report may take (ms). A real report scores in 2–20 ms (≈ 60 ms on a 512 MB Lambda's third
 * of a CPU); this is 25× the slowest of those, and short enough that a hostile text is stopped in under 2 s.
 */
export const SCORE_TIME_BUDGET_MS = 1_500;

export interface ScoreBudget {
  maxTextChars: number;
  maxSections: number;
  maxFacts: number;
  timeMs: number;
}

export const DEFAULT_SCORE_BUDGET: Readonly<ScoreBudget> = Object.freeze({
  maxTextChars: SCORE_MAX_TEXT_CHARS,
  maxSections: SCORE_MAX_SECTIONS,
  maxFacts: SCORE_MAX_FACTS,
  timeMs: SCORE_TIME_BUDGET_MS,
});

function overBudget(what: string, whatEn: string, count: number, limit: number): DocumentRejectedError {
  return new DocumentRejectedError(
    'text-too-long',
    `报告${what}过多（${count.toLocaleString('en-US')}，上限 ${limit.toLocaleString('en-US')}），超出任何一份年度报告的规模，无法评分 — 请检查是否误传了其他文件，或删去附表后重新上传`,
    `The report has ${count} ${whatEn}, over the scoring limit of ${limit}; no annual report is that large — check the file and upload the report alone`,
  );
}

/** Refuses a report too large to score (throws DocumentRejectedError `text-too-long`); cheap: counts only. */
export function checkScoreBudget(report: NormalizedReport, budget: ScoreBudget = DEFAULT_SCORE_BUDGET): void {
  if (report.text.length > budget.maxTextChars) throw overBudget('文字', 'characters', report.text.length, budget.maxTextChars);
  if (report.sections.length > budget.maxSections) throw overBudget('标题层级（章节）', 'sections', report.sections.length, budget.maxSections);
  if (report.facts.length > budget.maxFacts) throw overBudget('数字', 'figures', report.facts.length, budget.maxFacts);
}

/** A parsed file that is too large to score becomes a failure with the reason, like any other bad file. */
export function withinScoreBudget(outcome: ParseOutcome, budget: ScoreBudget = DEFAULT_SCORE_BUDGET): ParseOutcome {
  if (!outcome.ok) return outcome;
  try {
    checkScoreBudget(outcome.report, budget);
    return outcome;
  } catch (error) {
    if (error instanceof DocumentRejectedError) return { ok: false, failure: error.toFailure(outcome.report.source.key) };
    throw error;
  }
}

/** Scoring ran past its time budget and was stopped. */
export function rejectScoreTimeout(ms: number): DocumentRejectedError {
  return new DocumentRejectedError(
    'timeout',
    `评分超时（超过 ${ms / 1000} 秒，正常报告只需几十毫秒），文本结构异常 — 请检查文件内容后重新上传`,
    `Scoring took longer than ${ms} ms (a real report takes tens of ms); the text is abnormal — check the file and upload it again`,
  );
}
