import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listInputFiles, loadInputs, mapInOrder, readInputFile } from '../../cli/inputs.ts';
import { parseFiles } from '../../pipeline/batch.ts';
import { ScorePool } from '../../cli/pool/score-pool.ts';
import { rubricPathFor } from '../../cli/rubrics.ts';
import { rubric2024 } from '../helpers/reports.ts';
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

  it('finds the sidecar of a file named on the command line as it does in a folder, where the listing says which exist', async () => {
    // Prepare: two samples, only the first with a sidecar
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-named-'));
    const [first, second] = readdirSync(SAMPLES_DIR)
      .filter((name) => name.endsWith('.txt'))
      .sort();
    try {
      for (const name of [first!, second!]) writeFileSync(join(dir, name), readFileSync(join(SAMPLES_DIR, name)));
      writeFileSync(join(dir, `${first}.meta.json`), JSON.stringify({ county: '临澜县', submittedAt: '2025-01-20' }));
      // Act
      const named = await listInputFiles([join(dir, first!), join(dir, second!)]);
      const walked = await listInputFiles([dir]);
      // Assess
      for (const { files } of [named, walked]) {
        expect(files.map((f) => [f.path.split('/').pop(), f.location, f.submission])).toEqual([
          [first, { county: '临澜县' }, { submittedAt: '2025-01-20' }],
          [second, undefined, undefined],
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('listInputFiles and reading as the files are parsed', () => {
  /** The samples' 2024 reports in a folder of their own, listed; the second one removed after listing. */
  async function listedThenRemoved(): Promise<{ dir: string; listed: Awaited<ReturnType<typeof listInputFiles>>; removed: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-listed-'));
    for (const name of readdirSync(SAMPLES_DIR).filter((n) => n.endsWith('.txt'))) writeFileSync(join(dir, name), readFileSync(join(SAMPLES_DIR, name)));
    const listed = await listInputFiles([dir], { county: '临澜县', year: 2024 });
    const removed = listed.files[1]!.key;
    rmSync(join(dir, removed.split('/').pop()!));
    return { dir, listed, removed };
  }

  it('a file removed after it was listed fails alone as unreadable, in its place; the others are parsed (one thread)', async () => {
    // Prepare
    const { dir, listed, removed } = await listedThenRemoved();
    try {
      // Act
      const { reports, failures } = await parseFiles(
        listed.files.map((file) => () => readInputFile(file)),
        rubric2024,
      );
      // Assess
      expect(failures.map((f) => [f.source, f.code])).toEqual([[removed, 'unreadable']]);
      expect(failures[0]!.message).toContain('读取文件失败（ENOENT）');
      expect(reports.map((r) => r.source.key)).toEqual(listed.files.map((f) => f.key).filter((k) => k !== removed));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file removed after it was listed fails alone as unreadable in the worker pool too, not as a crash', async () => {
    // Prepare
    const { dir, listed, removed } = await listedThenRemoved();
    const pool = new ScorePool(2);
    try {
      // Act
      const outcome = await pool.parseAndScore(listed.files, await rubricPathFor(2024), null);
      // Assess
      expect(outcome.failures.map((f) => [f.source, f.code])).toEqual([[removed, 'unreadable']]);
      expect(outcome.reports).toHaveLength(listed.files.length - 1);
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
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
