/**
 * A minimal reader for OLE2 compound files (legacy .doc/.xls/.ppt and password-protected Office files): lists the
 * directory's stream names and reads the first bytes of a stream. Enough to decide what the container holds
 * without handing an unknown file to word-extractor.
 */

export interface OleStream {
  name: string;
  /** 1 storage, 2 stream, 5 root. */
  type: number;
  startSector: number;
  size: number;
}

export class OleFormatError extends Error {
  override readonly name = 'OleFormatError';
}

export const OLE_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] as const;

const END_OF_CHAIN = 0xfffffffe;
const FREE_SECTOR = 0xffffffff;
/** Directory entries read at most; real documents have a few dozen. */
const MAX_DIRECTORY_ENTRIES = 4096;

export interface OleFile {
  streams: OleStream[];
  /** The first `length` bytes of a stream (shorter if the stream is). */
  readStreamStart(stream: OleStream, length: number): Uint8Array;
  /**
   * Throws OleFormatError unless every sector chain (directory, mini FAT, mini stream, each stream) ends properly
   * inside the file. word-extractor follows chains without cycle detection: a cyclic chain makes it allocate until
   * the process dies, so a .doc must pass this before it is handed over.
   */
  verifyChains(): void;
}

export function readOle(bytes: Uint8Array): OleFile {
  if (bytes.length < 512 || OLE_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new OleFormatError('not an OLE2 file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sectorShift = view.getUint16(0x1e, true);
  if (sectorShift !== 9 && sectorShift !== 12) throw new OleFormatError(`bad sector shift ${sectorShift}`);
  const sectorSize = 1 << sectorShift;
  const sectorCount = Math.floor((bytes.length - sectorSize) / sectorSize) + 1;
  const miniCutoff = view.getUint32(0x38, true);
  const sectorOffset = (sector: number): number => (sector + 1) * sectorSize;
  // Header counts that readers use to size their tables: a hostile header could make them allocate gigabytes.
  const fatCount = view.getUint32(0x2c, true);
  const miniFatCount = view.getUint32(0x40, true);
  const difatCount = view.getUint32(0x48, true);
  if (fatCount > sectorCount || miniFatCount > sectorCount || difatCount > sectorCount) {
    throw new OleFormatError(`header counts exceed the file's ${sectorCount} sectors (truncated or forged)`);
  }

  // FAT sector numbers: 109 in the header, the rest in a DIFAT chain.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) {
    const sector = view.getUint32(0x4c + i * 4, true);
    if (sector !== FREE_SECTOR && sector !== END_OF_CHAIN) fatSectors.push(sector);
  }
  let difat = view.getUint32(0x44, true);
  for (let hops = 0; difat !== END_OF_CHAIN && difat !== FREE_SECTOR && hops < sectorCount; hops++) {
    const at = sectorOffset(difat);
    if (at + sectorSize > bytes.length) throw new OleFormatError('DIFAT sector past the end (truncated?)');
    for (let i = 0; i < sectorSize / 4 - 1; i++) {
      const sector = view.getUint32(at + i * 4, true);
      if (sector !== FREE_SECTOR && sector !== END_OF_CHAIN) fatSectors.push(sector);
    }
    difat = view.getUint32(at + sectorSize - 4, true);
  }
  const entriesPerSector = sectorSize / 4;
  const nextSector = (sector: number): number => {
    const fatIndex = Math.floor(sector / entriesPerSector);
    const fatSector = fatSectors[fatIndex];
    if (fatSector === undefined) throw new OleFormatError(`sector ${sector} not covered by the FAT`);
    const at = sectorOffset(fatSector) + (sector % entriesPerSector) * 4;
    if (at + 4 > bytes.length) throw new OleFormatError('FAT sector past the end (truncated?)');
    return view.getUint32(at, true);
  };
  const chain = (start: number, maxSectors: number): number[] => {
    const sectors: number[] = [];
    for (let sector = start; sector !== END_OF_CHAIN && sectors.length < maxSectors; sector = nextSector(sector)) {
      if (sector >= sectorCount || sector === FREE_SECTOR) throw new OleFormatError(`sector chain leaves the file at ${sector}`);
      sectors.push(sector);
    }
    return sectors;
  };

  const streams: OleStream[] = [];
  const utf16 = new TextDecoder('utf-16le');
  for (const sector of chain(view.getUint32(0x30, true), Math.ceil((MAX_DIRECTORY_ENTRIES * 128) / sectorSize))) {
    const base = sectorOffset(sector);
    if (base + sectorSize > bytes.length) throw new OleFormatError('directory sector past the end (truncated?)');
    for (let at = base; at < base + sectorSize; at += 128) {
      const type = view.getUint8(at + 0x42);
      if (type === 0) continue;
      const nameBytes = Math.min(64, view.getUint16(at + 0x40, true));
      const name = utf16.decode(bytes.subarray(at, at + Math.max(0, nameBytes - 2)));
      // Version 3 files keep garbage in the high 32 bits of the size.
      const size = view.getUint32(at + 0x78, true);
      streams.push({ name, type, startSector: view.getUint32(at + 0x74, true), size });
    }
  }

  const root = streams.find((s) => s.type === 5);
  const readStreamStart = (stream: OleStream, length: number): Uint8Array => {
    const wanted = Math.min(length, stream.size);
    const out = new Uint8Array(wanted);
    if (stream.size >= miniCutoff || !root) {
      let filled = 0;
      for (const sector of chain(stream.startSector, Math.ceil(wanted / sectorSize))) {
        const at = sectorOffset(sector);
        const piece = bytes.subarray(at, Math.min(at + sectorSize, bytes.length)).subarray(0, wanted - filled);
        out.set(piece, filled);
        filled += piece.length;
      }
      return out.subarray(0, filled);
    }
    // A small stream lives in the mini stream; reading its first 64-byte mini sector is all callers need.
    const miniOffset = stream.startSector * 64;
    const rootSectors = chain(root.startSector, Math.floor(miniOffset / sectorSize) + 1);
    const sector = rootSectors[Math.floor(miniOffset / sectorSize)];
    if (sector === undefined) throw new OleFormatError('mini stream too short');
    const at = sectorOffset(sector) + (miniOffset % sectorSize);
    const piece = bytes.subarray(at, Math.min(at + Math.min(wanted, 64), bytes.length));
    out.set(piece);
    return out.subarray(0, piece.length);
  };
  const verifyChains = (): void => {
    const checkChain = (start: number, what: string): number[] => {
      const sectors = chain(start, sectorCount + 1);
      if (sectors.length > sectorCount) throw new OleFormatError(`${what}: sector chain loops`);
      return sectors;
    };
    checkChain(view.getUint32(0x30, true), 'directory');
    const miniFatStart = view.getUint32(0x3c, true);
    const miniFat: number[] = [];
    if (miniFatStart !== END_OF_CHAIN && miniFatStart !== FREE_SECTOR) {
      for (const sector of checkChain(miniFatStart, 'mini FAT')) {
        const at = sectorOffset(sector);
        if (at + sectorSize > bytes.length) throw new OleFormatError('mini FAT sector past the end (truncated?)');
        for (let i = 0; i < sectorSize / 4; i++) miniFat.push(view.getUint32(at + i * 4, true));
      }
    }
    for (const stream of streams) {
      if (stream.type === 5) {
        if (stream.startSector !== END_OF_CHAIN) checkChain(stream.startSector, 'mini stream');
        continue;
      }
      if (stream.type !== 2 || stream.size === 0) continue;
      if (stream.size >= miniCutoff) {
        checkChain(stream.startSector, stream.name);
        continue;
      }
      let steps = 0;
      for (let sector = stream.startSector; sector !== END_OF_CHAIN; sector = miniFat[sector]!) {
        if (sector >= miniFat.length || ++steps > miniFat.length) throw new OleFormatError(`${stream.name}: bad mini sector chain`);
      }
    }
  };
  return { streams, readStreamStart, verifyChains };
}

export type OleKind = 'doc' | 'encrypted-doc' | 'encrypted-office' | 'xls' | 'ppt' | 'unknown';

/** What an OLE container holds, from its stream names (and the Word FIB's encryption flag). */
export function classifyOle(bytes: Uint8Array): OleKind {
  const ole = readOle(bytes);
  const names = new Set(ole.streams.map((s) => s.name));
  // Office 2007+ files with an open password are OLE containers around an encrypted ZIP.
  if (names.has('EncryptedPackage') || names.has('EncryptionInfo')) return 'encrypted-office';
  const word = ole.streams.find((s) => s.name === 'WordDocument');
  if (word) {
    ole.verifyChains();
    const fib = ole.readStreamStart(word, 12);
    // FIB: wIdent 0xA5EC, then flags at offset 0x0A whose bit 8 is fEncrypted.
    if (fib.length >= 12 && fib[0] === 0xec && fib[1] === 0xa5) {
      const flags = (fib[10] ?? 0) | ((fib[11] ?? 0) << 8);
      if (flags & 0x0100) return 'encrypted-doc';
    }
    return 'doc';
  }
  if (names.has('Workbook') || names.has('Book')) return 'xls';
  if (names.has('PowerPoint Document')) return 'ppt';
  return 'unknown';
}
