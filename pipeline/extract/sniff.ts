import type { ForeignKind } from './rejections.ts';
import { OLE_SIGNATURE } from './ole.ts';
import { inflateZipEntry } from './zip.ts';
import type { ZipDirectory } from './zip.ts';

/**
 * What a file is, from its first bytes: the container the extractors dispatch on, or a kind of file that is
 * certainly not a report. The file name is never consulted here.
 */
export type Container = { kind: 'zip' | 'ole' | 'pdf' | 'text' } | { kind: 'foreign'; foreign: ForeignKind };

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  return signature.every((b, i) => bytes[at + i] === b);
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

export function sniffContainer(bytes: Uint8Array): Container {
  if (startsWith(bytes, ascii('PK\x03\x04')) || startsWith(bytes, ascii('PK\x05\x06')) || startsWith(bytes, ascii('PK\x07\x08'))) return { kind: 'zip' };
  if (startsWith(bytes, OLE_SIGNATURE)) return { kind: 'ole' };
  // The PDF header may follow some junk; readers accept it within the first kilobyte.
  if (indexOf(bytes.subarray(0, 1024), ascii('%PDF-')) >= 0) return { kind: 'pdf' };
  const foreign = sniffForeign(bytes);
  if (foreign) return { kind: 'foreign', foreign };
  return { kind: 'text' };
}

function sniffForeign(bytes: Uint8Array): ForeignKind | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('II*\x00')) || startsWith(bytes, ascii('MM\x00*'))) return 'tiff';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  if (isBmp(bytes)) return 'bmp';
  if (startsWith(bytes, ascii('{\\rtf'))) return 'rtf';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(bytes, ascii('Rar!\x1a\x07'))) return 'rar';
  return undefined;
}

/** "BM" starts plenty of text too: also require a plausible DIB header size. */
function isBmp(bytes: Uint8Array): boolean {
  if (!startsWith(bytes, ascii('BM')) || bytes.length < 26) return false;
  const dibHeader = bytes[14]! | (bytes[15]! << 8) | (bytes[16]! << 16) | (bytes[17]! << 24);
  return [12, 40, 52, 56, 64, 108, 124].includes(dibHeader) && bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0 && bytes[9] === 0;
}

function indexOf(haystack: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export type ZipKind = 'docx' | 'xlsx' | 'pptx' | 'odt' | 'ods' | 'odp' | 'zip';

/** Office Open XML and OpenDocument packages are ZIPs told apart by their part names. */
export function classifyZip(bytes: Uint8Array, zip: ZipDirectory): ZipKind {
  const names = zip.entries.map((e) => e.name);
  if (names.includes('word/document.xml')) return 'docx';
  if (names.some((n) => n.startsWith('xl/'))) return 'xlsx';
  if (names.some((n) => n.startsWith('ppt/'))) return 'pptx';
  if (names.some((n) => n.startsWith('word/')) && names.includes('[Content_Types].xml')) return 'docx';
  const mimetype = zip.entries.find((e) => e.name === 'mimetype');
  if (mimetype && mimetype.uncompressedSize < 200) {
    try {
      const type = new TextDecoder().decode(inflateZipEntry(bytes, mimetype, 200));
      if (type.includes('opendocument.text')) return 'odt';
      if (type.includes('opendocument.spreadsheet')) return 'ods';
      if (type.includes('opendocument.presentation')) return 'odp';
    } catch {
      // An unreadable mimetype entry is just a zip.
    }
  }
  return 'zip';
}

/**
 * Binary junk rather than text: NUL bytes, or more than 1% control characters, in the first 64 KB. Callers check
 * BOMs and BOM-less UTF-16 first, whose NULs are legitimate.
 */
export function looksBinary(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 64 * 1024);
  let controls = 0;
  // An indexed loop: iterating a typed array with for…of is several times slower, and this reads every text upload.
  for (let i = 0; i < sample.length; i++) {
    const byte = sample[i]!;
    if (byte === 0) return true;
    // Tab, LF, VT, FF, CR and ESC appear in real text files; other C0 controls do not.
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0b && byte !== 0x0c && byte !== 0x0d && byte !== 0x1b) controls++;
  }
  return controls > sample.length * 0.01;
}
