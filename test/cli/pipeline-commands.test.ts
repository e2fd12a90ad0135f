// The CLI at its edges: a reader that stops early (`| head`), and options that could never be a key.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { ROOT, SAMPLES_DIR } from '../helpers/reports.ts';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('fazhi … | head', () => {
  it('stops quietly when the reader closes the pipe: no EPIPE, no stack trace', () => {
    // Prepare: megabytes of JSON into a pipe whose reader leaves after 200 bytes.
    const command = `"${process.execPath}" "${join(ROOT, 'bin/fazhi.js')}" score "${SAMPLES_DIR}" --json | head -c 200 > /dev/null`;
    // Act
    const result = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    // Assess
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /u);
  });
});

describe('fazhi upload: options that cannot be part of a key are refused before anything is uploaded', () => {
  it.each([
    ['../../x', '不能含有“/”'],
    ['甲/乙', '不能含有“/”'],
    ['..', '不能是“..”'],
    ['临澜县\n', '控制字符'],
  ])('--county %j (exit 2, %s)', async (county, reason) => {
    // Act: no bucket is configured either; the county is refused first.
    const { code, err } = await run('upload', join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt'), '--county', county);
    // Assess
    expect(code).toBe(2);
    expect(err).toContain(reason);
    expect(err).not.toContain('内部错误');
  });

  it('--year outside 2000–2100 (exit 2)', async () => {
    const { code, err } = await run('local', '--year', '1899', '--input', SAMPLES_DIR);
    expect(code).toBe(2);
    expect(err).toContain('年度应为');
  });
});
