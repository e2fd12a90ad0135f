import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScore } from '../../cli/commands/score.ts';
import { haveSeeds, ROOT, SEEDS_DIR } from '../helpers/reports.ts';
import { goldenEntry, GOLDEN_PATH, type GoldenEntry } from './golden.ts';

/**
 * Golden scores of the samples and the seeds. A failure means scores moved: if that was intended, re-run
 * `node bin/run-ts.js scripts/update-golden.ts` and give the reason in the commit message; if not, it is a regression.
 */

const golden = JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as GoldenEntry[];
const none = new Map<string, string>();

describe('golden scores', () => {
  it('every golden entry says why the report scores where it does', () => {
    for (const entry of golden) expect(entry.why.length, entry.source).toBeGreaterThan(10);
  });

  it('samples/ still scores exactly as recorded', async () => {
    const run = await runScore([join(ROOT, 'samples')], {});
    const expected = golden.filter((e) => e.source.startsWith('samples/'));
    const actual = run.results.map((r) => goldenEntry(r, `samples/${r.source.replace(/^.*?samples\//u, '')}`, none));
    expect(actual.map(({ why: _w, ...rest }) => rest)).toEqual(expected.map(({ why: _w, ...rest }) => rest));
  });

  it.skipIf(!haveSeeds || !existsSync(SEEDS_DIR))('the five seed reports still score exactly as recorded', async () => {
    const run = await runScore([SEEDS_DIR], {});
    const expected = golden.filter((e) => e.source.startsWith('seeds/'));
    const actual = run.results.map((r) => goldenEntry(r, `seeds/${r.source.split('/').pop()}`, none));
    expect(actual.map(({ why: _w, ...rest }) => rest)).toEqual(expected.map(({ why: _w, ...rest }) => rest));
  });
});
