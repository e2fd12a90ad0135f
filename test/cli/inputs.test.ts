import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInputs, mapInOrder } from '../../cli/inputs.ts';
import { MAX_UPLOAD_BYTES } from '../../pipeline/extract/limits.ts';
import { SAMPLES_DIR } from '../helpers/reports.ts';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('loadInputs', () => {
  it('reads many files at once yet lists them, and the one refused unread, in the folders’ order with their sidecars', async () => {
    // Prepare: the samples copied under two folders, a sidecar for one file, and an oversized (sparse) file between them.
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-inputs-'));
    const samples = readdirSync(SAMPLES_DIR).filter((name) => name.endsWith('.txt'));
    try {
      for (const folder of ['a', 'b']) {
        mkdirSync(join(dir, folder));
        for (const name of samples) writeFileSync(join(dir, folder, name), readFileSync(join(SAMPLES_DIR, name)));
      }
      writeFileSync(join(dir, 'a', `${samples[0]}.meta.json`), JSON.stringify({ county: '临澜县', submittedAt: '2025-01-20' }));
      writeFileSync(join(dir, 'a', 'zz-too-big.txt'), '');
      truncateSync(join(dir, 'a', 'zz-too-big.txt'), MAX_UPLOAD_BYTES + 1);
      // Act
      const { files, failures } = await loadInputs([dir], { year: 2024 });
      // Assess
      const expected = ['a', 'b'].flatMap((folder) => [...samples].sort().map((name) => join(dir, folder, name)));
      expect(files.map((f) => f.key)).toEqual(expected.map((path) => relative(process.cwd(), path)));
      expect(files[0]).toMatchObject({ location: { county: '临澜县', year: 2024 }, submission: { submittedAt: '2025-01-20' } });
      expect(files[1]!.location).toEqual({ year: 2024 });
      expect(Buffer.from(files[1]!.bytes).equals(readFileSync(join(SAMPLES_DIR, [...samples].sort()[1]!)))).toBe(true);
      expect(failures.map((f) => [f.source.split('/').pop(), f.code])).toEqual([['zz-too-big.txt', 'too-large']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mapInOrder', () => {
  it('runs at most `limit` calls at once and returns the results in the items’ order, not the order they finish', async () => {
    // Prepare: later items finish first.
    let running = 0;
    let most = 0;
    const items = Array.from({ length: 12 }, (_, i) => i);
    // Act
    const results = await mapInOrder(items, 3, async (i) => {
      running++;
      most = Math.max(most, running);
      await delay(12 - i);
      running--;
      return i * 10;
    });
    // Assess
    expect(results).toEqual(items.map((i) => i * 10));
    expect(most).toBe(3);
  });

  it('throws the error of the first failing item in order, even when a later item failed first, and starts nothing after it', async () => {
    // Prepare: item 1 fails late, item 2 fails at once; item 5 would be started only if the failures were ignored.
    const started: number[] = [];
    // Act
    const outcome = mapInOrder([0, 1, 2, 3, 4, 5], 3, async (i) => {
      started.push(i);
      if (i === 1) {
        await delay(20);
        throw new Error('第 1 项出错');
      }
      if (i === 2) throw new Error('第 2 项出错');
      await delay(5);
      return i;
    });
    // Assess
    await expect(outcome).rejects.toThrow('第 1 项出错');
    expect(started).not.toContain(5);
  });
});
