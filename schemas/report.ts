import { z } from 'zod';
import { DocumentFormat, PageBreak } from './extracted.ts';
import { parseUploadKey } from './storage.ts';

/**
 * NormalizedReport: one report file after extraction and normalisation. Stable contract (DESIGN.md): the score stage,
 * the cross-report checks and every export read it; it is stored as `normalized/{reportId}.json`.
 */

/**
 * The statutory parts of a report (督察规定's items):
 * measures 主要举措和成效 · leadership 党政主要负责人履行第一责任人职责 · shortcomings 存在的不足和原因 ·
 * rectification 整改情况 · plans 下一年度安排 · other 其他.
 */
export const ReportPart = z.enum(['measures', 'leadership', 'shortcomings', 'rectification', 'plans', 'other']);
export type ReportPart = z.infer<typeof ReportPart>;

export const PART_LABELS: Record<ReportPart, string> = {
  measures: '主要举措和成效',
  leadership: '党政主要负责人履行第一责任人职责',
  shortcomings: '存在的不足和原因',
  rectification: '整改情况',
  plans: '下一年度安排',
  other: '其他',
};

/** township 乡/镇 · subdistrict 街道 · department 县直部门 (e.g. 司法局) · county 县/区政府. */
export const UnitKind = z.enum(['township', 'subdistrict', 'department', 'county']);
export type UnitKind = z.infer<typeof UnitKind>;

export const UNIT_KIND_LABELS: Record<UnitKind, string> = {
  township: '乡镇',
  subdistrict: '街道',
  department: '县直部门',
  county: '县（区）政府',
};

export const Warning = z.object({ code: z.string(), message: z.string() }).strict();
export type Warning = z.infer<typeof Warning>;

export const ReportMeta = z
  .object({
    title: z.string().nullable(),
    /** The issuing body as written, e.g. "中共均口镇委员会 均口镇人民政府". */
    issuer: z.string().nullable(),
    /**
     * The unit the report is about, by its full name (the field keeps its stable name for every kind of unit): a
     * township or subdistrict ("均口镇", "澜滨街道"), a county department ("陵川县教育局", never just "教育局") or a county
     * government ("临澜县人民政府"). Null when the text never says.
     */
    township: z.string().nullable(),
    /** The county the text names, only when it is a real county-level division (gazetteer) or the scope's own. */
    county: z.string().nullable(),
    /** The year reported on (not the year of filing), as the title, the opening or (with a warning) the body says. */
    year: z.number().int().min(2000).max(2100).nullable(),
    unitKind: UnitKind.nullable(),
    /** 文号, e.g. "沙政文〔2024〕17号". */
    docNumber: z.string().nullable().optional(),
    /** 签发人 (the official who signed the report off). */
    signer: z.string().nullable().optional(),
    /**
     * Where the unit's name was read: the title, the issuing lines above it (版头), the 落款 at the end, the opening
     * paragraph, or a quoted report title 《…》. A name from the title, issuer or 落款 is a document's own statement;
     * one from prose is weaker, and the cross-report checks only trust it when the gazetteer knows it.
     */
    unitSource: z.enum(['title', 'issuer', 'closing', 'opening', 'quoted']).nullable().optional(),
    /**
     * For a township or subdistrict whose name is unique in the country: the county the gazetteer places it in.
     * Evidence to show the assessor; never the scope.
     */
    countyHint: z.string().nullable().optional(),
    /** 成文日期, the date under the signature: "YYYY-MM-DD", or "YYYY-MM" when no day is written. Tells copy direction. */
    docDate: z
      .string()
      .regex(/^\d{4}-\d{2}(-\d{2})?$/)
      .nullable()
      .optional(),
  })
  .strict();
export type ReportMeta = z.infer<typeof ReportMeta>;

/** The county of a batch whose county nobody stated (no upload location, --county or fazhi.meta.json). */
export const UNSPECIFIED_COUNTY = '未指定县';

/**
 * Where a report belongs: the county·year it was filed under (the S3 key reports/{year}/{county}/…, or the CLI's
 * --county/--year and fazhi.meta.json). This, not what the text says, decides the ranking group and the scope of the
 * cross-report checks. `county` is UNSPECIFIED_COUNTY when nothing stated it (one scope for the whole batch, never
 * one per guess); `year` is the location's year, else the year the report says it reports on.
 */
export const ReportScope = z
  .object({
    county: z.string().min(1),
    year: z.number().int().min(2000).max(2100).nullable(),
  })
  .strict();
export type ReportScope = z.infer<typeof ReportScope>;

export const Paragraph = z
  .object({
    text: z.string(),
    /** Offset of the paragraph's first character in `NormalizedReport.text`. */
    offset: z.number().int().nonnegative(),
    /** PDF only: the page (1-based) the paragraph starts on. */
    page: z.number().int().positive().optional(),
    /** PDF only: later pages the paragraph runs onto (positions in non-space characters, see pipeline/text/pages.ts). */
    pageBreaks: z.array(PageBreak).optional(),
  })
  .strict();
export type Paragraph = z.infer<typeof Paragraph>;

export const Section = z
  .object({
    /** 0 for the preamble before the first heading, 1 for 一、 headings, 2 for （一）, 3 for 1., 4 for （1）. */
    level: z.number().int().min(0).max(6),
    /** The heading's own marker as written, e.g. "一", "（二）", "3", "一是"; empty for unnumbered sections. */
    number: z.string(),
    heading: z.string(),
    /** How the heading was recognised: a numbered marker, a Word/HTML/markdown heading, a bold run-in head… */
    headingSource: z.enum(['marker', 'style', 'run-in', 'preamble']),
    part: ReportPart,
    /** Why the part was chosen: the heading said so, the parent section did, or the content suggested it. */
    partBasis: z.enum(['heading', 'parent', 'content', 'position', 'none']),
    /** Offset of the heading text in `NormalizedReport.text` (for the preamble, of its first paragraph). */
    offset: z.number().int().nonnegative(),
    paragraphs: z.array(Paragraph),
  })
  .strict();
export type Section = z.infer<typeof Section>;

/** "exact" · "atLeast" for 余/多/以上/超过 · "about" for 约/近/左右 · "atMost" for 不到/不足 */
export const FactQualifier = z.enum(['exact', 'atLeast', 'about', 'atMost']);
export type FactQualifier = z.infer<typeof FactQualifier>;

/**
 * Whose figure it is, from the sentence it stands in: `unit` the reporting unit itself (我镇, 全镇, or no scope
 * named), `village` its villages or communities (各村, 每个村（社区）), `county` the county as a whole (全县, 县级), `higher`
 * the city, province or a higher body (全市, 上级). For a county government's own report, `county` is the unit.
 */
export const FactSubject = z.enum(['unit', 'village', 'county', 'higher']);
export type FactSubject = z.infer<typeof FactSubject>;

export const Fact = z
  .object({
    /** The metric id from the rubric's metric catalogue, when the phrase around the figure names one. */
    metric: z.string().nullable(),
    value: z.number(),
    /** The unit as written after the number ("件", "人次", "%", "万元"); "" when none. */
    unit: z.string(),
    qualifier: FactQualifier,
    /** The figure as written, e.g. "40余起", "两万余份", "98.3%", "百分之百". */
    text: z.string(),
    /** The words before the figure in the same clause, e.g. "调解成功率达"; what the metric was recognised from. */
    context: z.string(),
    /** Offset of `text` in `NormalizedReport.text`. */
    offset: z.number().int().nonnegative(),
    /** Index into `sections`. */
    section: z.number().int().nonnegative(),
    /** Whose figure it is (see FactSubject); absent in reports normalised before it was recorded. */
    subject: FactSubject.optional(),
    /** The year the sentence dates the figure to (2021年度…, 上年的…), when it names one. */
    year: z.number().int().optional(),
  })
  .strict();
export type Fact = z.infer<typeof Fact>;

export const ReportSource = z
  .object({
    /** The file path (CLI) or S3 key (pipeline) the bytes came from. */
    key: z.string(),
    format: DocumentFormat,
    encoding: z.string().optional(),
    bytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** S3 object version and event sequencer, when the report came through the pipeline. */
    versionId: z.string().optional(),
    sequencer: z.string().optional(),
  })
  .strict();
export type ReportSource = z.infer<typeof ReportSource>;

/** Facts about the submission that the text cannot tell: when it was filed and where it was published. */
export const SubmissionInfo = z
  .object({
    /**
     * ISO date the report reached the county, from a source the county trusts: the S3 receipt time of the upload (the
     * event time), or what the assessor states (a sidecar file, a CLI flag). On-time points are earned from this only.
     */
    submittedAt: z.string().optional(),
    /**
     * The date the uploader claims (S3 metadata `submitted-at`): shown to the assessor as a claim, flagged when it
     * disagrees with `submittedAt`, never used for points (a late unit could backdate it).
     */
    claimedSubmittedAt: z.string().optional(),
    /** Public URL where the report was published (政府网站), and the publication date. */
    publishedUrl: z.string().optional(),
    publishedAt: z.string().optional(),
    /** Findings the county records itself (e.g. "serious-inspection-finding" from a 督察); rubric vetoes can cap grades on them. */
    findings: z.array(z.string().regex(/^[a-z0-9-]+$/)).optional(),
  })
  .strict();
export type SubmissionInfo = z.infer<typeof SubmissionInfo>;

export const NormalizedReport = z
  .object({
    /** Stable identity: the first 16 hex digits of the source bytes' SHA-256 (same bytes, same id). */
    id: z.string().regex(/^[0-9a-f]{16}$/),
    source: ReportSource,
    /** What the report says about itself: evidence, checked against `scope` (a disagreement is a warning). */
    meta: ReportMeta,
    /** The county·year the report was filed under. Absent only in reports normalised before version 1.1.0. */
    scope: ReportScope.optional(),
    submission: SubmissionInfo.default({}),
    /** The cleaned text: paragraphs joined by "\n". Evidence offsets point into it. Original characters are kept. */
    text: z.string(),
    sections: z.array(Section),
    facts: z.array(Fact),
    warnings: z.array(Warning),
    /** Version of the normaliser that produced this, so stored reports can be re-parsed when it changes. */
    normalizerVersion: z.string(),
  })
  .strict();
export type NormalizedReport = z.infer<typeof NormalizedReport>;

/**
 * A report's scope. One normalised before scopes existed (version 1.0.x) takes it from its upload key
 * (reports/{year}/{county}/…) when it came through the pipeline, else from what its text said.
 */
export function scopeOf(report: { scope?: ReportScope | undefined; meta: Pick<ReportMeta, 'county' | 'year'>; source?: { key: string } }): ReportScope {
  if (report.scope) return report.scope;
  const filed = report.source ? parseUploadKey(report.source.key) : null;
  if (filed) return { county: filed.county, year: filed.year };
  return { county: report.meta.county ?? UNSPECIFIED_COUNTY, year: report.meta.year };
}
