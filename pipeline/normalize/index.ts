import type { ExtractedDocument } from '../../schemas/extracted.ts';
import type { NormalizedReport, ReportSource, Section, SubmissionInfo, Warning } from '../../schemas/report.ts';
import type { Metric } from '../../schemas/rubric.ts';
import { DocumentRejectedError } from '../failure.ts';
import { hanCount } from '../text/fold.ts';
import { cleanBlocks } from './clean.ts';
import { compileMetrics, extractFacts } from './facts.ts';
import { readMeta } from './meta.ts';
import { buildOutline, type DraftSection, type OutlineLine } from './outline.ts';
import { assignParts, partFromContent } from './parts.ts';

/** Bumped whenever normalisation changes what it produces, so stored reports can be told apart and re-parsed. */
export const NORMALIZER_VERSION = '1.1.0';

/** A report has prose: fewer Han characters than this is a cover page, a form or a wrong file. */
export const MIN_REPORT_HAN_CHARS = 200;

export interface NormalizeOptions {
  /** The rubric's metric catalogue: facts whose context names a metric are tagged with its id. */
  metrics?: readonly Metric[];
  /** Year and county from where the file was uploaded (S3 key or CLI flags); the text wins when it says otherwise. */
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
  const { meta, warnings: metaWarnings } = readMeta({
    titleBlock: outline.titleBlock.map((l) => l.text),
    opening,
  });
  const warnings: Warning[] = [...doc.warnings, ...metaWarnings];
  const location = options.location ?? {};
  if (location.year !== undefined) {
    if (meta.year === null) {
      meta.year = location.year;
      warnings.push({ code: 'meta-from-location:year', message: `报告未写明年度，按上传位置记为 ${location.year} 年` });
    } else if (meta.year !== location.year) {
      warnings.push({ code: 'meta-mismatch:year', message: `报告写的是 ${meta.year} 年，但上传在 ${location.year} 年目录下` });
    }
  }
  if (location.county !== undefined) {
    if (meta.county === null) {
      meta.county = location.county;
      warnings.push({ code: 'meta-from-location:county', message: `报告未写明所属县（区），按上传位置记为“${location.county}”` });
    } else if (meta.county !== location.county) {
      warnings.push({ code: 'meta-mismatch:county', message: `报告写的是“${meta.county}”，但上传在“${location.county}”目录下` });
    }
  }

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
    submission: options.submission ?? {},
    text: outline.text,
    sections,
    facts,
    warnings,
    normalizerVersion: NORMALIZER_VERSION,
  };
}
