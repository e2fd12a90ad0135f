// With production dependencies only (`npm ci --omit=dev`), every fazhi command works: each command's modules load
// when it runs, and none of them needs a package installed only for development. A loader refuses exactly the
// packages package-lock.json marks `dev`, so this runs against the full node_modules of a development checkout.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../cli/main.ts';
import { ROOT, SAMPLES_DIR } from '../helpers/reports.ts';

const LOADER = join(ROOT, 'test/cli/production-only.mjs');
const dir = mkdtempSync(join(tmpdir(), 'fazhi-prod-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fazhi(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['--import', LOADER, join(ROOT, 'bin/fazhi.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, FAZHI_DEBUG: '1', ...env },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('fazhi with production dependencies only', () => {
  it('the loader really refuses development-only packages', () => {
    const probe = spawnSync(process.execPath, ['--import', LOADER, '--input-type=module', '-e', "await import('docx')"], { cwd: ROOT, encoding: 'utf8' });
    expect(probe.status).not.toBe(0);
    expect(probe.stderr).toContain('FAZHI_DEV_DEPENDENCY');
  });

  it.each(COMMAND_NAMES)('`fazhi %s --help` loads its command without a development-only package', (name) => {
    const { code, out, err } = fazhi([name, '--help']);
    expect(err).not.toContain('FAZHI_DEV_DEPENDENCY');
    expect(code, err).toBe(0);
    expect(out).toContain(`fazhi ${name}`);
  });

  it('parse, score and rubric run', () => {
    const report = join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt');
    for (const args of [['parse', report, '--json'], ['score', report, '--json'], ['rubric', 'check', join(ROOT, 'scoring-rules/2024.json')]]) {
      const { code, err } = fazhi(args);
      expect(err, args.join(' ')).not.toContain('FAZHI_DEV_DEPENDENCY');
      expect(code, `${args.join(' ')}: ${err}`).toBe(0);
    }
  });

  it('the whole local pipeline runs (servers, worker threads, export, workbook)', () => {
    const input = join(dir, 'in');
    mkdirSync(input);
    copyFileSync(join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt'), join(input, '石门镇.txt'));
    writeFileSync(join(input, 'fazhi.meta.json'), JSON.stringify({ county: '临澜县', year: 2024 }));
    const { code, out, err } = fazhi(['local', '--input', input, '--data-dir', join(dir, 'data'), '--out', join(dir, 'out', 'r.xlsx')]);
    expect(err).not.toContain('FAZHI_DEV_DEPENDENCY');
    expect(code, err).toBe(0);
    expect(out).toMatch(/1\s+石门镇/u);
    expect(readFileSync(join(dir, 'out', 'r.xlsx')).subarray(0, 2).toString()).toBe('PK');
  });

  it('a command that needs no servers loads none of their code (nor the AWS SDK, nor exceljs)', () => {
    const log = join(dir, 'loaded.txt');
    writeFileSync(log, '');
    const { code } = fazhi(['parse', join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt')], { FAZHI_LOADED_LOG: log });
    expect(code).toBe(0);
    const loaded = new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean));
    expect(loaded.has('zod')).toBe(true);
    for (const pkg of loaded) expect(pkg, 'loaded by fazhi parse').not.toMatch(/^(s3rver|dynalite|@aws-sdk\/|exceljs|koa)/u);
  });
});
