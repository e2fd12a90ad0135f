import { z } from 'zod';
import { Failure } from './failure.ts';
import { ReportPart, UnitKind, Warning } from './report.ts';

/**
 * ScoreResult: one report scored against one rubric version. Stable contract (DESIGN.md): `fazhi score --json`
 * prints these in rank order, DynamoDB stores them keyed by rubric version, and the workbook is built from them.
 */

export const Evidence = z
  .object({
    /** The sentence that earned the point, as written in the report. */
    text: z.string(),
    /** Offset of `text` in the NormalizedReport's `text`. */
    offset: z.number().int().nonnegative(),
    /** The section it sits in, as its heading reads, e.g. "（三）完善和严格落实行政决策制度". */
    section: z.string(),
    part: ReportPart.optional(),
    /**
     * Where a person finds it in Word or on paper: part, heading and paragraph, e.g. "二、（三）第2段". Offsets are for
     * machines; this is what the workbook prints.
     */
    location: z.string().optional(),
    /** The PDF page (1-based) the sentence starts on, for PDF uploads. */
    page: z.number().int().positive().optional(),
  })
  .strict();
export type Evidence = z.infer<typeof Evidence>;

export const IndicatorScore = z
  .object({
    id: z.string(),
    name: z.string(),
    score: z.number(),
    max: z.number(),
    /** Why these points, in Chinese, e.g. "命中 3 个不同句子 × 0.5 分，封顶 1.5 分". */
    note: z.string(),
    evidence: z.array(Evidence),
    /**
     * Set when the cross-report checks scored it again without the paragraphs this report copied (copied text earns
     * nothing): the points it had with them. The ranking sheet states what copying cost beside the copy deduction.
     */
    pointsWithCopied: z.number().optional(),
  })
  .strict();
export type IndicatorScore = z.infer<typeof IndicatorScore>;

export const DimensionScore = z
  .object({
    id: z.string(),
    name: z.string(),
    score: z.number(),
    max: z.number(),
    indicators: z.array(IndicatorScore),
  })
  .strict();
export type DimensionScore = z.infer<typeof DimensionScore>;

export const PenaltyScore = z
  .object({
    id: z.string(),
    name: z.string(),
    /** Points deducted, as a positive number (0 when the penalty did not apply). */
    points: z.number().min(0),
    max: z.number(),
    note: z.string(),
    evidence: z.array(Evidence),
  })
  .strict();
export type PenaltyScore = z.infer<typeof PenaltyScore>;

export const FlagCode = z.enum([
  'missing-part',
  'inconsistent-figures',
  'similar-to',
  'late',
  'no-figures',
  'boilerplate',
  'template-leftover',
  'wrong-year',
  'perfunctory',
  'keyword-stuffing',
  'meta-missing',
  'meta-mismatch',
  'duplicate-township',
  'veto',
]);
export type FlagCode = z.infer<typeof FlagCode>;

export const Flag = z
  .object({
    code: FlagCode,
    severity: z.enum(['info', 'warning', 'error']),
    message: z.string(),
    part: ReportPart.optional(),
    /** For `similar-to`: the other report's source. */
    other: z.string().optional(),
    /** For `similar-to`: 0–1. */
    similarity: z.number().min(0).max(1).optional(),
    /**
     * For `similar-to`: which side of the copy this report seems to be. `copier` when it carries the other unit's name
     * (or is this year's copy of last year's report), `source` when the other report carries this one's name,
     * `unknown` otherwise. The copy penalty applies to copiers and unknowns, not to sources.
     */
    role: z.enum(['copier', 'source', 'unknown']).optional(),
    /**
     * For `similar-to` between reports of one scope, when three or more reports are linked by copying (directly or
     * through each other): the copy cluster this report belongs to (`id`, e.g. "临澜县·2024·雷同组1", the same on every
     * member's flags) and how many reports it has. A report lists only its strongest few matches, so `size` is where
     * the assessor sees how far a copied text went. Absent for a copied pair alone and for last year's report.
     */
    cluster: z
      .object({ id: z.string().min(1), size: z.number().int().min(3) })
      .strict()
      .optional(),
    evidence: z.array(Evidence).optional(),
  })
  .strict();
export type Flag = z.infer<typeof Flag>;

/**
 * Something the machine will not decide alone and leaves to the assessor (the workbook's 复核 sheet has a 确认/撤销
 * cell per item): a copy deduction whose direction could not be told (proposed, NOT applied to `total` until
 * confirmed), or an award the scorer is unsure of (applied, withdrawn when the assessor says 撤销).
 */
export const PendingDecision = z
  .object({
    /** Stable within one result (e.g. "copy:reports/2024/临澜县/桃源镇.txt"), so a reviewed workbook can refer to it. */
    id: z.string().min(1),
    kind: z.enum(['copy-deduction', 'low-confidence-award']),
    /** copy-deduction: points confirming would deduct; low-confidence-award: points withdrawing would remove. */
    points: z.number().min(0),
    /** The penalty or indicator id it concerns. */
    target: z.string(),
    /** In Chinese, for the assessor: what is proposed and why the machine did not decide. */
    message: z.string(),
    /** For a copy: the other report's source. */
    other: z.string().optional(),
    evidence: z.array(Evidence).optional(),
    /**
     * For a copy deduction: the indicators whose points rest on the paragraphs this report would have copied, and the
     * score each falls to when the assessor confirms (copied text is not evidence of this unit's work). `points` is
     * the copy penalty plus what these indicators lose.
     */
    voided: z.array(z.object({ indicator: z.string(), to: z.number().min(0) }).strict()).optional(),
  })
  .strict();
export type PendingDecision = z.infer<typeof PendingDecision>;

export const ScoreResult = z
  .object({
    reportId: z.string(),
    source: z.string(),
    township: z.string().nullable(),
    county: z.string().nullable(),
    year: z.number().int().nullable(),
    unitKind: UnitKind.nullable(),
    rubric: z.object({ id: z.string(), version: z.string(), sha256: z.string() }).strict(),
    total: z.number(),
    max: z.number(),
    grade: z.string(),
    /** Rank within county · year · ranking group; null until ranked. */
    rank: z.number().int().positive().nullable(),
    /** How the rank was decided when the total tied, in Chinese. */
    rankNote: z.string().optional(),
    /**
     * The ranking group: townships and subdistricts together, departments apart, county governments apart, and units
     * whose kind could not be told apart again (never ranked among townships by default).
     */
    rankGroup: z.enum(['township', 'department', 'county', 'other']),
    dimensions: z.array(DimensionScore),
    penalties: z.array(PenaltyScore),
    bonus: z.object({ score: z.number(), max: z.number(), indicators: z.array(IndicatorScore) }).strict(),
    flags: z.array(Flag),
    /** Last year's plans of this unit against this year's measures (set by the cross-report checks). */
    followThrough: z
      .object({
        previousSource: z.string(),
        planned: z.number().int().nonnegative(),
        done: z.number().int().nonnegative(),
        items: z.array(
          z
            .object({
              plan: z.string(),
              status: z.enum(['done', 'partial', 'not-done', 'not-mentioned', 'unverifiable']),
              evidence: Evidence.optional(),
            })
            .strict(),
        ),
      })
      .strict()
      .optional(),
    /** Decisions left to the assessor (see PendingDecision); absent when there are none. */
    pending: z.array(PendingDecision).optional(),
    /** An upper bound on the total set by a penalty (e.g. two statutory parts missing → at most 59, 不合格). */
    totalCap: z.number().optional(),
    stats: z
      .object({
        chars: z.number().int(),
        figures: z.number().int(),
        figuresPer1000: z.number(),
        boilerplatePer1000: z.number(),
      })
      .strict(),
    warnings: z.array(Warning),
  })
  .strict();
export type ScoreResult = z.infer<typeof ScoreResult>;

/** What `fazhi score --json` prints: every input file in exactly one of the two lists. */
export const ScoreRun = z
  .object({
    results: z.array(ScoreResult),
    failures: z.array(Failure),
  })
  .strict();
export type ScoreRun = z.infer<typeof ScoreRun>;
