/**
 * The fictional reports in test/fixtures/formats, in every format: text survives, headings survive as hints where the
 * format has them, and nothing foreign (page numbers, running heads, navigation, scripts) gets in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExtractedDocument } from '../../../schemas/extracted.ts';
import { extractDocument } from '../../../pipeline/extract/index.ts';
import { MAX_TITLE_CHARS } from '../../../pipeline/extract/blocks.ts';
import { normalizeReport } from '../../../pipeline/normalize/index.ts';
import { autoNumbering, openingParagraph, parseReportLines } from '../../../scripts/make-format-fixtures.ts';
import type { FormatFixture } from '../../../scripts/make-format-fixtures.ts';
import { layoutReportPdf } from '../../../scripts/handmade-pdf.ts';
import { FIXTURE_DIR, bigramPrecision, bigramRecall, comparable, documentText, fictionalReports, longSentences, renderFormats } from './helpers.ts';

const reports = fictionalReports();

describe('fictional reports rendered into every text format and .docx', () => {
  let fixtures: FormatFixture[] = [];
  beforeAll(async () => {
    // LibreOffice renderings of these reports are committed; here only the fast formats are made.
    fixtures = (await renderFormats(reports, 'fictional')).filter((f) => f.format !== 'pdf' && f.format !== 'doc');
  });

  it('renders the expected set of files', () => {
    expect(reports.map((r) => r.name)).toEqual(['qingshi-2023', 'wangjiang-2024']);
    expect(fixtures).toHaveLength(reports.length * 15);
  });

  it('extracts each rendering with the right format, encoding and complete text', async () => {
    for (const fixture of fixtures) {
      const doc = ExtractedDocument.parse(await extractDocument(readFileSync(fixture.path), { name: fixture.file }));
      expect(doc.format, fixture.file).toBe(fixture.format);
      const text = documentText(doc);
      expect(bigramRecall(fixture.expectedText, text), fixture.file).toBeGreaterThanOrEqual(0.99);
      expect(bigramPrecision(fixture.expectedText, text), fixture.file).toBeGreaterThanOrEqual(0.99);
      for (const sentence of longSentences(fixture.expectedText)) expect(comparable(text), fixture.file).toContain(sentence);
      expect(
        doc.warnings.filter((w) => w.code === 'extension-mismatch'),
        fixture.file,
      ).toEqual([]);
      if (fixture.format === 'txt') {
        const expected = { utf8: 'utf-8', 'utf8-bom': 'utf-8', gb18030: 'gb18030', utf16le: 'utf-16le', utf16be: 'utf-16be', big5: 'big5' }[fixture.variant];
        expect(doc.encoding, fixture.file).toBe(expected);
      }
      if (fixture.format === 'html') expect(doc.encoding, fixture.file).toBe(fixture.variant === 'gb18030' ? 'gb18030' : 'utf-8');
    }
  });

  it('keeps plain text one block per line, without hints other than indentation', async () => {
    for (const fixture of fixtures.filter((f) => f.format === 'txt' && f.variant !== 'big5')) {
      const doc = await extractDocument(readFileSync(fixture.path));
      const lines = fixture.expectedText
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      expect(doc.blocks.map((b) => b.text)).toEqual(lines);
      expect(doc.blocks.every((b) => b.hint === undefined || Object.keys(b.hint).every((k) => k === 'indented'))).toBe(true);
    }
  });

  it('turns Word heading styles, HTML h1–h6 and markdown # into heading hints, and bold run-in heads into leadingBold', async () => {
    for (const report of reports) {
      const lines = parseReportLines(report.text);
      const headings = lines.filter((l) => l.kind === 'heading1' || l.kind === 'heading2');
      const titles = lines.filter((l) => l.kind === 'title');
      const runIns = lines.filter((l) => l.kind === 'runin');
      for (const fixture of fixtures.filter((f) => f.file.startsWith(report.name) && f.hasHeadingHints)) {
        const doc = await extractDocument(readFileSync(fixture.path));
        const byText = new Map(doc.blocks.map((b) => [b.text.replace(/\s+/g, ''), b]));
        for (const heading of headings) {
          const block = byText.get(heading.text.replace(/\s+/g, ''));
          // Word and the HTML page put the title at level 1, so headings start one level lower there.
          const offset = fixture.format === 'docx' ? 0 : 1;
          expect(block?.hint?.headingLevel, `${fixture.file}: ${heading.text}`).toBe((heading.kind === 'heading1' ? 1 : 2) + offset);
        }
        for (const title of titles) {
          const block = byText.get(title.text.replace(/\s+/g, ''));
          if (fixture.format === 'docx' || fixture.variant === 'title-class') expect(block?.hint?.title, `${fixture.file}: ${title.text}`).toBe(true);
          else expect(block?.hint?.headingLevel, `${fixture.file}: ${title.text}`).toBe(1);
        }
        for (const runIn of runIns) {
          const block = byText.get(runIn.text.replace(/\s+/g, ''));
          expect(block?.hint?.leadingBold, `${fixture.file}: ${runIn.text}`).toBe(runIn.head);
        }
      }
    }
  });

  it('keeps an opening paragraph styled as a title (Word Title style, <p class="title">) as prose, without a title hint', async () => {
    const styled = fixtures.filter((f) => f.variant === 'title-opening' || f.variant === 'title-class');
    expect(styled).toHaveLength(reports.length * 2);
    for (const fixture of styled) {
      const report = reports.find((r) => fixture.file.startsWith(r.name))!;
      const lines = parseReportLines(report.text);
      const opening = lines[openingParagraph(lines)]!;
      // The generator really styled it (so this test can fail): the page or the Word file marks it as a title.
      const raw = readFileSync(fixture.path, 'utf8');
      expect(fixture.format === 'html' ? raw.includes(`<p class="title">${opening.text.slice(0, 10)}`) : true, fixture.file).toBe(true);
      const doc = await extractDocument(readFileSync(fixture.path));
      const block = doc.blocks.find((b) => b.text.replace(/\s+/g, '') === opening.text.replace(/\s+/g, ''));
      expect(block, `${fixture.file}: the opening paragraph is one block`).toBeDefined();
      // Extraction drops the hint from long text; the outline keeps any prose out of the title block.
      if (opening.text.length > MAX_TITLE_CHARS) expect(block?.hint?.title, fixture.file).toBeUndefined();
      const normalized = normalizeReport(doc, { key: fixture.file, format: doc.format, bytes: 1, sha256: '0'.repeat(64) });
      const paragraphs = normalized.sections.flatMap((section) => section.paragraphs.map((p) => p.text.replace(/\s+/g, '')));
      expect(paragraphs, fixture.file).toContain(opening.text.replace(/\s+/g, ''));
    }
  });

  it('renders real Word list numbering in the auto-numbered .docx (so the heading test above means something)', () => {
    const converted = reports.map((r) => autoNumbering(parseReportLines(r.text)).filter(Boolean).length);
    expect(converted).toEqual([7, 11]);
  });

  it('marks faked Word headings (bold, larger Normal paragraphs) as allBold with their font size', async () => {
    for (const fixture of fixtures.filter((f) => f.variant === 'fake-headings')) {
      const doc = await extractDocument(readFileSync(fixture.path));
      const report = reports.find((r) => fixture.file.startsWith(r.name))!;
      const faked = parseReportLines(report.text).filter((l) => l.kind === 'heading1' || l.kind === 'heading2' || l.kind === 'title');
      for (const line of faked) {
        const block = doc.blocks.find((b) => b.text.replace(/\s+/g, '') === line.text.replace(/\s+/g, ''));
        expect(block?.hint?.headingLevel, line.text).toBeUndefined();
        expect(block?.hint?.allBold, line.text).toBe(true);
        expect(block?.hint?.fontSize, line.text).toBe(line.kind === 'title' ? 22 : line.kind === 'heading1' ? 16 : 15);
      }
      const body = doc.blocks.filter((b) => !b.hint?.allBold && !b.hint?.leadingBold);
      expect(body.length).toBeGreaterThan(0);
      expect(body.every((b) => b.hint?.fontSize === 14)).toBe(true);
    }
  });

  it('drops the HTML page chrome: <title>, navigation, script and style', async () => {
    for (const fixture of fixtures.filter((f) => f.format === 'html')) {
      const text = documentText(await extractDocument(readFileSync(fixture.path)));
      expect(text).not.toMatch(/政府信息公开|首页|统计代码|line-height|_hmt/);
    }
  });
});

describe('committed LibreOffice renderings (.docx → .pdf and .doc)', () => {
  for (const report of reports) {
    for (const extension of ['docx', 'pdf', 'doc'] as const) {
      it(`${report.name}.${extension}`, async () => {
        const doc = ExtractedDocument.parse(await extractDocument(readFileSync(join(FIXTURE_DIR, `${report.name}.${extension}`))));
        expect(doc.format).toBe(extension);
        const text = documentText(doc);
        expect(bigramRecall(report.text, text)).toBeGreaterThanOrEqual(0.99);
        // Page numbers ("— 1 —") and the running header (the title again, in small print) must be gone.
        expect(bigramPrecision(report.text, text)).toBeGreaterThanOrEqual(0.99);
        expect(doc.blocks.some((b) => /^[—\-\s\d]+$/.test(b.text))).toBe(false);
        const title = parseReportLines(report.text)
          .find((l) => l.kind === 'title')!
          .text.replace(/\s+/g, '');
        expect(doc.blocks.filter((b) => b.text.replace(/\s+/g, '').includes(title)).length, 'title appears once').toBe(1);
      });
    }

    it(`${report.name}.pdf: paragraphs rejoined, headings and title hinted by font size`, async () => {
      const doc = await extractDocument(readFileSync(join(FIXTURE_DIR, `${report.name}.pdf`)));
      const lines = parseReportLines(report.text);
      const blocks = doc.blocks.map((b) => comparable(b.text));
      // Every source paragraph comes back as exactly one block: nothing split at line or page ends, nothing merged.
      expect(blocks).toEqual(lines.map((l) => comparable(l.text)));
      for (const line of lines) {
        const block = doc.blocks.find((b) => comparable(b.text) === comparable(line.text));
        expect(block, line.text).toBeDefined();
        if (line.kind === 'title') expect(block?.hint?.title, line.text).toBe(true);
        if (line.kind === 'heading1') expect(block?.hint?.headingLevel, line.text).toBe(1);
        if (line.kind === 'heading2') expect(block?.hint?.headingLevel, line.text).toBe(2);
        if (line.kind === 'body' || line.kind === 'runin') expect(block?.hint?.headingLevel, line.text).toBeUndefined();
      }
    });
  }

  it('keeps typographic quotes and dashes in a legacy .doc (word-extractor with filterUnicode off)', async () => {
    const text = documentText(await extractDocument(readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.doc'))));
    expect(text).toContain('“枫桥经验”');
    expect(text).not.toContain('"枫桥经验"');
  });

  it('reads a .docx by its content whatever its name, and says so', async () => {
    const doc = await extractDocument(readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.docx')), { name: '望江镇报告.pdf' });
    expect(doc.format).toBe('docx');
    expect(doc.warnings.map((w) => w.code)).toContain('extension-mismatch');
  });
});

describe('a hand-made PDF in the non-embedded STSong-Light font (/UniGB-UCS2-H, no ToUnicode)', () => {
  const report = reports.find((r) => r.name === 'wangjiang-2024')!;
  // 16pt body text: 28 characters a line, so the report runs over several pages.
  const pdf = layoutReportPdf(report.text, { header: '临澜县望江镇人民政府文件', size: 16 });

  it('reads the Chinese text through the CMap files', async () => {
    const doc = await extractDocument(pdf);
    expect(doc.format).toBe('pdf');
    expect(bigramRecall(report.text, documentText(doc))).toBeGreaterThanOrEqual(0.99);
  });

  it('spans several pages, drops "- n -" page numbers and the running header, and rejoins every paragraph', async () => {
    expect(
      Buffer.from(pdf)
        .toString('latin1')
        .match(/\/Type \/Page /g)?.length,
    ).toBeGreaterThanOrEqual(2);
    const doc = await extractDocument(pdf);
    const text = documentText(doc);
    expect(text).not.toContain('人民政府文件');
    expect(text).not.toMatch(/- \d+ -/);
    expect(bigramPrecision(report.text, text)).toBe(1);
    const expected = report.text
      .split('\n')
      .map(comparable)
      .filter((p) => p.length > 0);
    expect(doc.blocks.map((b) => comparable(b.text))).toEqual(expected);
    expect(doc.blocks[0]!.hint).toMatchObject({ title: true, centered: true, fontSize: 22 });
    expect(doc.blocks[1]!.hint).toEqual({ fontSize: 16 });
    expect(doc.blocks.filter((b) => b.hint?.headingLevel === 1).map((b) => b.text)).toEqual(report.text.split('\n').filter((l) => /^[一二三]、/.test(l)));
  });
});
