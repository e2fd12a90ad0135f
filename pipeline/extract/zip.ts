import { inflateRawSync } from 'node:zlib';

/**
 * A minimal ZIP reader: the central directory (names, sizes, methods) without inflating anything, plus a bounded
 * inflate of one entry. Enough to tell a .docx from an .xlsx and to refuse zip bombs before mammoth touches the file.
 */

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** The entry count the end-of-central-directory record claims. */
  declaredEntries: number;
  /** More entries than `maxEntries`: only the first `maxEntries` were read (enough to classify the file). */
  overLimit: boolean;
}

export class ZipFormatError extends Error {
  override readonly name = 'ZipFormatError';
}

/** Thrown when an entry would inflate past the caller's limit. */
export class ZipLimitError extends Error {
  override readonly name = 'ZipLimitError';
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** Reads the central directory, at most `maxEntries` entries of it (then `overLimit` is set). */
export function readZipDirectory(bytes: Uint8Array, maxEntries: number): ZipDirectory {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) throw new ZipFormatError('no end-of-central-directory record (truncated?)');

  let declaredEntries = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);

  if (declaredEntries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) throw new ZipFormatError('ZIP64 locator missing');
    const zip64 = safeNumber(view.getBigUint64(locator + 8, true));
    if (zip64 + 56 > bytes.length || view.getUint32(zip64, true) !== ZIP64_EOCD_SIGNATURE) throw new ZipFormatError('ZIP64 record missing');
    declaredEntries = safeNumber(view.getBigUint64(zip64 + 32, true));
    directorySize = safeNumber(view.getBigUint64(zip64 + 40, true));
    directoryOffset = safeNumber(view.getBigUint64(zip64 + 48, true));
  }
  if (directoryOffset + directorySize > bytes.length) throw new ZipFormatError('central directory lies outside the file (truncated?)');

  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  const end = directoryOffset + directorySize;
  const names = new TextDecoder('utf-8');
  while (at + 46 <= end) {
    if (view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw new ZipFormatError(`bad central directory header at ${at}`);
    if (entries.length >= maxEntries) return { entries, declaredEntries, overLimit: true };
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    let compressedSize = view.getUint32(at + 20, true);
    let uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    const nameStart = at + 46;
    if (nameStart + nameLength + extraLength > bytes.length) throw new ZipFormatError('entry header runs past the end');
    // Names in .docx are ASCII; flag bit 11 means UTF-8, otherwise CP437 — good enough for classification.
    const name = names.decode(bytes.subarray(nameStart, nameStart + nameLength));
    if (uncompressedSize === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      ({ uncompressedSize, compressedSize, localHeaderOffset } = readZip64Extra(view, nameStart + nameLength, extraLength, {
        uncompressedSize,
        compressedSize,
        localHeaderOffset,
      }));
    }
    entries.push({ name, method, flags, compressedSize, uncompressedSize, localHeaderOffset });
    at = nameStart + nameLength + extraLength + commentLength;
  }
  return { entries, declaredEntries, overLimit: declaredEntries > maxEntries };
}

/**
 * Inflates one entry, never producing more than `maxBytes` (throws ZipLimitError instead). Throws ZipFormatError for
 * a damaged entry or a compression method other than stored/deflate (the only two Word and mammoth use).
 */
export function inflateZipEntry(bytes: Uint8Array, entry: ZipEntry, maxBytes: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_SIGNATURE) throw new ZipFormatError(`bad local header for ${entry.name}`);
  const dataStart = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > bytes.length) throw new ZipFormatError(`${entry.name} runs past the end of the file (truncated?)`);
  const data = bytes.subarray(dataStart, dataEnd);
  if (entry.method === 0) {
    if (data.length > maxBytes) throw new ZipLimitError(`${entry.name} is over ${maxBytes} bytes`);
    return data;
  }
  if (entry.method !== 8) throw new ZipFormatError(`${entry.name} uses unsupported compression method ${entry.method}`);
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ZipLimitError(`${entry.name} inflates to more than ${maxBytes} bytes`);
    }
    throw new ZipFormatError(`${entry.name} does not inflate: ${(error as Error).message}`);
  }
}

function findEndOfCentralDirectory(view: DataView): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes.
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  }
  return -1;
}

function readZip64Extra(
  view: DataView,
  start: number,
  length: number,
  sizes: { uncompressedSize: number; compressedSize: number; localHeaderOffset: number },
): { uncompressedSize: number; compressedSize: number; localHeaderOffset: number } {
  const result = { ...sizes };
  let at = start;
  while (at + 4 <= start + length) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      // Only the fields that were 0xFFFFFFFF in the fixed header are present, in this order.
      let field = at + 4;
      const take = (): number => {
        if (field + 8 > at + 4 + size) throw new ZipFormatError('short ZIP64 extra field');
        const value = safeNumber(view.getBigUint64(field, true));
        field += 8;
        return value;
      };
      if (sizes.uncompressedSize === 0xffffffff) result.uncompressedSize = take();
      if (sizes.compressedSize === 0xffffffff) result.compressedSize = take();
      if (sizes.localHeaderOffset === 0xffffffff) result.localHeaderOffset = take();
      return result;
    }
    at += 4 + size;
  }
  throw new ZipFormatError('ZIP64 sizes without a ZIP64 extra field');
}

function safeNumber(value: bigint): number {
  // Anything beyond 2^53 is absurd for an upload of a few MB; clamp so limit checks still trip.
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}
