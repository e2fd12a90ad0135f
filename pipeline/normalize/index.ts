import type { ExtractedDocument } from '../../schemas/extracted.ts';
import {
  UNSPECIFIED_COUNTY,
  type NormalizedReport,
  type ReportMeta,
  type ReportScope,
  type ReportSource,
  type Section,
  type SubmissionInfo,
  type Warning,
} from '../../schemas/report.ts';
import type { Metric } from '../../schemas/rubric.ts';
import { DocumentRejectedError } from '../failure.ts';
import { hanCount } from '../text/fold.ts';
import { cleanBlocks } from './clean.ts';
import { compileMetrics, extractFacts } from './facts.ts';
import { readMeta, sameCounty } from './meta.ts';
import { buildOutline, type DraftSection, type OutlineLine } from './outline.ts';
import { assignParts, partFromContent } from './parts.ts';

/** Bumped whenever normalisation changes what it produces, so stored reports can be told apart and re-parsed. */
export const NORMALIZER_VERSION = '1.1.0';

/** A report has prose: fewer Han characters than this is a cover page, a form or a wrong file. */
export const MIN_REPORT_HAN_CHARS = 200;

export interface NormalizeOptions {
  /** The rubric's metric catalogue: facts whose context names a metric are tagged with its id. */
  metrics?: readonly Metric[];
  /**
   * Year and county from where the file was filed (S3 key, CLI flags, sidecar): the report's scope. What the text says
   * is checked against it; a disagreement is a `meta-mismatch` warning, never a new scope.
   */
  location?: { year?: number; county?: string };
  submission?: SubmissionInfo;
}

/**
 * A document without headings still has parts: group its paragraphs by what they say (存在…不足 → shortcomings,
 * 下一步…将 → plans, else measures) into untitled top-level sections.
 */
function splitUntitled(sections: DraftSection[]): DraftSection[] {
  const hasHeadings = sections.some((s) => s.level > 0);
  const preamble = sections[0];
  if (hasHeadings || !preamble || preamble.paragraphs.length < 2) return sections;
  const [intro, ...rest] = preamble.paragraphs;
  const out: DraftSection[] = [{ ...preamble, paragraphs: intro ? [intro] : [] }];
  let current: { part: string; section: DraftSection } | null = null;
  for (const paragraph of rest) {
    const part = partFromContent(paragraph.text);
    if (!current || (current.part !== part && part !== 'measures')) {
      const section: DraftSection = { level: 1, number: '', heading: '', headingSource: 'preamble', offset: paragraph.offset, parent: null, paragraphs: [] };
      out.push(section);
      current = { part, section };
    }
    current.section.paragraphs.push(paragraph);
  }
  return out;
}

export function normalizeReport(doc: ExtractedDocument, source: ReportSource, options: NormalizeOptions = {}): NormalizedReport {
  const lines = cleanBlocks(doc.blocks);
  const outline = buildOutline(lines);
  const drafts = splitUntitled(outline.sections);
  const bodyText = drafts.flatMap((s) => s.paragraphs.map((p) => p.text)).join('\n');
  if (hanCount(outline.text) < MIN_REPORT_HAN_CHARS || hanCount(bodyText) < MIN_REPORT_HAN_CHARS / 2) {
    throw new DocumentRejectedError(
      'no-report-content',
      `文件中几乎没有中文正文（约 ${hanCount(outline.text)} 个汉字），不像一份年度报告 — 请检查是否上传了正确的文件`,
      `The document has almost no Chinese prose (${hanCount(outline.text)} Han characters); it does not look like an annual report`,
    );
  }

  const opening = drafts.slice(0, 3).flatMap((s) => s.paragraphs.slice(0, 2).map((p: OutlineLine) => p.text));
  const body = drafts.flatMap((s) => s.paragraphs.map((p) => p.text));
  const location = options.location ?? {};
  const { meta, warnings: metaWarnings } = readMeta({
    titleBlock: outline.titleBlock.map((l) => l.text),
    opening,
    closing: [...body.slice(-3), ...outline.closing.map((l) => l.text)],
    body,
    ...(location.county ? { knownCounties: [location.county] } : {}),
  });
  const scope = scopeFrom(meta, location);
  const warnings: Warning[] = [...doc.warnings, ...metaWarnings, ...scopeWarnings(meta, location)];
  const fullName = completeUnitName(meta, scope);
  if (fullName) meta.township = fullName;

  const tags = assignParts(drafts, meta.year);
  // Untitled sections (documents with no headings at all) take their part from their content.
  drafts.forEach((draft, i) => {
    if (draft.headingSource === 'preamble' && draft.level === 1) {
      tags[i] = { part: partFromContent(draft.paragraphs[0]?.text ?? ''), partBasis: 'content' };
    }
  });
  const sections: Section[] = drafts.map((draft, i) => ({
    level: draft.level,
    number: draft.number,
    heading: draft.heading,
    headingSource: draft.headingSource,
    part: draft.level === 0 ? 'other' : (tags[i]?.part ?? 'other'),
    partBasis: draft.level === 0 ? 'none' : (tags[i]?.partBasis ?? 'none'),
    offset: draft.offset,
    paragraphs: draft.paragraphs.map((p) => ({
      text: p.text,
      offset: p.offset,
      ...(p.page !== undefined ? { page: p.page } : {}),
      ...(p.pageBreaks ? { pageBreaks: p.pageBreaks } : {}),
    })),
  }));

  const facts = extractFacts(
    sections.flatMap((section, index) => section.paragraphs.map((p) => ({ text: p.text, offset: p.offset, section: index }))),
    compileMetrics(options.metrics ?? []),
    meta.year,
  );

  return {
    id: source.sha256.slice(0, 16),
    source,
    meta,
    scope,
    submission: options.submission ?? {},
    text: outline.text,
    sections,
    facts,
    warnings,
    normalizerVersion: NORMALIZER_VERSION,
  };
}

/** The county·year a report was filed under: the location's, else one unspecified county and the year it reports on. */
function scopeFrom(meta: ReportMeta, location: { year?: number; county?: string }): ReportScope {
  return { county: location.county ?? UNSPECIFIED_COUNTY, year: location.year ?? meta.year };
}

/** The text checked against the scope: a county or year that differs is a warning for the assessor, nothing more. */
function scopeWarnings(meta: ReportMeta, location: { year?: number; county?: string }): Warning[] {
  const warnings: Warning[] = [];
  if (location.year !== undefined && meta.year !== null && meta.year !== location.year) {
    warnings.push({
      code: 'meta-mismatch:year',
      message: `报告写的是 ${meta.year} 年度，但报送在 ${location.year} 年度（按 ${location.year} 年度评分排名，请核实）`,
    });
  }
  if (location.county !== undefined && meta.county !== null && !sameCounty(meta.county, location.county)) {
    warnings.push({ code: 'meta-mismatch:county', message: `报告写的是“${meta.county}”，但报送在“${location.county}”（按“${location.county}”排名，请核实）` });
  }
  if (location.county === undefined) {
    warnings.push({
      code: 'scope-unspecified:county',
      message: `未指定所属县（上传位置、--county 或 fazhi.meta.json），与同批报告一起归入“${UNSPECIFIED_COUNTY}”排名`,
    });
  }
  return warnings;
}

/**
 * A department or county government by its full name: "县司法局" or a bare "城管局" in a report filed under 陵川县
 * becomes "陵川县司法局" / "陵川县城管局", so the same unit is the same name every year and in every report.
 */
function completeUnitName(meta: ReportMeta, scope: ReportScope): string | null {
  const name = meta.township;
  if (!name || (meta.unitKind !== 'department' && meta.unitKind !== 'county') || scope.county === UNSPECIFIED_COUNTY) return null;
  if (/^[县区旗]/u.test(name)) return `${scope.county}${name.slice(1)}`;
  if (!/^[\u4e00-\u9fff]{1,8}?[县区旗市]/u.test(name) || /^(城管|城市)/u.test(name)) return `${scope.county}${name}`;
  return null;
}
