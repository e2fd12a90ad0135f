import { estimatedJaccard, MINHASH_SIZE, PASSAGE_MATCH, type ReportSignature } from './similarity.ts';

/**
 * Which reports share passages, in time that grows with the number of passages, not with the number of report pairs.
 *
 * 1. Passages (paragraph signatures) with identical MinHash are one passage class: a text copied into 125 reports is
 *    one class with 125 carriers, compared once, not 7,750 times.
 * 2. Classes are bucketed by LSH bands (numeric keys: a 52-bit hash of the band's rows, equality checked on use) and
 *    two classes of one bucket are the same passage when their estimated Jaccard similarity reaches PASSAGE_MATCH.
 * 3. Reports carrying a class (or a class it matches) are candidate pairs: every pair when there are at most
 *    MAX_EXHAUSTIVE_GROUP of them; above that (a province-scale mass copy) each carrier is paired with the earliest
 *    carriers and its neighbours in the order the texts were likely written, which finds each copy's original and its
 *    closest matches in linear time.
 * 4. Each candidate pair is compared passage by passage, exactly: the share of each report's text the other carries.
 *
 * For every batch whose passage groups stay within MAX_EXHAUSTIVE_GROUP (any county·year) the pairs are exactly those
 * of comparing every pair of paragraphs that share an LSH band.
 */

const BAND_ROWS = 4;
const BANDS = MINHASH_SIZE / BAND_ROWS;

/**
 * LSH buckets holding more distinct passages than this are not compared class by class: a bound on the work per
 * batch (a bucket that full holds near-identical wording in hundreds of variants, i.e. a formula the curated list
 * lacks), not a judgement that shared text is fine. Identical passages are one class and are always compared.
 */
const MAX_BUCKET = 400;

/**
 * Up to this many reports carrying one passage are all compared with each other: more than any county files in a
 * year (20–40 townships and as many departments would rarely all share one passage). Above it the passage is a mass
 * copy and each carrier is compared with EARLIEST_CARRIERS + 2 × NEIGHBOURS others only.
 */
export const MAX_EXHAUSTIVE_GROUP = 64;
/** The carriers whose texts were written first are where an original is: every carrier is compared with these. */
const EARLIEST_CARRIERS = 8;
/** And with this many carriers on either side of it in date order: its closest matches for the copy cluster. */
const NEIGHBOURS = 8;

export interface PassageMatch {
  /** Index into the first report's paragraphs, and the best-matching paragraph of the second. */
  a: number;
  b: number;
  jaccard: number;
}

export interface PairSimilarity {
  a: number;
  b: number;
  /** Weighted share of A's text found in B, and of B's in A; the pair's similarity is the larger. */
  shareA: number;
  shareB: number;
  similarity: number;
  passages: PassageMatch[];
}

export interface PairSearchOptions {
  /** Only pairs whose similarity reaches this are returned; 0 (the default) returns every pair sharing a passage. */
  minSimilarity?: number;
  /**
   * Per report, its place in the order the texts were likely written (lower = earlier; e.g. by 成文日期): decides
   * which carriers of a mass-copied passage are compared. Default: the order of `signatures`.
   */
  precedence?: readonly number[];
}

function hashWords(words: Uint32Array, start: number, end: number, seed: number): number {
  let h = seed;
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ (words[i] ?? 0), 0x9e3779b1);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** A 52-bit key for words[start, end): exact as a Map key (a double), colliding about once in 2^52. */
function keyOf(words: Uint32Array, start: number, end: number): number {
  return hashWords(words, start, end, 0x811c9dc5) * 0x100000 + (hashWords(words, start, end, 0x2545f491) >>> 12);
}

function sameWords(x: Uint32Array, y: Uint32Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The passage classes of a batch and which classes match (estimated Jaccard ≥ PASSAGE_MATCH in some LSH band). */
interface PassageIndex {
  /** Per report, the class of each of its paragraphs. */
  classOf: Int32Array[];
  /** Per class: the reports carrying it, ascending, each once. */
  carriers: number[][];
  /** Per class: the other classes it matches, and the estimated Jaccard similarity of each. */
  links: { to: number; jaccard: number }[][];
  /** Per report: the Han characters of its compared paragraphs (its whole text's weight), computed once. */
  totals: Float64Array;
}

/**
 * The passage classes of one LSH band grouped by the band's key, in typed arrays reused for every band: a Map of
 * arrays made one array and one boxed 52-bit key per class and band (≈ 0.1 GB of short-lived objects per 4,000
 * reports). Buckets are listed as a Map keyed by the band's key would list them (by their first class), each with its
 * classes ascending: the order the links have always been made in.
 */
export class BandBuckets {
  private readonly mask: number;
  /** Per slot of an open-addressing table: the key, and the bucket's first class + 1 (0: empty), last class, size. */
  private readonly keys: Float64Array;
  private readonly first: Int32Array;
  private readonly last: Int32Array;
  private readonly sizes: Int32Array;
  /** Per class: the next class of its bucket + 1 (0: none), and its slot. */
  private readonly next: Int32Array;
  private readonly slotOf: Int32Array;
  private readonly members: Int32Array;

  constructor(private readonly classes: number) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(2, classes * 2)));
    this.mask = slots - 1;
    this.keys = new Float64Array(slots);
    this.first = new Int32Array(slots);
    this.last = new Int32Array(slots);
    this.sizes = new Int32Array(slots);
    this.next = new Int32Array(classes);
    this.slotOf = new Int32Array(classes);
    this.members = new Int32Array(classes);
  }

  /** Puts every class in the bucket of its key (keys are non-negative integers below 2^52, exact as doubles). */
  fill(keyOfClass: (c: number) => number): void {
    this.first.fill(0);
    this.next.fill(0);
    for (let c = 0; c < this.classes; c++) {
      const key = keyOfClass(c);
      let slot = key % (this.mask + 1);
      while (this.first[slot] !== 0 && this.keys[slot] !== key) slot = (slot + 1) & this.mask;
      if (this.first[slot] === 0) {
        this.keys[slot] = key;
        this.first[slot] = c + 1;
        this.sizes[slot] = 1;
      } else {
        this.next[this.last[slot]!] = c + 1;
        this.sizes[slot]! += 1;
      }
      this.last[slot] = c;
      this.slotOf[c] = slot;
    }
  }

  /** Each bucket once, by its first class: its classes ascending (a view valid during the call) and their number. */
  forEach(visit: (bucket: Int32Array, size: number) => void): void {
    for (let c = 0; c < this.classes; c++) {
      const slot = this.slotOf[c]!;
      if (this.first[slot] !== c + 1) continue;
      const size = this.sizes[slot]!;
      let at = 0;
      for (let member = c + 1; member !== 0; member = this.next[member - 1]!) this.members[at++] = member - 1;
      visit(this.members, size);
    }
  }
}

function indexPassages(signatures: readonly ReportSignature[]): PassageIndex {
  const representatives: Uint32Array[] = [];
  const carriers: number[][] = [];
  const byKey = new Map<number, number>();
  const collided = new Map<string, number>();
  const classOf = signatures.map((signature, r) => {
    const classes = new Int32Array(signature.paragraphs.length);
    signature.paragraphs.forEach((paragraph, i) => {
      const key = keyOf(paragraph.minhash, 0, MINHASH_SIZE);
      let id = byKey.get(key);
      if (id !== undefined && !sameWords(representatives[id]!, paragraph.minhash, 0, MINHASH_SIZE)) {
        // A 52-bit collision: exactness before speed (never seen in practice).
        const exact = paragraph.minhash.join(',');
        id = collided.get(exact);
        if (id === undefined) collided.set(exact, (id = representatives.length));
      }
      if (id === undefined) byKey.set(key, (id = representatives.length));
      if (id === representatives.length) {
        representatives.push(paragraph.minhash);
        carriers.push([]);
      }
      const list = carriers[id]!;
      if (list[list.length - 1] !== r) list.push(r);
      classes[i] = id;
    });
    return classes;
  });

  const links: { to: number; jaccard: number }[][] = representatives.map(() => []);
  const compared = new Set<number>();
  const classes = representatives.length;
  const buckets = new BandBuckets(classes);
  for (let band = 0; band < BANDS; band++) {
    const [start, end] = [band * BAND_ROWS, band * BAND_ROWS + BAND_ROWS];
    buckets.fill((c) => keyOf(representatives[c]!, start, end));
    buckets.forEach((bucket, size) => {
      if (size < 2 || size > MAX_BUCKET) return;
      for (let x = 0; x < size; x++) {
        for (let y = x + 1; y < size; y++) {
          const [p, q] = [bucket[x]!, bucket[y]!];
          const pairKey = p * classes + q;
          if (compared.has(pairKey) || !sameWords(representatives[p]!, representatives[q]!, start, end)) continue;
          compared.add(pairKey);
          const jaccard = estimatedJaccard(representatives[p]!, representatives[q]!);
          if (jaccard < PASSAGE_MATCH) continue;
          links[p]!.push({ to: q, jaccard });
          links[q]!.push({ to: p, jaccard });
        }
      }
    });
  }
  const totals = Float64Array.from(signatures, (s) => s.paragraphs.reduce((sum, p) => sum + p.weight, 0));
  return { classOf, carriers, links, totals };
}

/** Candidate report pairs as numbers a × n + b (a < b), ascending, each once. */
function candidatePairs(index: PassageIndex, n: number, precedence: readonly number[] | undefined): Float64Array {
  const keys: number[] = [];
  const push = (x: number, y: number): void => {
    if (x !== y) keys.push(x < y ? x * n + y : y * n + x);
  };
  const earlier = (x: number, y: number): number => (precedence ? (precedence[x] ?? 0) - (precedence[y] ?? 0) : 0) || x - y;
  index.carriers.forEach((own, c) => {
    const linked = index.links[c]!;
    let group = own;
    if (linked.length > 0) {
      const all = new Set(own);
      for (const link of linked) for (const r of index.carriers[link.to]!) all.add(r);
      group = [...all].sort((x, y) => x - y);
    }
    if (group.length < 2) return;
    if (group.length <= MAX_EXHAUSTIVE_GROUP) {
      for (let x = 0; x < group.length; x++) for (let y = x + 1; y < group.length; y++) push(group[x]!, group[y]!);
      return;
    }
    const order = [...group].sort(earlier);
    for (let p = 0; p < order.length; p++) {
      for (let q = 0; q < Math.min(EARLIEST_CARRIERS, order.length); q++) push(order[p]!, order[q]!);
      for (let q = p + 1; q <= Math.min(order.length - 1, p + NEIGHBOURS); q++) push(order[p]!, order[q]!);
    }
  });
  const sorted = Float64Array.from(keys).sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[unique - 1]) sorted[unique++] = sorted[i]!;
  return sorted.subarray(0, unique);
}

/** Report pairs that share passages, with how much of each report's own text the other carries; sorted by (a, b). */
export function similarPairs(signatures: readonly ReportSignature[], options: PairSearchOptions = {}): PairSimilarity[] {
  const n = signatures.length;
  if (n < 2) return [];
  const index = indexPassages(signatures);
  const minSimilarity = options.minSimilarity ?? 0;
  // Per report, its paragraphs by class, built on first use.
  const byClassCache = new Array<Map<number, number[]> | undefined>(n);
  const byClass = (r: number): Map<number, number[]> => {
    let map = byClassCache[r];
    if (!map) {
      map = new Map();
      index.classOf[r]!.forEach((c, i) => {
        const list = map!.get(c);
        if (list) list.push(i);
        else map!.set(c, [i]);
      });
      byClassCache[r] = map;
    }
    return map;
  };
  const pairs: PairSimilarity[] = [];
  for (const key of candidatePairs(index, n, options.precedence)) {
    const a = Math.floor(key / n);
    const b = key - a * n;
    const other = byClass(b);
    const passages: PassageMatch[] = [];
    index.classOf[a]!.forEach((c, i) => {
      for (const j of other.get(c) ?? []) passages.push({ a: i, b: j, jaccard: 1 });
      for (const link of index.links[c]!) for (const j of other.get(link.to) ?? []) passages.push({ a: i, b: j, jaccard: link.jaccard });
    });
    if (passages.length === 0) continue;
    passages.sort((x, y) => x.a - y.a || x.b - y.b);
    const share = (report: number, pick: (m: PassageMatch) => number): number => {
      const total = index.totals[report] ?? 0;
      if (total === 0) return 0;
      const paragraphs = signatures[report]!.paragraphs;
      let found = 0;
      new Set(passages.map(pick)).forEach((i) => (found += paragraphs[i]?.weight ?? 0));
      return found / total;
    };
    const shareA = share(a, (m) => m.a);
    const shareB = share(b, (m) => m.b);
    const similarity = Math.max(shareA, shareB);
    if (similarity < minSimilarity) continue;
    pairs.push({ a, b, shareA, shareB, similarity, passages });
  }
  return pairs;
}
