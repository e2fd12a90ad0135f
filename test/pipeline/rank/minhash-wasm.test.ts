import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { minhashBackend, minhashInJs, minhashOf, MINHASH_SIZE } from '../../../pipeline/rank/similarity.ts';
import { assembleMinhash, GENERATED, generatedSource } from '../../../scripts/build-minhash-wasm.ts';
import { ROOT, sampleText } from '../../helpers/reports.ts';

const SAMPLE_TEXTS = ['桃源镇2024年度法治政府建设工作情况的报告.txt', '青石镇2024年度法治政府建设工作情况的报告.txt', '龙口乡2024年法治政府建设工作总结.txt'];

/** Every non-empty line of the samples: real report paragraphs, headings and short lines alike. */
const paragraphs = (): string[] => SAMPLE_TEXTS.flatMap((name) => sampleText(name).split('\n')).filter((line) => line.trim().length > 0);

describe('the WebAssembly MinHash (pipeline/rank/minhash.wat)', () => {
  it('is the module minhash.wat assembles to (regenerate with scripts/build-minhash-wasm.ts)', async () => {
    // Prepare
    const committed = readFileSync(GENERATED, 'utf8');
    // Act
    const assembled = generatedSource(await assembleMinhash());
    // Assess
    expect(committed).toBe(assembled);
    expect(GENERATED).toBe(join(ROOT, 'pipeline', 'rank', 'minhash-wasm.ts'));
  });

  it('is what this thread runs (a fallback to the JS loop would be slower, not wrong)', () => {
    expect(minhashBackend()).toBe('wasm');
  });

  it('gives the JS reference numbers for every paragraph of the samples, at the shingle lengths a rubric allows', () => {
    // Prepare
    const lines = paragraphs();
    expect(lines.length).toBeGreaterThan(100);
    for (const k of [2, 5, 12]) {
      for (const line of lines) {
        // Act
        const wasm = minhashOf(line, k);
        // Assess
        expect([...wasm], `k=${k}: ${line.slice(0, 30)}`).toEqual([...minhashInJs(line, k)]);
      }
    }
  });

  it('agrees at the edges: no shingle, one shingle, surrogate pairs, a paragraph longer than its first memory page', () => {
    // Prepare: a report's whole text on one line (> 64 KB of code units makes the module grow its memory)
    const whole = sampleText('桃源镇2024年度法治政府建设工作情况的报告.txt').replace(/\n/gu, '').repeat(12);
    expect(whole.length * 2).toBeGreaterThan(65536);
    const cases = ['', '法治', '法治政府建', '法治政府建设', '𠀀𠀁法治𠀂政府', whole, '依法行政'];
    for (const text of cases) {
      // Act
      const wasm = minhashOf(text, 5);
      // Assess
      expect(wasm).toHaveLength(MINHASH_SIZE);
      expect([...wasm], `${text.length} units`).toEqual([...minhashInJs(text, 5)]);
    }
    // No shingle: every seed keeps its starting value.
    expect([...minhashOf('法治', 5)]).toEqual(Array.from({ length: MINHASH_SIZE }, () => 0xffffffff));
  });
});
