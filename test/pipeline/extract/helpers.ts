/**
 * Shared helpers for the extract-stage tests: text comparison, the seed reports (read at test time, never copied),
 * a per-run cache of rendered formats, and builders for hostile files (ZIPs that lie, OLE containers, junk).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { expect } from 'vitest';
import type { ExtractedDocument } from '../../../schemas/extracted.ts';
import { extractDocument } from '../../../pipeline/extract/index.ts';
import { isDocumentRejected } from '../../../pipeline/failure.ts';
import type { DocumentRejectedError } from '../../../pipeline/failure.ts';
import type { FailureCode } from '../../../schemas/failure.ts';
import { hasSoffice, makeFormatFixtures } from '../../../scripts/make-format-fixtures.ts';
import type { FormatFixture } from '../../../scripts/make-format-fixtures.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURE_DIR = join(REPO_ROOT, 'test/fixtures/formats');
export const SEED_DIR = resolve(REPO_ROOT, '../shared/seeds');

// ---------------------------------------------------------------------------------------------------------------
// Comparing texts across formats

/** Han characters and digits only: what every format must carry over, whatever its spacing, markup or line breaks. */
export function comparable(text: string): string {
  return text.replace(/[^\p{Script=Han}0-9]/gu, '');
}

function bigrams(text: string): Set<string> {
  const chars = [...comparable(text)];
  const set = new Set<string>();
  for (let i = 1; i < chars.length; i++) set.add(chars[i - 1]! + chars[i]!);
  return set;
}

/** Share of the expected text's character bigrams found in the actual text (1 = nothing lost). */
export function bigramRecall(expected: string, actual: string): number {
  const want = bigrams(expected);
  const have = bigrams(actual);
  if (want.size === 0) return 1;
  let found = 0;
  for (const bigram of want) if (have.has(bigram)) found++;
  return found / want.size;
}

/** Share of the actual text's bigrams that are in the expected text (1 = nothing foreign, e.g. no page numbers). */
export function bigramPrecision(expected: string, actual: string): number {
  return bigramRecall(actual, expected);
}

export function documentText(doc: ExtractedDocument): string {
  return doc.blocks.map((b) => b.text).join('\n');
}

/** The long sentences (≥ 12 Han characters between full stops) of a text, in comparable form. */
export function longSentences(text: string): string[] {
  return text
    .split(/[。！？；\n]/)
    .map(comparable)
    .filter((s) => s.length >= 12);
}

// ---------------------------------------------------------------------------------------------------------------
// Seeds and rendered formats

export interface SourceReport {
  name: string;
  text: string;
}

export function fictionalReports(): SourceReport[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => ({ name: f.replace(/\.txt$/, ''), text: readFileSync(join(FIXTURE_DIR, f), 'utf8') }));
}

/** The real seed reports, read from ../shared/seeds at test time; [] with a visible notice when absent. */
export function seedReports(): SourceReport[] {
  if (!existsSync(SEED_DIR)) {
    console.warn(`[extract tests] ${SEED_DIR} not found: the seed-report tests are skipped`);
    return [];
  }
  return readdirSync(SEED_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => ({ name: f.replace(/\.txt$/, ''), text: readFileSync(join(SEED_DIR, f), 'utf8') }));
}

export const SOFFICE = hasSoffice();
if (!SOFFICE) console.warn('[extract tests] soffice not on PATH: .pdf/.doc renderings made at test time are skipped');

/** Renders reports into every format in a fresh temp dir (LibreOffice included when available), once per test file. */
export async function renderFormats(reports: SourceReport[], label: string): Promise<FormatFixture[]> {
  if (reports.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), `fazhi-extract-${label}-`));
  return makeFormatFixtures(reports, dir, { soffice: SOFFICE });
}

// ---------------------------------------------------------------------------------------------------------------
// Rejections

export async function rejectionOf(bytes: Uint8Array, options?: Parameters<typeof extractDocument>[1]): Promise<DocumentRejectedError> {
  try {
    const doc = await extractDocument(bytes, options);
    throw new Error(`expected a rejection, got ${doc.format} with ${doc.blocks.length} blocks`);
  } catch (error) {
    if (isDocumentRejected(error)) return error;
    throw error;
  }
}

export async function expectRejected(bytes: Uint8Array, code: FailureCode, options?: Parameters<typeof extractDocument>[1]): Promise<DocumentRejectedError> {
  const error = await rejectionOf(bytes, options);
  expect(error.code, `${error.code}: ${error.reasonEn}`).toBe(code);
  // Every reason is for people: Chinese for the clerk, English for logs.
  expect(error.reason).toMatch(/\p{Script=Han}/u);
  expect(error.reasonEn).toMatch(/[a-z]{3}/);
  return error;
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile file builders

export interface ZipEntrySpec {
  name: string;
  data: Uint8Array | string;
  /** Deflate (default) or store. */
  store?: boolean;
  /** Lie in the central directory about the uncompressed size. */
  declaredSize?: number;
}

/** A ZIP writer that can lie: sizes in the central directory are whatever `declaredSize` says. */
export function makeZip(entries: ZipEntrySpec[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const raw = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : Buffer.from(entry.data);
    const data = entry.store ? raw : deflateRawSync(raw);
    const name = Buffer.from(entry.name, 'utf8');
    const method = entry.store ? 0 : 8;
    const crc = crc32(raw);
    const size = entry.declaredSize ?? raw.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(Math.min(size, 0xfffffffe), 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(Math.min(size, 0xfffffffe), 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`;
export const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`;

/** word/document.xml with one paragraph per entry (text is XML-escaped unless `raw`). */
export function documentXml(paragraphs: string[], options: { doctype?: string; raw?: boolean } = {}): string {
  const escape = (t: string): string => (options.raw ? t : t.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
${options.doctype ?? ''}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs
    .map((p) => `<w:p><w:r><w:t xml:space="preserve">${escape(p)}</w:t></w:r></w:p>`)
    .join('')}</w:body></w:document>`;
}

/** The smallest .docx mammoth opens: content types, package relationships and the document. */
export function minimalDocx(documentXmlText: string, extra: ZipEntrySpec[] = []): Uint8Array {
  return makeZip([
    { name: '[Content_Types].xml', data: CONTENT_TYPES },
    { name: '_rels/.rels', data: ROOT_RELS },
    { name: 'word/document.xml', data: documentXmlText },
    ...extra,
  ]);
}

/**
 * An OLE2 compound file holding the given streams. Streams are padded to 4096 bytes so none lives in the mini
 * stream (this writer has none).
 */
export function makeOle(streams: { name: string; data: Uint8Array }[]): Uint8Array {
  const sector = 512;
  const padded = streams.map((s) => {
    const size = Math.max(4096, Math.ceil(s.data.length / sector) * sector);
    const data = Buffer.alloc(size);
    Buffer.from(s.data).copy(data);
    return { name: s.name, data, size: Math.max(4096, s.data.length) };
  });
  const dataSectors = padded.reduce((n, s) => n + s.data.length / sector, 0);
  // Sector 0: FAT; sector 1: directory (4 entries of 128 bytes); then the streams.
  const directoryEntries = streams.length + 1;
  if (directoryEntries > 4) throw new Error('makeOle supports at most 3 streams');
  const totalSectors = 2 + dataSectors;
  if (totalSectors > 128) throw new Error('makeOle: too much data for one FAT sector');
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x003e, 0x18);
  header.writeUInt16LE(0x0003, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  header.writeUInt16LE(6, 0x20);
  header.writeUInt32LE(1, 0x2c);
  header.writeUInt32LE(1, 0x30);
  header.writeUInt32LE(4096, 0x38);
  header.writeUInt32LE(0xfffffffe, 0x3c);
  header.writeUInt32LE(0xfffffffe, 0x44);
  header.writeUInt32LE(0, 0x4c);
  for (let i = 1; i < 109; i++) header.writeUInt32LE(0xffffffff, 0x4c + i * 4);
  const fat = Buffer.alloc(sector, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0);
  fat.writeUInt32LE(0xfffffffe, 4);
  let next = 2;
  const starts: number[] = [];
  for (const stream of padded) {
    starts.push(next);
    const count = stream.data.length / sector;
    for (let i = 0; i < count; i++) fat.writeUInt32LE(i === count - 1 ? 0xfffffffe : next + i + 1, (next + i) * 4);
    next += count;
  }
  const directory = Buffer.alloc(sector);
  const writeEntry = (index: number, name: string, type: number, start: number, size: number, child = 0xffffffff, right = 0xffffffff): void => {
    const at = index * 128;
    const encoded = Buffer.from(`${name}\0`, 'utf16le');
    encoded.copy(directory, at);
    directory.writeUInt16LE(encoded.length, at + 0x40);
    directory.writeUInt8(type, at + 0x42);
    directory.writeUInt8(1, at + 0x43);
    directory.writeUInt32LE(0xffffffff, at + 0x44);
    directory.writeUInt32LE(right, at + 0x48);
    directory.writeUInt32LE(child, at + 0x4c);
    directory.writeUInt32LE(start, at + 0x74);
    directory.writeUInt32LE(size, at + 0x78);
  };
  writeEntry(0, 'Root Entry', 5, 0xfffffffe, 0, streams.length > 0 ? 1 : 0xffffffff);
  padded.forEach((stream, index) =>
    writeEntry(index + 1, stream.name, 2, starts[index]!, stream.size, 0xffffffff, index + 2 <= streams.length ? index + 2 : 0xffffffff),
  );
  return Buffer.concat([header, fat, directory, ...padded.map((s) => s.data)]);
}

/** Deterministic pseudo-random bytes (xorshift), so a failing junk test can be replayed. */
export function pseudoRandomBytes(length: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
