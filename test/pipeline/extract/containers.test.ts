/** The ZIP and OLE readers, container sniffing, and where pdf.js data comes from. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PDF_DATA_DIR_ENV, PDF_DATA_FILES, extractDocument, pdfDataDir, pdfDataOptions, pdfDataSourceDir } from '../../../pipeline/extract/index.ts';
import { classifyOle, readOle } from '../../../pipeline/extract/ole.ts';
import { classifyZip, looksBinary, sniffContainer } from '../../../pipeline/extract/sniff.ts';
import { ZipFormatError, ZipLimitError, inflateZipEntry, readZipDirectory } from '../../../pipeline/extract/zip.ts';
import { layoutReportPdf } from '../../../scripts/handmade-pdf.ts';
import { FIXTURE_DIR, expectRejected, fictionalReports, makeOle, makeZip } from './helpers.ts';

describe('readZipDirectory', () => {
  it('lists names and sizes without inflating, and inflates one entry within a cap', () => {
    const zip = makeZip([
      { name: 'a.txt', data: 'x'.repeat(10_000) },
      { name: '目录/b.txt', data: 'stored', store: true },
    ]);
    const directory = readZipDirectory(zip, 10);
    expect(directory.overLimit).toBe(false);
    expect(directory.entries.map((e) => [e.name, e.method, e.uncompressedSize])).toEqual([
      ['a.txt', 8, 10_000],
      ['目录/b.txt', 0, 6],
    ]);
    expect(directory.entries[0]!.compressedSize).toBeLessThan(200);
    expect(Buffer.from(inflateZipEntry(zip, directory.entries[0]!, 10_000)).toString()).toBe('x'.repeat(10_000));
    expect(() => inflateZipEntry(zip, directory.entries[0]!, 9_999)).toThrow(ZipLimitError);
  });

  it('stops at the entry limit and says so', () => {
    const zip = makeZip(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: 'x', store: true })));
    expect(readZipDirectory(zip, 5)).toMatchObject({ overLimit: true, declaredEntries: 20 });
    expect(readZipDirectory(zip, 5).entries).toHaveLength(5);
  });

  it('throws ZipFormatError for a file without a central directory', () => {
    const zip = makeZip([{ name: 'a', data: 'abc' }]);
    expect(() => readZipDirectory(zip.subarray(0, zip.length - 30), 10)).toThrow(ZipFormatError);
  });

  it('tells the Office Open XML and OpenDocument packages apart', () => {
    const kind = (names: string[]): string => {
      const zip = makeZip(
        names.map((name) => ({ name, data: name === 'mimetype' ? 'application/vnd.oasis.opendocument.spreadsheet' : '<x/>', store: name === 'mimetype' })),
      );
      return classifyZip(zip, readZipDirectory(zip, 100));
    };
    expect(kind(['[Content_Types].xml', 'word/document.xml'])).toBe('docx');
    expect(kind(['[Content_Types].xml', 'xl/workbook.xml'])).toBe('xlsx');
    expect(kind(['[Content_Types].xml', 'ppt/presentation.xml'])).toBe('pptx');
    expect(kind(['mimetype', 'content.xml'])).toBe('ods');
    expect(kind(['photo.jpg'])).toBe('zip');
  });
});

describe('readOle', () => {
  it('lists the streams of a real .doc and classifies it', () => {
    const doc = readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.doc'));
    expect(readOle(doc).streams.map((s) => s.name)).toEqual(expect.arrayContaining(['Root Entry', 'WordDocument', '1Table']));
    expect(classifyOle(doc)).toBe('doc');
  });

  it('classifies containers by their streams', () => {
    const ole = (name: string): string => classifyOle(makeOle([{ name, data: new Uint8Array(10) }]));
    expect(ole('EncryptedPackage')).toBe('encrypted-office');
    expect(ole('Workbook')).toBe('xls');
    expect(ole('Book')).toBe('xls');
    expect(ole('PowerPoint Document')).toBe('ppt');
    expect(ole('Something')).toBe('unknown');
  });

  it('refuses a truncated OLE file as unreadable', async () => {
    const doc = readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.doc'));
    await expectRejected(doc.subarray(0, 600), 'unreadable');
  });
});

describe('sniffContainer', () => {
  it('decides from the bytes only', () => {
    expect(sniffContainer(readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.docx')))).toEqual({ kind: 'zip' });
    expect(sniffContainer(readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.pdf')))).toEqual({ kind: 'pdf' });
    expect(sniffContainer(Buffer.concat([Buffer.from('junk before the header\n'), Buffer.from('%PDF-1.4\n')]))).toEqual({ kind: 'pdf' });
    expect(sniffContainer(Buffer.from('一、主要举措'))).toEqual({ kind: 'text' });
    expect(looksBinary(Buffer.from('text with\ttabs\r\nand ESC \x1b[0m'))).toBe(false);
    expect(looksBinary(Buffer.from([0x41, 0x00, 0x42]))).toBe(true);
  });

  it('counts control characters anywhere in the first 64 KB, not past it', () => {
    // Prepare: 2 % control characters (form feeds are allowed; 0x01 is not), then the same after 64 KB of text.
    const text = '调解纠纷'.repeat(2000);
    const controls = Buffer.alloc(400, 0x01);
    // Act
    const early = looksBinary(Buffer.concat([controls, Buffer.from(text)]));
    const late = looksBinary(Buffer.concat([Buffer.alloc(64 * 1024, 0x41), controls]));
    // Assess
    expect(early).toBe(true);
    expect(late).toBe(false);
  });

  it('reads HTML behind spaces and no-break spaces, and plain text that only mentions a tag as text', async () => {
    // Prepare: a single-byte HTML page led by a tab, spaces and a latin1 no-break space; a report whose line starts with "<".
    const paragraph = fictionalReports()[0]!.text.split('\n').slice(0, 40).join('');
    const html = Buffer.concat([Buffer.from([0x09, 0x20, 0xa0, 0x0a]), Buffer.from(`<!DOCTYPE html><html><body><p>${paragraph}</p></body></html>`)]);
    const text = Buffer.from(`文件 <p> 标签说明\n${paragraph}`);
    // Act
    const fromHtml = await extractDocument(html);
    const fromText = await extractDocument(text);
    // Assess
    expect(fromHtml.format).toBe('html');
    expect(fromText.format).toBe('txt');
  });
});

describe('pdf.js data files (CMaps, standard fonts)', () => {
  const saved = process.env[PDF_DATA_DIR_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[PDF_DATA_DIR_ENV];
    else process.env[PDF_DATA_DIR_ENV] = saved;
  });

  it('come from the installed pdfjs-dist by default, as filesystem paths ending in a separator', () => {
    delete process.env[PDF_DATA_DIR_ENV];
    expect(pdfDataDir()).toBe(pdfDataSourceDir());
    const options = pdfDataOptions();
    expect(options.cMapUrl).toMatch(/cmaps[\\/]$/);
    expect(options.cMapUrl.startsWith('file:')).toBe(false);
    expect(options.standardFontDataUrl).toMatch(/standard_fonts[\\/]$/);
    for (const { from } of PDF_DATA_FILES)
      expect(readFileSync(join(pdfDataSourceDir(), from, from === 'cmaps' ? 'UniGB-UCS2-H.bcmap' : 'FoxitSerif.pfb')).length).toBeGreaterThan(0);
  });

  it('are what makes a non-embedded Chinese font readable: without them the PDF has no text', async () => {
    const report = fictionalReports()[0]!;
    const pdf = layoutReportPdf(report.text);
    process.env[PDF_DATA_DIR_ENV] = mkdtempSync(join(tmpdir(), 'fazhi-no-cmaps-'));
    expect(pdfDataDir()).toBe(process.env[PDF_DATA_DIR_ENV]);
    await expectRejected(pdf, 'scanned-pdf');
    delete process.env[PDF_DATA_DIR_ENV];
    expect((await extractDocument(pdf)).blocks.length).toBeGreaterThan(5);
  });
});
