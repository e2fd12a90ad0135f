/**
 * The limits in pipeline/extract/limits.ts: each is enforced, fails fast with a clear reason, and can be tightened
 * per call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXTRACT_LIMITS,
  EXTRACT_TIMEOUT_MS,
  MAX_DOCX_UNCOMPRESSED_BYTES,
  MAX_LINE_CHARS,
  MAX_PDF_PAGES,
  MAX_TEXT_CHARS,
  MAX_UPLOAD_BYTES,
  MAX_ZIP_COMPRESSION_RATIO,
  MAX_ZIP_ENTRIES,
  checkUploadSize,
  extractDocument,
} from '../../../pipeline/extract/index.ts';
import { isDocumentRejected } from '../../../pipeline/failure.ts';
import { makeUniGbPdf } from '../../../scripts/handmade-pdf.ts';
import { FIXTURE_DIR, expectRejected, fictionalReports } from './helpers.ts';

const report = fictionalReports().find((r) => r.name === 'wangjiang-2024')!;

describe('limit values', () => {
  it('are the documented defaults', () => {
    expect(MAX_UPLOAD_BYTES).toBe(20 * 1024 * 1024);
    expect(MAX_TEXT_CHARS).toBe(500_000);
    expect(MAX_LINE_CHARS).toBe(50_000);
    expect(MAX_ZIP_ENTRIES).toBe(2_000);
    expect(MAX_DOCX_UNCOMPRESSED_BYTES).toBe(100 * 1024 * 1024);
    expect(MAX_ZIP_COMPRESSION_RATIO).toBe(200);
    expect(MAX_PDF_PAGES).toBe(300);
    expect(EXTRACT_TIMEOUT_MS).toBe(30_000);
    expect(DEFAULT_EXTRACT_LIMITS.maxUploadBytes).toBe(MAX_UPLOAD_BYTES);
    expect(Object.isFrozen(DEFAULT_EXTRACT_LIMITS)).toBe(true);
  });
});

describe('checkUploadSize', () => {
  it('lets a file of exactly the limit through and refuses one byte more as too-large', () => {
    expect(() => checkUploadSize(MAX_UPLOAD_BYTES)).not.toThrow();
    expect(() => checkUploadSize(0)).not.toThrow();
    try {
      checkUploadSize(MAX_UPLOAD_BYTES + 1);
      expect.unreachable();
    } catch (error) {
      expect(isDocumentRejected(error) && error.code).toBe('too-large');
      expect(isDocumentRejected(error) && error.reason).toContain('20.0 MB');
    }
  });

  it('takes a custom limit', () => {
    expect(() => checkUploadSize(2000, 1000)).toThrow(/too-large/);
  });
});

describe('big inputs fail fast', () => {
  it('refuses a 40 MB text as too-large in well under 5 s', async () => {
    const big = Buffer.alloc(40 * 1024 * 1024, '法治政府建设年度报告。\n');
    const started = performance.now();
    await expectRejected(big, 'too-large');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses a 2 MB single line as text-too-long in well under 5 s', async () => {
    const line = Buffer.alloc(2 * 1024 * 1024, '法治');
    const started = performance.now();
    await expectRejected(line, 'text-too-long');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses a single line over MAX_LINE_CHARS even when the text is short enough', async () => {
    const line = `${'依法行政'.repeat(15_000)}\n第二行。`;
    expect(line.length).toBeGreaterThan(MAX_LINE_CHARS);
    expect(line.length).toBeLessThan(MAX_TEXT_CHARS);
    const error = await expectRejected(Buffer.from(line), 'text-too-long');
    expect(error.reasonEn).toContain('single line');
  });

  it('refuses HTML (exempt from the byte pre-check) whose text is over the limit', async () => {
    const html = `<html><body>${'<p>法治政府建设工作报告内容。</p>'.repeat(40_000)}</body></html>`;
    await expectRejected(Buffer.from(html), 'text-too-long');
  });
});

describe('limits can be tightened per call', () => {
  it('maxUploadBytes', async () => {
    await expectRejected(Buffer.from(report.text), 'too-large', { limits: { maxUploadBytes: 100 } });
  });

  it('maxTextChars', async () => {
    await expectRejected(Buffer.from(report.text), 'text-too-long', { limits: { maxTextChars: 500 } });
    await expect(extractDocument(Buffer.from(report.text), { limits: { maxTextChars: 5_000 } })).resolves.toBeDefined();
  });

  it('maxLineChars', async () => {
    await expectRejected(Buffer.from(report.text), 'text-too-long', { limits: { maxLineChars: 50 } });
  });

  it('maxZipEntries and maxDocxUncompressedBytes', async () => {
    const docx = readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.docx'));
    await expectRejected(docx, 'zip-bomb', { limits: { maxZipEntries: 3 } });
    await expectRejected(docx, 'zip-bomb', { limits: { maxDocxUncompressedBytes: 10_000 } });
    await expectRejected(docx, 'zip-bomb', { limits: { maxDocxXmlPartBytes: 1_000 } });
  });

  it('maxPdfPages', async () => {
    const lines = [{ text: '法治政府建设工作报告正文第一页内容', x: 72, y: 700, size: 12 }];
    const pdf = makeUniGbPdf([{ lines }, { lines }, { lines }]);
    const error = await expectRejected(pdf, 'too-large', { limits: { maxPdfPages: 2 } });
    expect(error.reasonEn).toContain('3 pages');
  });

  it('minHanChars', async () => {
    await expectRejected(Buffer.from('法治政府'), 'no-report-content');
    await expect(extractDocument(Buffer.from('法治政府'), { limits: { minHanChars: 1 } })).resolves.toMatchObject({ format: 'txt' });
  });

  it('timeoutMs: a slow extraction is abandoned as timeout', async () => {
    const pdf = readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.pdf'));
    const error = await expectRejected(pdf, 'timeout', { limits: { timeoutMs: 1 } });
    expect(error.reason).toContain('超时');
    // The same file within the default limit is fine.
    await expect(extractDocument(pdf)).resolves.toMatchObject({ format: 'pdf' });
  });
});
