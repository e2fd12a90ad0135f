import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScoreResult } from '../../schemas/score.ts';
import type { NormalizedReport } from '../../schemas/report.ts';
import type { FormatFixture } from '../../scripts/make-format-fixtures.ts';
import { parseReport } from '../../pipeline/parse.ts';
import { scoreReport } from '../../pipeline/score/index.ts';
import { ROOT, rubric2024, SAMPLES_DIR } from '../helpers/reports.ts';
import { fictionalReports, renderFormats, seedReports, SOFFICE, type SourceReport } from './extract/helpers.ts';

/**
 * The same report as .txt (UTF-8, BOM, GB18030, UTF-16, Big5), .md, .html (UTF-8, GB18030, a page that marks its
 * title and opening paragraph class="title"), .docx (styles, faked headings, list numbering, 二号 headings, a
 * title-styled opening), .doc and .pdf (including PDFs whose 二号 headings wrap onto a second line and whose opening
 * paragraph is set as a title) gives the same unit, year, parts and total within 0.5 points, cites every sentence with
 * its location (and page, in a PDF), and is never flagged as keyword stuffing. Over the five seeds (when
 * ../shared is there), every sample (the Word ones from their text sources) and the fictional fixtures. .doc and .pdf
 * renderings need LibreOffice; without it they are skipped with a notice, and the committed LibreOffice fixtures in
 * test/fixtures/formats still cover both formats.
 */

/** How far a total may move with the file format: rounding of a few half-points at most, never a part or a figure. */
const MAX_TOTAL_SPREAD = 0.5;

interface Scored {
  fixture: FormatFixture;
  report: NormalizedReport;
  result: ScoreResult;
}

/** The samples as text: the .txt ones as they are, the Word ones from the sources they are generated from. */
function sampleReports(): SourceReport[] {
  const fromDir = (dir: string): SourceReport[] =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => ({ name: f.replace(/\.txt$/u, ''), text: readFileSync(join(dir, f), 'utf8') }));
  return [...fromDir(SAMPLES_DIR), ...fromDir(join(SAMPLES_DIR, '2023')), ...fromDir(join(ROOT, 'scripts/sample-sources'))];
}

const sources = [...fictionalReports(), ...sampleReports(), ...seedReports()];
const scored: Scored[] = [];

beforeAll(async () => {
  if (!SOFFICE) console.warn('[fazhi tests] soffice not found: .doc and .pdf renderings of the reports are skipped here (committed fixtures still test them).');
  const fixtures = await renderFormats(sources, 'formats-score');
  for (const fixture of fixtures) {
    const outcome = await parseReport({ key: fixture.file, bytes: readFileSync(fixture.path) }, rubric2024.rubric.metrics);
    if (!outcome.ok) throw new Error(`${fixture.file}: ${outcome.failure.message}`);
    scored.push({ fixture, report: outcome.report, result: scoreReport(outcome.report, rubric2024) });
  }
}, 600_000);

const parts = (report: NormalizedReport) => [...new Set(report.sections.filter((s) => s.level > 0).map((s) => s.part))].sort();

describe('the same report in every format', () => {
  it('renders the hard cases too: wrapped 二号 headings and title-styled openings in PDF, class="title" in HTML', () => {
    const variants = new Set(scored.map((s) => s.fixture.variant));
    expect(variants).toContain('title-class');
    expect(variants).toContain('title-opening');
    expect(variants).toContain('wrapped-headings');
    if (SOFFICE) {
      expect(variants).toContain('soffice wrapped-headings');
      expect(variants).toContain('soffice title-opening');
    }
  });

  it.each(sources.map((s) => [s.name] as const))(`%s: same unit, year, parts and total (±${MAX_TOTAL_SPREAD}) as its UTF-8 text`, (name) => {
    const renderings = scored.filter((s) => s.fixture.file.startsWith(`${name}.`));
    const reference = renderings.find((s) => s.fixture.file === `${name}.utf8.txt`);
    expect(reference, `${name} has a UTF-8 rendering`).toBeDefined();
    expect(renderings.length).toBeGreaterThanOrEqual(15);
    const lines: string[] = [];
    let spread = 0;
    for (const r of renderings) {
      lines.push(`${r.fixture.file.padEnd(48)} ${r.result.total.toFixed(2).padStart(6)}`);
      expect(r.report.meta.township, r.fixture.file).toBe(reference!.report.meta.township);
      expect(r.report.meta.year, r.fixture.file).toBe(reference!.report.meta.year);
      expect(r.report.meta.county, r.fixture.file).toBe(reference!.report.meta.county);
      expect(parts(r.report), r.fixture.file).toEqual(parts(reference!.report));
      expect(
        r.result.flags.filter((f) => f.code === 'missing-part').map((f) => f.part),
        r.fixture.file,
      ).toEqual(reference!.result.flags.filter((f) => f.code === 'missing-part').map((f) => f.part));
      // Every cited sentence says where to find it; on paper (PDF) also on which page.
      const cited = r.result.dimensions.flatMap((d) => d.indicators.flatMap((i) => i.evidence));
      expect(
        cited.every((e) => e.location && !/\d+\s*字/u.test(e.location)),
        r.fixture.file,
      ).toBe(true);
      if (r.fixture.format === 'pdf')
        expect(
          cited.filter((e) => !/标题$/u.test(e.location ?? '')).every((e) => (e.page ?? 0) >= 1),
          r.fixture.file,
        ).toBe(true);
      else
        expect(
          cited.every((e) => e.page === undefined),
          r.fixture.file,
        ).toBe(true);
      // An honest report is never flagged as keyword stuffing, in any format.
      expect(
        r.result.flags.map((f) => f.code),
        r.fixture.file,
      ).not.toContain('keyword-stuffing');
      spread = Math.max(spread, Math.abs(r.result.total - reference!.result.total));
      expect(Math.abs(r.result.total - reference!.result.total), r.fixture.file).toBeLessThanOrEqual(MAX_TOTAL_SPREAD);
    }
    console.info(`[formats] ${name}: ${renderings.length} renderings, largest difference ${spread.toFixed(2)}\n${lines.join('\n')}`);
  });
});
