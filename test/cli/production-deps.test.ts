// With production dependencies only (`npm ci --omit=dev`), the prepare step builds the CLI and every fazhi command
// works, from the prebuilt CLI and from the sources: each command's modules load when it runs, and none of them needs
// a package installed only for development. A loader refuses exactly the packages package-lock.json marks `dev`, so
// this runs against the full node_modules of a development checkout.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../cli/main.ts';
import { ROOT, SAMPLES_DIR } from '../helpers/reports.ts';
import { buildTestCli, fazhi as runFazhi, type TestCli } from './prebuilt-cli.ts';

const LOADER = join(ROOT, 'test/cli/production-only.mjs');
const dir = mkdtempSync(join(tmpdir(), 'fazhi-prod-'));
let cli: TestCli;
beforeAll(() => {
  // As `npm ci --omit=dev` runs the prepare step: the build itself may use production packages only.
  cli = buildTestCli(['--import', LOADER]);
}, 120_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  cli?.remove();
});

const MODES = {
  'the prebuilt CLI': () => ({ FAZHI_CLI_DIR: cli.dir, FAZHI_SOURCE: '' }),
  'the sources through tsx': () => ({ FAZHI_SOURCE: '1' }),
} as const;

function fazhi(mode: keyof typeof MODES, args: string[], env: Record<string, string> = {}) {
  const run = runFazhi(args, { ...MODES[mode](), ...env }, ['--import', LOADER]);
  const expected = mode === 'the prebuilt CLI' ? 'fazhi: prebuilt CLI' : 'fazhi: running the TypeScript sources';
  if (!run.err.includes(expected)) throw new Error(`expected ${mode} to run: ${run.err.slice(0, 500)}`);
  return run;
}

/** Runs `args` (which must succeed); `loaded`: every package the process resolved, in any thread. */
function loadedBy(mode: keyof typeof MODES, args: string[]): { loaded: Set<string>; out: string } {
  const log = join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, '');
  const { code, out, err } = fazhi(mode, args, { FAZHI_LOADED_LOG: log });
  expect(err).not.toContain('FAZHI_DEV_DEPENDENCY');
  expect(code, err).toBe(0);
  return { loaded: new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean)), out };
}

describe('fazhi with production dependencies only', () => {
  it('the loader really refuses development-only packages', () => {
    const probe = spawnSync(process.execPath, ['--import', LOADER, '--input-type=module', '-e', "await import('docx')"], { cwd: ROOT, encoding: 'utf8' });
    expect(probe.status).not.toBe(0);
    expect(probe.stderr).toContain('FAZHI_DEV_DEPENDENCY');
  });

  describe.each(Object.keys(MODES) as (keyof typeof MODES)[])('from %s', (mode) => {
    it.each(COMMAND_NAMES)('`fazhi %s --help` loads its command without a development-only package', (name) => {
      const { code, out, err } = fazhi(mode, [name, '--help']);
      expect(err).not.toContain('FAZHI_DEV_DEPENDENCY');
      expect(code, err).toBe(0);
      expect(out).toContain(`fazhi ${name}`);
    });

    it('parse, score and rubric run', () => {
      const report = join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt');
      for (const args of [
        ['parse', report, '--json'],
        ['score', report, '--json'],
        ['rubric', 'check', join(ROOT, 'scoring-rules/2024.json')],
      ]) {
        const { code, err } = fazhi(mode, args);
        expect(err, args.join(' ')).not.toContain('FAZHI_DEV_DEPENDENCY');
        expect(code, `${args.join(' ')}: ${err}`).toBe(0);
      }
    });

    it('a command that needs no servers loads none of their code (nor the AWS SDK, nor exceljs)', () => {
      const { loaded } = loadedBy(mode, ['parse', join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt')]);
      // zod is bundled into the prebuilt CLI (scripts/build-cli.ts BUNDLED_SPECIFIERS); the sources import it.
      expect(loaded.has('zod')).toBe(mode === 'the sources through tsx');
      for (const pkg of loaded) expect(pkg, 'loaded by fazhi parse').not.toMatch(/^(s3rver|dynalite|@aws-sdk\/|exceljs|koa)/u);
      // exceljs's writer, bundled, is a chunk of its own that only a command writing a workbook loads.
      expect([...loaded].filter((entry) => entry.startsWith('chunk:workbook-writer'))).toEqual([]);
      if (mode === 'the prebuilt CLI') expect([...loaded].some((entry) => entry.startsWith('chunk:'))).toBe(true);
    });
  });

  it('the whole local pipeline runs from the prebuilt CLI (servers, worker threads from the bundle, export, workbook)', () => {
    const input = join(dir, 'in');
    mkdirSync(input);
    copyFileSync(join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt'), join(input, '石门镇.txt'));
    writeFileSync(join(input, 'fazhi.meta.json'), JSON.stringify({ county: '临澜县', year: 2024 }));
    const { loaded, out } = loadedBy('the prebuilt CLI', ['local', '--input', input, '--data-dir', join(dir, 'data'), '--out', join(dir, 'out', 'r.xlsx')]);
    expect(out).toMatch(/1\s+石门镇/u);
    expect(
      readFileSync(join(dir, 'out', 'r.xlsx'))
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
    expect(loaded.has('s3rver') && loaded.has('dynalite')).toBe(true);
    // The workbook was written with exceljs's writer as bundled (its chunk), not the package from node_modules.
    expect([...loaded].some((entry) => entry.startsWith('chunk:workbook-writer'))).toBe(true);
    expect(loaded.has('exceljs')).toBe(false);
    // The parse and score threads started from isolated-worker.mjs: nothing of tsx in any thread.
    expect([...loaded].filter((pkg) => pkg === 'tsx' || pkg === 'esbuild')).toEqual([]);
  });
});
