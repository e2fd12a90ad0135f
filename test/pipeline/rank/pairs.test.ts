import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BandBuckets, MAX_EXHAUSTIVE_GROUP, similarPairs, type PairSimilarity, type PassageMatch } from '../../../pipeline/rank/pairs.ts';
import { estimatedJaccard, MINHASH_SIZE, PASSAGE_MATCH, reportSignature, type ReportSignature } from '../../../pipeline/rank/similarity.ts';
import { NameIndex } from '../../../pipeline/rank/names.ts';
import { reportFromText, SAMPLES_DIR, sampleText } from '../../helpers/reports.ts';

/**
 * The reference the pair search must equal: every paragraph against every paragraph of every other report, a passage
 * when they share an LSH band and their estimated Jaccard similarity reaches PASSAGE_MATCH. Quadratic, for tests only.
 */
function bruteForcePairs(signatures: readonly ReportSignature[]): PairSimilarity[] {
  const shareBand = (x: Uint32Array, y: Uint32Array): boolean => {
    for (let band = 0; band < MINHASH_SIZE / 4; band++) {
      let same = true;
      for (let k = band * 4; k < band * 4 + 4; k++) if (x[k] !== y[k]) same = false;
      if (same) return true;
    }
    return false;
  };
  const pairs: PairSimilarity[] = [];
  for (let a = 0; a < signatures.length; a++) {
    for (let b = a + 1; b < signatures.length; b++) {
      const passages: PassageMatch[] = [];
      signatures[a]!.paragraphs.forEach((p, i) =>
        signatures[b]!.paragraphs.forEach((q, j) => {
          const jaccard = estimatedJaccard(p.minhash, q.minhash);
          if (shareBand(p.minhash, q.minhash) && jaccard >= PASSAGE_MATCH) passages.push({ a: i, b: j, jaccard });
        }),
      );
      if (passages.length === 0) continue;
      const share = (s: ReportSignature, picked: Set<number>) =>
        [...picked].reduce((sum, i) => sum + s.paragraphs[i]!.weight, 0) / s.paragraphs.reduce((sum, p) => sum + p.weight, 0);
      const shareA = share(signatures[a]!, new Set(passages.map((m) => m.a)));
      const shareB = share(signatures[b]!, new Set(passages.map((m) => m.b)));
      pairs.push({ a, b, shareA, shareB, similarity: Math.max(shareA, shareB), passages });
    }
  }
  return pairs;
}

const QINGSHI = sampleText('青石镇2024年度法治政府建设工作情况的报告.txt');

/** Every sample report, plus partial and reworded copies of 青石镇 (renamed), so passages are shared. */
function sampleSignatures(): ReportSignature[] {
  const texts = readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => sampleText(f));
  const lines = QINGSHI.split('\n');
  const partial = (stem: string, keepEvery: number) =>
    lines
      .filter((_, i) => i % keepEvery !== 1)
      .join('\n')
      .replaceAll('青石', stem);
  // Reworded copies: passages that match without being identical (estimated Jaccard between PASSAGE_MATCH and 1).
  const reworded = QINGSHI.replaceAll('青石', '桂花').replaceAll('开展', '组织开展').replaceAll('全镇', '全体').replaceAll('工作', '事项');
  return [...texts, partial('松林', 2), partial('竹溪', 3), partial('梅岭', 4), reworded].map((text, i) =>
    reportSignature(reportFromText(text, { key: `${i}.txt` })),
  );
}

describe('similarPairs()', () => {
  it('finds exactly the pairs and passages that comparing every paragraph pair finds, with the same shares', () => {
    // Prepare
    const signatures = sampleSignatures();
    // Act
    const found = similarPairs(signatures);
    // Assess
    const expected = bruteForcePairs(signatures);
    expect(expected.length).toBeGreaterThan(3);
    expect(expected.some((p) => p.passages.some((m) => m.jaccard < 1))).toBe(true);
    expect(found).toEqual(expected);
  });

  it('returns only the pairs at or above minSimilarity, unchanged', () => {
    const signatures = sampleSignatures();
    const all = similarPairs(signatures);
    const median = [...all.map((p) => p.similarity)].sort((x, y) => x - y)[Math.floor(all.length / 2)]!;
    const strong = similarPairs(signatures, { minSimilarity: median });
    expect(strong).toEqual(all.filter((p) => p.similarity >= median));
    expect(strong.length).toBeGreaterThan(0);
    expect(strong.length).toBeLessThan(all.length);
  });

  it('pairs each carrier of a mass-copied text with the earliest carriers, in linear numbers', () => {
    // Prepare: 300 reports carry one text; precedence puts report 123 first (the earliest 成文日期).
    const signature = reportSignature(reportFromText(QINGSHI));
    const count = 300;
    const signatures = Array.from({ length: count }, (_, i) => ({ ...signature, reportId: String(i) }));
    const precedence = Array.from({ length: count }, (_, i) => (i === 123 ? 0 : i + 1));
    // Act
    const pairs = similarPairs(signatures, { precedence });
    // Assess: every other carrier was compared with the earliest one, and far fewer than all 44,850 pairs were made.
    expect(count).toBeGreaterThan(MAX_EXHAUSTIVE_GROUP);
    const withEarliest = new Set(pairs.filter((p) => p.a === 123 || p.b === 123).map((p) => (p.a === 123 ? p.b : p.a)));
    expect(withEarliest.size).toBe(count - 1);
    expect(pairs.length).toBeLessThanOrEqual(count * 24);
    expect(pairs.every((p) => p.shareA === 1 && p.shareB === 1)).toBe(true);
  });
});

describe('BandBuckets', () => {
  /** What a Map of arrays keyed by the band's key lists: buckets by first appearance, classes ascending. */
  function asMap(keys: readonly number[]): number[][] {
    const buckets = new Map<number, number[]>();
    keys.forEach((key, c) => (buckets.get(key) ?? buckets.set(key, []).get(key)!).push(c));
    return [...buckets.values()];
  }
  const listed = (keys: readonly number[]): number[][] => {
    const buckets = new BandBuckets(keys.length);
    buckets.fill((c) => keys[c]!);
    const out: number[][] = [];
    buckets.forEach((bucket, size) => out.push([...bucket.subarray(0, size)]));
    return out;
  };

  it('lists buckets as a Map keyed by the band would, colliding slots and 52-bit keys included', () => {
    // Prepare: keys that share table slots (equal modulo the table size: 32 for 9 classes) and keys near 2^52.
    const big = 2 ** 52 - 1;
    const keys = [5, 3, 5 + 32, 7, 3, 5, big, 5 + 32, big - 32];
    // Act / Assess
    expect(listed(keys)).toEqual(asMap(keys));
    expect(listed(keys)).toEqual([[0, 5], [1, 4], [2, 7], [3], [6], [8]]);
  });

  it('starts every band afresh', () => {
    const buckets = new BandBuckets(4);
    buckets.fill((c) => [1, 1, 2, 2][c]!);
    buckets.fill((c) => [9, 8, 9, 8][c]!);
    const out: number[][] = [];
    buckets.forEach((bucket, size) => out.push([...bucket.subarray(0, size)]));
    expect(out).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });
});

describe('NameIndex', () => {
  const names = ['青石镇', '青石', '石门镇', '龙口乡', '桃源镇', '源镇', '桃源分'];
  const texts = ['青石镇和石门镇', '桃源镇青石分平台桃源分平台', '龙口乡龙口乡源镇', '青石镇石门镇镇', '无关文字', '青', ''];

  it('scan finds what one regular expression of all names (longest first) finds with matchAll', () => {
    const pattern = new RegExp([...names].sort((x, y) => y.length - x.length).join('|'), 'gu');
    const index = new NameIndex(names.map((n) => [n, n] as const));
    for (const text of texts) {
      expect(
        [...index.scan(text)].map((m) => [m.key, m.at]),
        text,
      ).toEqual([...text.matchAll(pattern)].map((m) => [m[0], m.index]));
    }
  });

  it('occurring finds every name the text includes, overlapping ones too', () => {
    const index = new NameIndex(names.map((n) => [n, n] as const));
    for (const text of texts) expect([...index.occurring(text)].sort(), text).toEqual(names.filter((n) => text.includes(n)).sort());
  });
});
