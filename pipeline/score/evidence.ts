import type { NormalizedReport, Section } from '../../schemas/report.ts';
import type { Evidence } from '../../schemas/score.ts';
import { pageAt } from '../text/pages.ts';

/**
 * Where a cited sentence is, for people: the part and heading numbers and the paragraph, as a reader finds it in Word
 * or on paper ("二、（三）第2段"), and the PDF page. Offsets stay in the evidence for machines; no note or location
 * ever says "第 3265 字".
 */

export function sectionLabel(section: Section): string {
  if (section.level === 0) return '开头';
  if (!section.number) return section.heading || '（无标题部分）';
  const separator = /^[一二三四五六七八九十]+$/u.test(section.number) ? '、' : /^\d+$/u.test(section.number) ? '. ' : '';
  return `${section.number}${separator}${section.heading}`;
}

/** How a section's own number reads in a location: 一、 · （三） · 2. · （1） · 一是 · “heading” for unnumbered ones. */
function numberLabel(section: Section): string {
  const number = section.number;
  if (!number) {
    if (!section.heading) return '';
    const heading = section.heading.length > 12 ? `${section.heading.slice(0, 12)}…` : section.heading;
    return `“${heading}”`;
  }
  if (/^[一二三四五六七八九十]+$/u.test(number)) return `${number}、`;
  if (/^\d+$/u.test(number)) return `${number}.`;
  return number;
}

/** The path of each section from the top ("二、（三）"), built from the levels of the sections before it. */
export function sectionPaths(sections: readonly Section[]): string[] {
  const open: { level: number; label: string }[] = [];
  return sections.map((section) => {
    if (section.level === 0) return '开头';
    while (open.length > 0 && (open.at(-1)?.level ?? 0) >= section.level) open.pop();
    open.push({ level: section.level, label: numberLabel(section) });
    return open.map((o) => o.label).join('');
  });
}

export interface Locator {
  report: NormalizedReport;
  sectionLabels: readonly string[];
  sectionPaths: readonly string[];
  /** For sections without number or heading (reports with no headings at all): the document-wide index of their first paragraph. */
  firstParagraph: readonly number[];
}

export function locator(report: NormalizedReport): Locator {
  const firstParagraph: number[] = [];
  let count = 0;
  for (const section of report.sections) {
    firstParagraph.push(count);
    count += section.paragraphs.length;
  }
  return { report, sectionLabels: report.sections.map(sectionLabel), sectionPaths: sectionPaths(report.sections), firstParagraph };
}

/** "二、（三）第2段" for a sentence at `offset`; "二、（三）标题" for a heading; "全文第12段" when nothing is numbered. */
export function locationOf(loc: Locator, sectionIndex: number, offset: number): { location: string; page?: number } {
  const section = loc.report.sections[sectionIndex];
  if (!section) return { location: '' };
  const index = section.paragraphs.findIndex((p) => offset >= p.offset && offset < p.offset + Math.max(1, p.text.length));
  const path = loc.sectionPaths[sectionIndex] ?? '';
  if (index < 0) return { location: path ? `${path}标题` : '标题' };
  const paragraph = section.paragraphs[index]!;
  const page = paragraph.page !== undefined ? pageAt(paragraph.text, offset - paragraph.offset, paragraph.page, paragraph.pageBreaks) : undefined;
  const location = path ? `${path}第${index + 1}段` : `全文第${(loc.firstParagraph[sectionIndex] ?? 0) + index + 1}段`;
  return page !== undefined ? { location, page } : { location };
}

export function evidenceAt(loc: Locator, sentence: { text: string; offset: number; section: number }): Evidence {
  const { location, page } = locationOf(loc, sentence.section, sentence.offset);
  const evidence: Evidence = {
    text: sentence.text,
    offset: sentence.offset,
    section: loc.sectionLabels[sentence.section] ?? '',
    part: loc.report.sections[sentence.section]?.part,
  };
  if (location) evidence.location = location;
  if (page !== undefined) evidence.page = page;
  return evidence;
}

/**
 * Where a section's heading starts in the report text: at its line, a few characters in (after the marker). Searched
 * only near the section's offset: a heading shortened with "…" is not in the text, and searching the rest of the text
 * for it, section after section, is quadratic.
 */
export function headingAt(text: string, heading: string, sectionOffset: number): number {
  const at = text.slice(sectionOffset, sectionOffset + heading.length + HEADING_SEARCH_SLACK).indexOf(heading);
  return at >= 0 ? sectionOffset + at : -1;
}

/** How far past its section's offset a heading may start (a marker, spaces, bold markup). */
const HEADING_SEARCH_SLACK = 40;
