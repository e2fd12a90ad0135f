import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScoreRun } from '../../schemas/score.ts';
import { makeHostileFolder } from '../helpers/hostile.ts';
import { ROOT } from '../helpers/reports.ts';

describe('fazhi score on a folder of broken and hostile files', () => {
  it('exits 1, scores both good reports, lists every bad file with its reason, stays bounded, leaks nothing', () => {
    const folder = makeHostileFolder();
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--import', join(ROOT, 'test/cli/report-rss.mjs'), join(ROOT, 'bin/fazhi.js'), 'score', folder.dir, '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = (Date.now() - started) / 1000;
    const maxRssMb = Number(/FAZHI_MAX_RSS_KB=(\d+)/u.exec(run.stderr)?.[1] ?? 0) / 1024;
    console.info(
      `[hostile] ${Object.keys(folder.expected).length} bad + ${folder.good.length} good files: exit ${run.status} in ${seconds.toFixed(1)} s, peak RSS ${maxRssMb.toFixed(0)} MB`,
    );

    expect(run.status).toBe(1);
    const result = ScoreRun.parse(JSON.parse(run.stdout));
    expect(result.results.map((r) => r.township).sort()).toEqual(['望江镇', '石门镇'].sort());
    const codes = Object.fromEntries(result.failures.map((f) => [f.source.split('/').pop() ?? f.source, f.code]));
    expect(codes).toEqual(folder.expected);
    for (const failure of result.failures) {
      expect(failure.message, failure.source).toMatch(/[\u4e00-\u9fff]{4}/u);
      expect(failure.messageEn, failure.source).toBeTruthy();
    }
    expect(run.stdout).not.toContain(folder.secret);
    expect(run.stderr).not.toContain(folder.secret);
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/u); // no stack traces
    // The 40 MB file is refused from its size and the 30 MB zip bomb before inflating: memory stays far below them.
    expect(maxRssMb).toBeGreaterThan(0);
    expect(maxRssMb).toBeLessThan(600);
  }, 120_000);
});
