// bin/fazhi.js runs the prebuilt CLI (scripts/build-cli.ts) only while it was built from the sources as they are; a
// source file changed or removed since, or no build at all, and the TypeScript sources run instead (never stale code).
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliManifest } from '../../scripts/build-cli.ts';
import { ROOT, SAMPLES_DIR } from '../helpers/reports.ts';
import { SHEETS } from '../../pipeline/workbook/keys.ts';
import { buildTestCli, fazhi, type TestCli } from './prebuilt-cli.ts';

const LOADER = join(ROOT, 'test/cli/production-only.mjs');
const HELP_TITLE = 'fazhi — 法治政府建设年度报告评分';
const TAMPERED_TITLE = 'fazhi — 这是预构建版本中改过的标题';

let cli: TestCli;
beforeAll(() => {
  cli = buildTestCli();
}, 120_000);
afterAll(() => cli?.remove());

/** Every cell of every sheet as text, but the hidden data and the time the workbook was made (they differ per run). */
async function printedCells(path: string): Promise<Record<string, string[]>> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const out: Record<string, string[]> = {};
  for (const sheet of workbook.worksheets) {
    if (sheet.name === SHEETS.data) continue;
    const rows: string[] = [];
    sheet.eachRow((row, n) => rows.push(`${n}:${JSON.stringify(row.values)}:${JSON.stringify(row.getCell(1).style)}`));
    out[sheet.name] = rows.filter((row) => !row.includes('生成时间'));
  }
  return out;
}

const prebuilt = (dir: string) => ({ FAZHI_CLI_DIR: dir, FAZHI_SOURCE: '' });

/** A copy of the build beside it (the same depth: its paths to the sources stay right) with its entry's help changed. */
function tamperedCopy(name: string): string {
  const copy = join(dirname(cli.dir), name);
  cpSync(cli.dir, copy, { recursive: true });
  const main = join(copy, 'main.mjs');
  writeFileSync(main, readFileSync(main, 'utf8').replace(HELP_TITLE, TAMPERED_TITLE));
  return copy;
}

function editManifest(dir: string, edit: (manifest: CliManifest) => void): void {
  const path = join(dir, 'build.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as CliManifest;
  edit(manifest);
  writeFileSync(path, JSON.stringify(manifest));
}

describe('bin/fazhi.js and the prebuilt CLI', () => {
  it('runs the prebuilt CLI built from the sources as they are', () => {
    // Act
    const { code, out, err } = fazhi(['--help'], prebuilt(cli.dir));
    // Assess
    expect(code, err).toBe(0);
    expect(err).toContain(`fazhi: prebuilt CLI ${join(cli.dir, 'main.mjs')}`);
    expect(out).toContain(HELP_TITLE);
    const manifest = JSON.parse(readFileSync(join(cli.dir, 'build.json'), 'utf8')) as CliManifest;
    for (const source of ['cli/main.ts', 'cli/commands/score.ts', 'pipeline/score/rules.ts', 'scoring-rules/2024.json', 'scripts/build-cli.ts'])
      expect(Object.keys(manifest.inputs)).toContain(source);
  });

  it('runs the bundle’s code while it is current, and the sources once a source file changed after the build', () => {
    // Prepare: a build whose code differs from the sources (as a stale build would), its manifest still current.
    const copy = tamperedCopy('cli-tampered');
    // Act 1: the manifest matches the files on disk.
    const current = fazhi(['--help'], prebuilt(copy));
    // Act 2: cli/main.ts is newer than the build (a developer saved it after building).
    editManifest(copy, (manifest) => {
      const [mtimeMs, size] = manifest.inputs['cli/main.ts']!;
      manifest.inputs['cli/main.ts'] = [mtimeMs - 60_000, size];
    });
    const edited = fazhi(['--help'], prebuilt(copy));
    // Assess
    expect(current.out).toContain(TAMPERED_TITLE);
    expect(edited.code, edited.err).toBe(0);
    expect(edited.out).toContain(HELP_TITLE);
    expect(edited.out).not.toContain(TAMPERED_TITLE);
    expect(edited.err).toContain('fazhi: running the TypeScript sources through tsx: cli/main.ts changed after the CLI was built');
  });

  it('runs the sources when a file the build used is gone, when there is no build, and when FAZHI_SOURCE is set', () => {
    // Prepare
    const copy = tamperedCopy('cli-removed');
    editManifest(copy, (manifest) => {
      manifest.inputs['cli/commands/retired.ts'] = [1, 1];
    });
    const nowhere = mkdtempSync(join(tmpdir(), 'fazhi-no-cli-'));
    // Act
    const removed = fazhi(['--help'], prebuilt(copy));
    const missing = fazhi(['--help'], prebuilt(nowhere));
    const forced = fazhi(['--help'], { FAZHI_CLI_DIR: cli.dir, FAZHI_SOURCE: '1' });
    rmSync(nowhere, { recursive: true, force: true });
    // Assess
    for (const run of [removed, missing, forced]) {
      expect(run.code, run.err).toBe(0);
      expect(run.out).toContain(HELP_TITLE);
      expect(run.out).not.toContain(TAMPERED_TITLE);
    }
    expect(removed.err).toContain('cli/commands/retired.ts was removed after the CLI was built');
    expect(missing.err).toContain(`no prebuilt CLI in ${nowhere}`);
    expect(forced.err).toContain('FAZHI_SOURCE is set');
  });

  it('starts the score worker threads from the bundle (no tsx anywhere) with the results of the sources', () => {
    // Prepare: every package the process resolves, in any thread, is listed (production-only.mjs).
    const log = join(dirname(cli.dir), 'loaded.txt');
    writeFileSync(log, '');
    const source = fazhi(['score', SAMPLES_DIR, '--json', '--jobs', '1'], { FAZHI_SOURCE: '1' });
    // Act
    const bundled = fazhi(['score', SAMPLES_DIR, '--json', '--jobs', '2'], { ...prebuilt(cli.dir), FAZHI_LOADED_LOG: log }, ['--import', LOADER]);
    // Assess
    expect(bundled.code, bundled.err).toBe(0);
    expect(bundled.out).toBe(source.out);
    const loaded = new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean));
    expect(loaded.has('mammoth'), 'the workers extracted the .docx samples').toBe(true);
    expect(loaded.has('zod'), 'zod is bundled (scripts/build-cli.ts BUNDLED_SPECIFIERS)').toBe(false);
    expect([...loaded].filter((pkg) => pkg === 'tsx' || pkg === 'esbuild')).toEqual([]);
  }, 60_000);

  it('writes the workbook with the bundled exceljs writer: no deprecation warning, the cells of the sources’ workbook', async () => {
    // Prepare: exceljs's zip writer is bundled (scripts/build-cli.ts); bundled code that called new Buffer() would
    // make Node print DEP0005, which --throw-deprecation turns into a failure.
    const folder = mkdtempSync(join(tmpdir(), 'fazhi-prebuilt-out-'));
    const fromSources = fazhi(['score', SAMPLES_DIR, '--jobs', '1', '--out', join(folder, 'sources.xlsx')], { FAZHI_SOURCE: '1' });
    // Act
    const bundled = fazhi(['score', SAMPLES_DIR, '--jobs', '1', '--out', join(folder, 'bundled.xlsx')], prebuilt(cli.dir), ['--throw-deprecation']);
    // Assess
    expect(fromSources.code, fromSources.err).toBe(0);
    expect(bundled.code, bundled.err).toBe(0);
    expect(bundled.err).not.toMatch(/Warning/u);
    const [expected, actual] = [await printedCells(join(folder, 'sources.xlsx')), await printedCells(join(folder, 'bundled.xlsx'))];
    rmSync(folder, { recursive: true, force: true });
    expect(Object.keys(actual)).toContain(SHEETS.evidence);
    expect(actual).toEqual(expected);
  }, 60_000);

  it('reads the rubrics it validated when it was built, and validates a rubric file edited since in full', () => {
    // Prepare: scoring-rules/2024.json as shipped, and two edits of it: a new version string, and a broken rule.
    const folder = mkdtempSync(join(tmpdir(), 'fazhi-prebuilt-rubric-'));
    const text = readFileSync(join(ROOT, 'scoring-rules/2024.json'), 'utf8');
    const rubric = JSON.parse(text) as { version: string; dimensions: { indicators: { max: number }[] }[] };
    const shipped = join(folder, 'shipped.json');
    writeFileSync(shipped, text);
    const renamed = join(folder, 'renamed.json');
    writeFileSync(renamed, text.replace(`"version": "${rubric.version}"`, '"version": "2024.9.9"'));
    rubric.dimensions[0]!.indicators[0]!.max = -1;
    const broken = join(folder, 'broken.json');
    writeFileSync(broken, JSON.stringify(rubric, null, 2));
    // Act
    const bundled = fazhi(['rubric', 'check', shipped, renamed, broken], prebuilt(cli.dir));
    const sources = fazhi(['rubric', 'check', shipped, renamed, broken], { FAZHI_SOURCE: '1' });
    rmSync(folder, { recursive: true, force: true });
    // Assess: the bundle holds the shipped file's validated form; the edited files say what the sources say.
    const table = readdirSync(cli.dir)
      .filter((f) => f.endsWith('.mjs'))
      .some((f) => readFileSync(join(cli.dir, f), 'utf8').includes(createHash('sha256').update(text).digest('hex')));
    expect(table, 'the bundle lists scoring-rules/2024.json by the hash of its text').toBe(true);
    expect(text).toContain(`"version": "${rubric.version}"`);
    expect(bundled.code).toBe(1);
    expect(bundled.out).toContain('版本 2024.9.9');
    expect(bundled.err).toContain('dimensions[0].indicators[0].max');
    expect(bundled.out).toBe(sources.out);
    expect(bundled.err.split('\n').filter((line) => !line.startsWith('fazhi: '))).toEqual(
      sources.err.split('\n').filter((line) => !line.startsWith('fazhi: ')),
    );
  }, 60_000);
});
