/**
 * The real seed reports (../shared/seeds, read at test time and never copied into the repo) rendered into every
 * format: the extracted text must hold the same Chinese content as the .txt original, and headings must survive as
 * hints where the format has them. Prints a per-format extraction speed summary.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExtractedDocument } from '../../../schemas/extracted.ts';
import { extractDocument } from '../../../pipeline/extract/index.ts';
import { parseReportLines } from '../../../scripts/make-format-fixtures.ts';
import type { FormatFixture } from '../../../scripts/make-format-fixtures.ts';
import { SOFFICE, bigramPrecision, bigramRecall, comparable, documentText, longSentences, renderFormats, seedReports } from './helpers.ts';

const seeds = seedReports();

describe.skipIf(seeds.length === 0)('seed reports in every format', () => {
  let fixtures: FormatFixture[] = [];
  const results = new Map<string, { doc: ExtractedDocument; ms: number }>();

  beforeAll(async () => {
    fixtures = await renderFormats(seeds, 'seeds');
    // Extract everything once, timing each file; the assertions below read these results.
    for (const fixture of fixtures) {
      const bytes = readFileSync(fixture.path);
      const started = performance.now();
      const doc = await extractDocument(bytes, { name: fixture.file });
      results.set(fixture.file, { doc, ms: performance.now() - started });
    }
    printSpeed(fixtures, results);
  });

  it('renders every seed into every format', () => {
    expect(seeds.length).toBeGreaterThanOrEqual(1);
    // 6 text encodings, 3 HTML pages, markdown, 5 .docx variants; with LibreOffice also .pdf, .doc and the two print variants as PDF.
    expect(fixtures.length).toBe(seeds.length * (SOFFICE ? 19 : 15));
  });

  it('extracts valid documents of the rendered format', () => {
    for (const fixture of fixtures) {
      const { doc } = results.get(fixture.file)!;
      expect(() => ExtractedDocument.parse(doc), fixture.file).not.toThrow();
      // A seed written in markdown-like syntax may be read as markdown from a .txt: both are text formats.
      if (fixture.format === 'txt') expect(['txt', 'md'], fixture.file).toContain(doc.format);
      else expect(doc.format, fixture.file).toBe(fixture.format);
    }
  });

  it('keeps the Chinese content: ≥ 95% of character bigrams both ways and the long sentences', () => {
    for (const fixture of fixtures) {
      const text = documentText(results.get(fixture.file)!.doc);
      expect(bigramRecall(fixture.expectedText, text), fixture.file).toBeGreaterThanOrEqual(0.95);
      expect(bigramPrecision(fixture.expectedText, text), fixture.file).toBeGreaterThanOrEqual(0.95);
      const sentences = longSentences(fixture.expectedText);
      const flat = comparable(text);
      const kept = sentences.filter((s) => flat.includes(s)).length;
      expect(kept / Math.max(1, sentences.length), fixture.file).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('loses nothing at all from the text encodings, Word and HTML renderings', () => {
    for (const fixture of fixtures.filter((f) => f.format !== 'pdf')) {
      expect(bigramRecall(fixture.expectedText, documentText(results.get(fixture.file)!.doc)), fixture.file).toBe(1);
    }
  });

  it('keeps heading lines as heading hints (Word styles, HTML, markdown, PDF font sizes)', () => {
    for (const seed of seeds) {
      const lines = parseReportLines(seed.text);
      const headings = lines.filter((l) => l.kind === 'heading1' || l.kind === 'heading2').map((l) => comparable(l.text));
      for (const fixture of fixtures.filter((f) => f.file.startsWith(seed.name) && f.hasHeadingHints)) {
        const { doc } = results.get(fixture.file)!;
        const hinted = new Set(doc.blocks.filter((b) => b.hint?.headingLevel !== undefined).map((b) => comparable(b.text)));
        const found = headings.filter((h) => hinted.has(h)).length;
        // PDF headings are found from font size alone, so allow a miss there.
        expect(found, fixture.file).toBeGreaterThanOrEqual(fixture.format === 'pdf' ? Math.floor(headings.length * 0.9) : headings.length);
      }
    }
  });
});

function printSpeed(fixtures: FormatFixture[], results: Map<string, { ms: number }>): void {
  const byFormat = new Map<string, number[]>();
  for (const fixture of fixtures) {
    const key = `${fixture.format}/${fixture.variant}`;
    byFormat.set(key, [...(byFormat.get(key) ?? []), results.get(fixture.file)!.ms]);
  }
  const rows = [...byFormat.entries()].map(([key, times]) => {
    const sorted = [...times].sort((a, b) => a - b);
    const mean = sorted.reduce((s, t) => s + t, 0) / sorted.length;
    const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
    return `${key.padEnd(22)} n=${sorted.length}  mean ${mean.toFixed(1).padStart(6)} ms  p95 ${p95.toFixed(1).padStart(6)} ms  ≈${(1000 / mean).toFixed(0)} docs/s`;
  });
  console.log(`[extract speed, first pass in this worker]\n${rows.join('\n')}`);
}
