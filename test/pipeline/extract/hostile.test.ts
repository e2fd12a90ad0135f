/**
 * Files that are not reports, or are built to hurt: each is refused with the right FailureCode and a reason for
 * people, fast, and nothing from outside the upload ever shows up in a result or a message.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { extractDocument } from '../../../pipeline/extract/index.ts';
import { readOle } from '../../../pipeline/extract/ole.ts';
import { isDocumentRejected } from '../../../pipeline/failure.ts';
import { convertWithSoffice } from '../../../scripts/make-format-fixtures.ts';
import { makePasswordPdf, makeScannedPdf, makeUniGbPdf } from '../../../scripts/handmade-pdf.ts';
import {
  CONTENT_TYPES,
  FIXTURE_DIR,
  SOFFICE,
  documentText,
  documentXml,
  expectRejected,
  makeOle,
  makeZip,
  minimalDocx,
  pseudoRandomBytes,
  rejectionOf,
} from './helpers.ts';

const REPORT_LINE = '临澜县望江镇2024年法治政府建设工作报告正文内容。';
const docx = readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.docx'));
const pdf = readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.pdf'));
const doc = readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.doc'));

describe('empty and whitespace', () => {
  it('refuses 0 bytes as empty', async () => {
    await expectRejected(new Uint8Array(0), 'empty');
  });

  it('refuses whitespace-only text in any encoding as empty', async () => {
    await expectRejected(Buffer.from(' \n\t\r\n   \n'), 'empty');
    await expectRejected(Buffer.from('\u3000\u3000\n\u3000', 'utf8'), 'empty');
    await expectRejected(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('   \n  ', 'utf16le')]), 'empty');
  });

  it('refuses a Word file without text as empty', async () => {
    await expectRejected(minimalDocx(documentXml([])), 'empty');
    await expectRejected(minimalDocx(documentXml(['   ', ''])), 'empty');
  });

  it('refuses text without Chinese prose as no-report-content', async () => {
    await expectRejected(Buffer.from('Annual report\nNothing in Chinese here, only English words and numbers 2024.\n'), 'no-report-content');
  });
});

describe('not a report', () => {
  const cases: [string, Uint8Array, string][] = [
    [
      'xlsx',
      makeZip([
        { name: '[Content_Types].xml', data: CONTENT_TYPES },
        { name: 'xl/workbook.xml', data: '<workbook/>' },
        { name: 'xl/worksheets/sheet1.xml', data: '<worksheet/>' },
      ]),
      'xlsx',
    ],
    [
      'pptx',
      makeZip([
        { name: '[Content_Types].xml', data: CONTENT_TYPES },
        { name: 'ppt/presentation.xml', data: '<p/>' },
      ]),
      'pptx',
    ],
    [
      'odt',
      makeZip([
        { name: 'mimetype', data: 'application/vnd.oasis.opendocument.text', store: true },
        { name: 'content.xml', data: '<x/>' },
      ]),
      'odt',
    ],
    ['plain zip', makeZip([{ name: '报告.txt', data: REPORT_LINE }]), 'zip'],
    ['empty zip', makeZip([]), 'zip'],
    ['xls', makeOle([{ name: 'Workbook', data: new Uint8Array(100) }]), 'xls'],
    ['ppt', makeOle([{ name: 'PowerPoint Document', data: new Uint8Array(100) }]), 'ppt'],
    ['unknown OLE', makeOle([{ name: 'Contents', data: new Uint8Array(100) }]), 'ole'],
    ['png', Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]), 'png'],
    ['jpeg', Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), Buffer.alloc(64)]), 'jpeg'],
    ['gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'gif'],
    ['bmp', Buffer.concat([Buffer.from('BM', 'latin1'), Buffer.from('3600000000000000360000002800', 'hex'), Buffer.alloc(40)]), 'bmp'],
    ['tiff', Buffer.concat([Buffer.from('II*\x00', 'latin1'), Buffer.alloc(64)]), 'tiff'],
    ['webp', Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'), Buffer.alloc(64)]), 'webp'],
    ['rtf', Buffer.from('{\\rtf1\\ansi\\ansicpg936 {\\fonttbl} \\uc1 report}', 'latin1'), 'rtf'],
    ['gzip', Buffer.from('1f8b0800000000000003', 'hex'), 'gzip'],
    ['7z', Buffer.concat([Buffer.from('377abcaf271c', 'hex'), Buffer.alloc(32)]), '7z'],
    ['rar', Buffer.concat([Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1'), Buffer.alloc(32)]), 'rar'],
    ['binary junk', pseudoRandomBytes(20_000), 'binary'],
    ['NULs and controls', Buffer.concat([Buffer.from(REPORT_LINE), Buffer.from([0, 1, 2, 3, 0, 0, 7, 8])]), 'binary'],
  ];
  for (const [label, bytes, kind] of cases) {
    it(`${label} → not-a-report naming "${kind}"`, async () => {
      const error = await expectRejected(bytes, 'not-a-report');
      expect(error.reason).toContain(`检测到：${kind}`);
      expect(error.reasonEn).toContain(`found: ${kind}`);
    });
  }

  it('does not mistake text that starts with "BM" for a bitmap', async () => {
    const result = await extractDocument(Buffer.from(`BM${REPORT_LINE}\n${REPORT_LINE}`));
    expect(result.format).toBe('txt');
  });
});

describe('damaged files', () => {
  it('refuses a truncated .docx as unreadable', async () => {
    for (const share of [0.2, 0.6, 0.95]) await expectRejected(docx.subarray(0, Math.floor(docx.length * share)), 'unreadable');
  });

  it('refuses a truncated PDF as unreadable', async () => {
    for (const share of [0.1, 0.5, 0.9, 0.99]) await expectRejected(pdf.subarray(0, Math.floor(pdf.length * share)), 'unreadable');
  });

  it('refuses a truncated .doc as unreadable', async () => {
    await expectRejected(doc.subarray(0, 1024), 'unreadable');
  });

  it('refuses a .doc with a looping sector chain (word-extractor would allocate until it dies) as unreadable, fast', async () => {
    const patched = Buffer.from(doc);
    const word = readOle(patched).streams.find((s) => s.name === 'WordDocument')!;
    const fatSector = patched.readUInt32LE(0x4c);
    const fatEntry = (sector: number): number => (fatSector + 1) * 512 + sector * 4;
    const second = patched.readUInt32LE(fatEntry(word.startSector));
    expect(second).toBeLessThan(128);
    patched.writeUInt32LE(word.startSector, fatEntry(second));
    const started = performance.now();
    const error = await expectRejected(patched, 'unreadable');
    expect(error.reasonEn).toContain('loops');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses an OLE header claiming more FAT sectors than the file has as unreadable', async () => {
    const patched = Buffer.from(doc);
    patched.writeUInt32LE(0x00ffffff, 0x2c);
    await expectRejected(patched, 'unreadable');
  });

  it('refuses a ZIP with a document.xml that is not XML as unreadable', async () => {
    await expectRejected(minimalDocx('<w:document><w:body><w:p>'.repeat(3) + '\u0000<<>>'), 'unreadable');
  });

  it('refuses a PDF header followed by garbage as unreadable', async () => {
    await expectRejected(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(pseudoRandomBytes(5000))]), 'unreadable');
  });
});

describe('scanned and password-protected', () => {
  it('refuses a PDF whose pages are only images as scanned-pdf', async () => {
    const error = await expectRejected(makeScannedPdf(3), 'scanned-pdf');
    expect(error.reason).toBe('扫描件，无文字层 — 请上传 Word 文件或可复制文字的 PDF');
  });

  it('refuses a PDF with pages but no text at all as scanned-pdf', async () => {
    await expectRejected(makeUniGbPdf([{ lines: [] }, { lines: [] }]), 'scanned-pdf');
  });

  it('warns, but reads, a PDF where only some pages are scanned', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => ({ text: `第${i + 1}项法治政府建设工作扎实推进并取得成效`, x: 72, y: 700 - i * 20, size: 12 }));
    const result = await extractDocument(makeUniGbPdf([{ lines }, { lines: [], image: true }]));
    expect(result.warnings.map((w) => w.code)).toContain('pdf-pages-without-text');
  });

  it('refuses a PDF that needs a password as encrypted', async () => {
    await expectRejected(makePasswordPdf(), 'encrypted');
  });

  it('refuses an Office file with an open password (OLE EncryptedPackage) as encrypted', async () => {
    const encrypted = makeOle([
      { name: 'EncryptionInfo', data: Buffer.from('0400040040000000', 'hex') },
      { name: 'EncryptedPackage', data: pseudoRandomBytes(6000) },
    ]);
    await expectRejected(encrypted, 'encrypted');
  });

  it('refuses a .doc whose FIB says fEncrypted as encrypted', async () => {
    const patched = Buffer.from(doc);
    const ole = readOle(patched);
    const word = ole.streams.find((s) => s.name === 'WordDocument')!;
    const fibOffset = (word.startSector + 1) * 512;
    expect(patched.readUInt16LE(fibOffset)).toBe(0xa5ec);
    patched[fibOffset + 11]! |= 0x01;
    await expectRejected(patched, 'encrypted');
    // The unpatched file still reads.
    expect((await extractDocument(doc)).format).toBe('doc');
  });

  describe.skipIf(!SOFFICE)('LibreOffice-made PDFs', () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'fazhi-extract-encrypted-'));
      const source = join(dir, 'report.docx');
      writeFileSync(source, docx);
      const options = (json: object): string => `pdf:writer_pdf_Export:${JSON.stringify(json)}`;
      for (const [name, filter] of [
        ['open-password', options({ EncryptFile: { type: 'boolean', value: 'true' }, DocumentOpenPassword: { type: 'string', value: 'secret' } })],
        [
          'permissions-only',
          options({
            RestrictPermissions: { type: 'boolean', value: 'true' },
            PermissionPassword: { type: 'string', value: 'owner' },
            Printing: { type: 'long', value: '0' },
          }),
        ],
      ] as const) {
        const out = join(dir, name);
        convertWithSoffice([source], 'pdf', out, filter);
      }
    });

    it('refuses a PDF with an open password as encrypted', async () => {
      await expectRejected(readFileSync(join(dir, 'open-password', 'report.pdf')), 'encrypted');
    });

    it('reads a PDF that only restricts permissions (owner password)', async () => {
      const result = await extractDocument(readFileSync(join(dir, 'permissions-only', 'report.pdf')));
      expect(documentText(result)).toContain('调解纠纷56件');
    });
  });
});

describe('zip bombs', () => {
  const document = { name: 'word/document.xml', data: documentXml([REPORT_LINE]) };
  const base = [{ name: '[Content_Types].xml', data: CONTENT_TYPES }, document];

  it('refuses an entry that expands more than the ratio limit', async () => {
    const bomb = minimalDocx(documentXml([REPORT_LINE, ' '.repeat(30 * 1024 * 1024)]));
    expect(bomb.length).toBeLessThan(200_000);
    const started = performance.now();
    const error = await expectRejected(bomb, 'zip-bomb');
    expect(error.reasonEn).toMatch(/expands \d+×/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses a directory declaring more uncompressed bytes in total than the limit, without inflating', async () => {
    // 60 entries of 2 MB declared each (ratio 100, under the ratio limit): 120 MB in all.
    const entries = Array.from({ length: 60 }, (_, i) => ({
      name: `word/media/image${i}.png`,
      data: pseudoRandomBytes(21_000, i + 1),
      store: true,
      declaredSize: 2 * 1024 * 1024,
    }));
    const error = await expectRejected(makeZip([...base, ...entries]), 'zip-bomb');
    expect(error.reasonEn).toMatch(/declares \d+ uncompressed bytes/);
  });

  it('refuses an XML part that inflates past the size its directory entry declares', async () => {
    const lying = makeZip([...base, { name: 'word/styles.xml', data: `<w:styles>${' '.repeat(3_000_000)}</w:styles>`, declaredSize: 1000 }]);
    const error = await expectRejected(lying, 'zip-bomb');
    expect(error.reasonEn).toContain('inflates past its declared 1000 bytes');
  });

  it('refuses a lying "mammoth/style-map" part (mammoth always reads it) too', async () => {
    const lying = makeZip([...base, { name: 'mammoth/style-map', data: 'p => p\n'.repeat(500_000), declaredSize: 100 }]);
    await expectRejected(lying, 'zip-bomb');
  });

  it('refuses more entries than the limit', async () => {
    const many = Array.from({ length: 2_100 }, (_, i) => ({ name: `word/parts/p${i}.bin`, data: 'x', store: true }));
    const error = await expectRejected(makeZip([...base, ...many]), 'zip-bomb');
    expect(error.reasonEn).toMatch(/entries \(limit 2000\)/);
  });

  it('accepts the same shapes under the limits', async () => {
    const some = Array.from({ length: 50 }, (_, i) => ({ name: `word/parts/p${i}.bin`, data: 'x', store: true }));
    const result = await extractDocument(makeZip([...base, { name: '_rels/.rels', data: readRels() }, ...some]));
    expect(result.blocks.map((b) => b.text)).toEqual([REPORT_LINE]);
  });
});

function readRels(): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`;
}

describe('XML entities in a .docx (XXE)', () => {
  const marker = `XXE-SECRET-${process.pid}-7731`;
  let secretPath = '';
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-xxe-'));
    secretPath = join(dir, 'secret.txt');
    writeFileSync(secretPath, `${marker}\n`);
  });

  /** Whatever happens, the marker must appear neither in the result nor in an error message. */
  async function outcome(bytes: Uint8Array): Promise<string> {
    try {
      return JSON.stringify(await extractDocument(bytes));
    } catch (error) {
      if (!isDocumentRejected(error)) throw error;
      return `${error.code} ${error.reason} ${error.reasonEn}`;
    }
  }

  it('never resolves an external general entity', async () => {
    const doctype = `<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://${secretPath}">]>`;
    const result = await outcome(minimalDocx(documentXml([REPORT_LINE, '&xxe;'], { raw: true, doctype })));
    expect(readFileSync(secretPath, 'utf8')).toContain(marker);
    expect(result).not.toContain(marker);
  });

  it('never resolves an external parameter entity', async () => {
    const doctype = `<!DOCTYPE w:document [<!ENTITY % remote SYSTEM "file://${secretPath}"> %remote;]>`;
    const result = await outcome(minimalDocx(documentXml([REPORT_LINE], { doctype })));
    expect(result).not.toContain(marker);
  });

  it('never resolves an external entity in styles.xml (read by our own tokenizer too)', async () => {
    const styles = `<?xml version="1.0"?><!DOCTYPE w:styles [<!ENTITY xxe SYSTEM "file://${secretPath}">]><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="&xxe;"/></w:style></w:styles>`;
    const result = await outcome(minimalDocx(documentXml([REPORT_LINE]), [{ name: 'word/styles.xml', data: styles }]));
    expect(result).not.toContain(marker);
  });

  it('does not expand nested internal entities (billion laughs)', async () => {
    const levels = ['<!ENTITY lol0 "lol">'];
    for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    const started = performance.now();
    const result = await outcome(minimalDocx(documentXml([REPORT_LINE, '&lol9;'], { raw: true, doctype: `<!DOCTYPE w:document [${levels.join('')}]>` })));
    expect(result.length).toBeLessThan(10_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('markup built to be slow', () => {
  const cases: [string, string][] = [
    ['200k nested unclosed <b> with text between', `<html><body>${'<b>法治'.repeat(200_000)}</body></html>`],
    ['200k stray closing tags', `<html><body><p>法治政府建设报告正文内容。</p>${'</div>'.repeat(200_000)}</body></html>`],
    ['one paragraph of 200k spans', `<html><body><p>${'<span>法</span>'.repeat(200_000)}</p></body></html>`],
    ['200k nested tables', `<html><body>${'<table><tr><td>法治'.repeat(50_000)}</body></html>`],
  ];
  for (const [label, html] of cases) {
    it(`${label}: finishes in well under 5 s`, async () => {
      const started = performance.now();
      try {
        await extractDocument(Buffer.from(html));
      } catch (error) {
        expect(isDocumentRejected(error)).toBe(true);
      }
      expect(performance.now() - started).toBeLessThan(5_000);
    });
  }
});

describe('text that cannot be decoded without loss', () => {
  it('refuses random high bytes (no NULs) as encoding, not as mojibake', async () => {
    const bytes = pseudoRandomBytes(6000, 99).map((b) => 0x80 | b);
    const error = await expectRejected(bytes, 'encoding');
    expect(error.reason).toContain('编码');
  });

  it('refuses Japanese Shift-JIS text (GB18030 would give plausible-looking nonsense) as encoding', async () => {
    const japanese = 'これは日本語の文章です。法律の支配と行政の透明性について、市民の皆様に報告いたします。'.repeat(5);
    await expectRejected(iconv.encode(japanese, 'shift_jis'), 'encoding');
  });

  it('refuses UTF-16 (with BOM) whose bytes are not UTF-16 text as encoding', async () => {
    await expectRejected(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pseudoRandomBytes(4000, 5).map((b) => b | 1))]), 'encoding');
  });
});

it('maps every library failure on bad input to a DocumentRejectedError (corrupted copies of real files)', async () => {
  for (const source of [docx, pdf, doc]) {
    for (let i = 0; i < 12; i++) {
      const bytes = Buffer.from(source);
      // Flip a run of bytes somewhere after the magic number.
      const at = 16 + Math.floor((((i * 7919) % 1000) / 1000) * (bytes.length - 64));
      for (let j = 0; j < 32; j++) bytes[at + j] = pseudoRandomBytes(1, i * 32 + j + 1)[0]!;
      try {
        await extractDocument(bytes);
      } catch (error) {
        expect(isDocumentRejected(error), `${(error as Error).name}: ${(error as Error).message}`).toBe(true);
      }
    }
  }
});

it('rejectionOf reports a document that was unexpectedly accepted', async () => {
  await expect(rejectionOf(Buffer.from(`${REPORT_LINE}\n`))).rejects.toThrow(/expected a rejection/);
});
