import type { NormalizedReport } from '../../schemas/report.ts';
import { fold, hanCount } from '../text/fold.ts';
import { MINHASH_WASM } from './minhash-wasm.ts';
import STANDARD_FORMULAE from './standard-formulae.json' with { type: 'json' };

/**
 * Copy detection. Each report's paragraphs get a MinHash signature over character shingles, after the standard
 * formulae every report may use are removed (a curated, versioned list: standard-formulae.json), with the unit's own
 * name and the figures. pairs.ts finds the reports that share passages; every passage counts in full however many
 * reports carry it: three units sharing one text is a copy ring, not a formula.
 */

export const MINHASH_SIZE = 32;
/** Paragraphs with fewer Han characters than this (after removing formulae) are not compared. */
const MIN_PARAGRAPH_HAN = 20;
/** Two paragraphs whose estimated Jaccard similarity reaches this are the same passage. */
export const PASSAGE_MATCH = 0.5;

export interface ParagraphSignature {
  offset: number;
  section: number;
  /** Han characters left after normalisation: the paragraph's weight in "share of text copied". */
  weight: number;
  minhash: Uint32Array;
}

export interface ReportSignature {
  reportId: string;
  /** FORMULAE_VERSION when it was made; "" for signatures stored before the list had a version. */
  formulae: string;
  paragraphs: ParagraphSignature[];
}

/** The version of the standard-formulae list a signature was made with: signatures of another version are redone. */
export const FORMULAE_VERSION: string = STANDARD_FORMULAE.version;

/** Conventional text every report may carry: not evidence of copying. */
const FORMULAE: RegExp[] = STANDARD_FORMULAE.formulae.map((f) => new RegExp(f.pattern, 'gu'));

function normalizeForCopy(text: string, ownNames: readonly string[]): string {
  let out = fold(text);
  for (const pattern of FORMULAE) out = out.replace(pattern, '');
  for (const name of ownNames) if (name.length >= 2) out = out.split(name).join('□');
  // Figures and names change between a copy and its original; the prose around them does not.
  return out
    .replace(/[0-9]+(\.[0-9]+)?/gu, '0')
    .replace(/[零〇一二两三四五六七八九十百千万]+(?=[余多]?[个人名件次场份条项户])/gu, '0')
    .replace(/[^\u4e00-\u9fff0□]/gu, '');
}

function fnv1a(text: string, start: number, length: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < start + length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function mix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const SEEDS = Uint32Array.from({ length: MINHASH_SIZE }, (_, i) => mix(0x9e3779b9 + i * 0x632be5ab));

/**
 * A paragraph's MinHash: for each seed, the least mix(shingle ^ seed) over its shingles of k UTF-16 units (FNV-1a).
 * The WebAssembly module (minhash.wat) computes four seeds at a time, ≈ 5 × faster; this file's JS loop is the
 * reference and the fallback. Both give the same numbers (test/pipeline/rank/minhash-wasm.test.ts): signatures are
 * stored, and a copy is judged by comparing them.
 */
export function minhashOf(text: string, k: number): Uint32Array {
  const module = k >= 1 ? wasmMinhash() : null;
  return module ? minhashInWasm(module, text, k) : minhashInJs(text, k);
}

export function minhashInJs(text: string, k: number): Uint32Array {
  const signature = new Uint32Array(MINHASH_SIZE).fill(0xffffffff);
  for (let i = 0; i + k <= text.length; i++) {
    const shingle = fnv1a(text, i, k);
    for (let j = 0; j < MINHASH_SIZE; j++) {
      // mix(shingle ^ SEEDS[j]), inlined: this loop is most of the time a signature takes.
      let h = shingle ^ SEEDS[j]!;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      h >>>= 0;
      if (h < signature[j]!) signature[j] = h;
    }
  }
  return signature;
}

/** The part of the WebAssembly API used here (TypeScript declares it only in the DOM library). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};

interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmMinhash {
  memory: WasmMemory;
  minhash: (length: number, k: number) => void;
}

/** minhash.wat's memory layout: the seeds, the signature it writes, the paragraph's code units. */
const WASM_SEEDS_AT = 0;
const WASM_SIGNATURE_AT = 128;
const WASM_TEXT_AT = 1024;
const WASM_PAGE = 65536;

let wasm: WasmMinhash | null | undefined;

/** The module, made on first use in each thread; null where WebAssembly is not available (`node --jitless`). */
function wasmMinhash(): WasmMinhash | null {
  if (wasm !== undefined) return wasm;
  try {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(MINHASH_WASM, 'base64')));
    const module = { memory: exports.memory as WasmMemory, minhash: exports.minhash as WasmMinhash['minhash'] };
    new Uint32Array(module.memory.buffer, WASM_SEEDS_AT, MINHASH_SIZE).set(SEEDS);
    wasm = module;
  } catch {
    wasm = null;
  }
  return wasm;
}

/** Which MinHash this thread runs: the WebAssembly one, or the JS loop where WebAssembly is not available. */
export const minhashBackend = (): 'wasm' | 'js' => (wasmMinhash() ? 'wasm' : 'js');

function minhashInWasm({ memory, minhash }: WasmMinhash, text: string, k: number): Uint32Array {
  const needed = WASM_TEXT_AT + text.length * 2;
  if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / WASM_PAGE));
  const units = new Uint16Array(memory.buffer, WASM_TEXT_AT, text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  minhash(text.length, k);
  return new Uint32Array(memory.buffer, WASM_SIGNATURE_AT, MINHASH_SIZE).slice();
}

export function reportSignature(report: NormalizedReport, shingle = 5): ReportSignature {
  const names = [report.meta.township, report.meta.township?.replace(/(街道办事处|街道|镇|乡)$/u, ''), report.meta.county].filter(
    (n): n is string => typeof n === 'string' && n.length >= 2,
  );
  const paragraphs: ParagraphSignature[] = [];
  report.sections.forEach((section, index) => {
    for (const paragraph of section.paragraphs) {
      const normalized = normalizeForCopy(paragraph.text, names);
      const weight = hanCount(normalized);
      if (weight < MIN_PARAGRAPH_HAN) continue;
      paragraphs.push({ offset: paragraph.offset, section: index, weight, minhash: minhashOf(normalized, shingle) });
    }
  });
  return { reportId: report.id, formulae: FORMULAE_VERSION, paragraphs };
}

export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < MINHASH_SIZE; i++) if (a[i] === b[i]) same++;
  return same / MINHASH_SIZE;
}

/** Signatures travel through DynamoDB as "reportId:formulaeVersion:base64" (offset, section, weight, 32 hashes each). */
export function encodeSignature(signature: ReportSignature): string {
  const words = new Uint32Array(signature.paragraphs.length * (3 + MINHASH_SIZE));
  signature.paragraphs.forEach((p, i) => {
    const base = i * (3 + MINHASH_SIZE);
    words[base] = p.offset;
    words[base + 1] = p.section;
    words[base + 2] = p.weight;
    words.set(p.minhash, base + 3);
  });
  return `${signature.reportId}:${signature.formulae}:${Buffer.from(words.buffer).toString('base64')}`;
}

export function decodeSignature(encoded: string): ReportSignature {
  const parts = encoded.split(':');
  // Before the formulae had a version: "reportId:base64".
  const [reportId = '', formulae = '', data = ''] = parts.length === 2 ? [parts[0], '', parts[1]] : parts;
  const bytes = Buffer.from(data, 'base64');
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
  const paragraphs: ParagraphSignature[] = [];
  for (let base = 0; base + 3 + MINHASH_SIZE <= words.length; base += 3 + MINHASH_SIZE) {
    paragraphs.push({
      offset: words[base] ?? 0,
      section: words[base + 1] ?? 0,
      weight: words[base + 2] ?? 0,
      minhash: words.slice(base + 3, base + 3 + MINHASH_SIZE),
    });
  }
  return { reportId, formulae, paragraphs };
}
