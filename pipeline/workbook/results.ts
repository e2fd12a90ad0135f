import { createHash, type Hash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { WorkbookProvenance } from '../../schemas/review.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { canonicalJson } from '../score/rubric.ts';

/**
 * The machine results a workbook is written from. The sheets read them one at a time, once per sheet, so they need not
 * all be held as objects: `PackedResults` keeps each as deflated JSON (≈ 7 KB instead of ≈ 70 KB of objects), which is
 * what lets a year-wide export of 10,000 reports fit the export function's memory. An array serves a county as before.
 */

/** What the sheets need to know of every result before reading any in full: order, groups, counts, names. */
export interface ResultFacts {
  source: string;
  township: string | null;
  county: string | null;
  year: number | null;
  rankGroup: ScoreResult['rankGroup'];
  total: number;
  rank: number | null;
  grade: string;
  rubric: WorkbookProvenance['rubrics'][number];
}

export interface ResultSource {
  readonly length: number;
  /** The result at `index` (a fresh object per call for a packed source: do not keep them). */
  at(index: number): ScoreResult;
  /** `JSON.stringify` of the result at `index`, for the hidden payload. */
  json(index: number): string;
  /** The facts of every result, in order. */
  facts(): readonly ResultFacts[];
  /** SHA-256 of the canonical JSON of all the results (provenance.ts resultsDigest). */
  digest(): string;
}

export function factsOf(result: ScoreResult): ResultFacts {
  return {
    source: result.source,
    township: result.township,
    county: result.county,
    year: result.year,
    rankGroup: result.rankGroup,
    total: result.total,
    rank: result.rank,
    grade: result.grade,
    rubric: result.rubric,
  };
}

/**
 * The digest of a list of results computed one result at a time: the same bytes as canonicalJson(array), which is
 * `[` + the items' canonical JSON joined by `,` + `]`, without building that string.
 */
export class ResultsDigest {
  private readonly hash: Hash = createHash('sha256').update('[');
  private count = 0;
  private done: string | undefined;

  add(result: ScoreResult): void {
    if (this.done !== undefined) throw new Error('ResultsDigest: a result added after the digest was taken');
    if (this.count++ > 0) this.hash.update(',');
    this.hash.update(canonicalJson(result));
  }

  digest(): string {
    this.done ??= this.hash.update(']').digest('hex');
    return this.done;
  }
}

/** A list of results held as they are (`fazhi score --out`, a county's export, the review's final workbook). */
export class ArrayResults implements ResultSource {
  private factList: ResultFacts[] | undefined;
  private digestText: string | undefined;
  constructor(readonly results: readonly ScoreResult[]) {}

  get length(): number {
    return this.results.length;
  }

  at(index: number): ScoreResult {
    const result = this.results[index];
    if (!result) throw new Error(`no result at ${index} of ${this.results.length}`);
    return result;
  }

  json(index: number): string {
    return JSON.stringify(this.at(index));
  }

  facts(): readonly ResultFacts[] {
    this.factList ??= this.results.map(factsOf);
    return this.factList;
  }

  digest(): string {
    if (this.digestText === undefined) {
      const digest = new ResultsDigest();
      for (const result of this.results) digest.add(result);
      this.digestText = digest.digest();
    }
    return this.digestText;
  }
}

/**
 * Results deflated one by one as they are added (in the order the workbook lists them). Level 1: packing is on the
 * export's path for every result, and the ratio barely improves above it for JSON this repetitive.
 */
export class PackedResults implements ResultSource {
  private readonly packed: Uint8Array[] = [];
  private readonly factList: ResultFacts[] = [];
  private readonly hash = new ResultsDigest();

  add(result: ScoreResult): void {
    this.hash.add(result);
    this.factList.push(factsOf(result));
    // Copied into memory of its own size. What deflateRawSync returns is a view of zlib's output chunk (16 KB for
    // ≈ 5 KB of deflated JSON), and on Node 24 that chunk and any small Buffer (Buffer.from too) lie in 64 KB slabs
    // of Node's buffer pool, shared with short-lived buffers: held for the whole export, each result kept 16–64 KB
    // alive: 685 MB of ArrayBuffers for 10,000 results on Node 24, Lambda's runtime (≈ 160 MB on Node 20).
    this.packed.push(new Uint8Array(deflateRawSync(JSON.stringify(result), { level: 1 })));
  }

  get length(): number {
    return this.packed.length;
  }

  /** Bytes of deflated JSON held for the results (for the log and the benchmark). */
  get packedBytes(): number {
    return this.packed.reduce((sum, b) => sum + b.byteLength, 0);
  }

  /** Memory the results keep alive: every buffer their bytes lie in, whole (a view keeps all of its buffer). */
  get heldBytes(): number {
    return [...new Set(this.packed.map((b) => b.buffer))].reduce((sum, buffer) => sum + buffer.byteLength, 0);
  }

  json(index: number): string {
    const packed = this.packed[index];
    if (!packed) throw new Error(`no result at ${index} of ${this.packed.length}`);
    return inflateRawSync(packed).toString('utf8');
  }

  at(index: number): ScoreResult {
    return JSON.parse(this.json(index)) as ScoreResult;
  }

  facts(): readonly ResultFacts[] {
    return this.factList;
  }

  digest(): string {
    return this.hash.digest();
  }
}

export type ResultList = readonly ScoreResult[] | ResultSource;

export const resultSource = (results: ResultList): ResultSource => (isSource(results) ? results : new ArrayResults(results));

function isSource(results: ResultList): results is ResultSource {
  return !Array.isArray(results);
}
