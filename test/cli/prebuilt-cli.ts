// A prebuilt CLI for tests, built by scripts/build-cli.ts into a folder of its own under .scratch/ (inside the project,
// so the bundle's imports of node_modules resolve as from dist/cli/), never the dist/cli/ other runs may be using.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/reports.ts';

export interface TestCli {
  /** The folder to give bin/fazhi.js as FAZHI_CLI_DIR. */
  dir: string;
  remove(): void;
}

/**
 * Builds the CLI as `npm ci`'s prepare step does (`node bin/run-ts.js scripts/build-cli.ts`, in a child process),
 * with `nodeArgs` before the script (e.g. the production-only loader).
 */
export function buildTestCli(nodeArgs: readonly string[] = []): TestCli {
  mkdirSync(join(ROOT, '.scratch'), { recursive: true });
  const parent = mkdtempSync(join(ROOT, '.scratch', 'cli-'));
  const dir = join(parent, 'cli');
  const run = spawnSync(process.execPath, [...nodeArgs, join(ROOT, 'bin/run-ts.js'), join(ROOT, 'scripts/build-cli.ts'), dir], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`the CLI build failed (exit ${run.status}): ${run.stderr}`);
  return { dir, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

/** Runs bin/fazhi.js with `env` added (FAZHI_DEBUG=1: it says on stderr which code runs). */
export function fazhi(args: readonly string[], env: Record<string, string> = {}, nodeArgs: readonly string[] = []) {
  const run = spawnSync(process.execPath, [...nodeArgs, join(ROOT, 'bin/fazhi.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, FAZHI_DEBUG: '1', ...env },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}
