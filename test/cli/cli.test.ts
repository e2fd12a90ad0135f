import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScoreRun } from '../../schemas/score.ts';
import { NormalizedReport, UNSPECIFIED_COUNTY } from '../../schemas/report.ts';
import { main } from '../../cli/main.ts';
import { listInputs } from '../../cli/inputs.ts';
import { haveSeeds, ROOT, SAMPLES_DIR, SEEDS_DIR } from '../helpers/reports.ts';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('fazhi (in-process)', () => {
  it('prints help with exit 0, and exits 2 on no command or an unknown one', async () => {
    expect((await run('--help')).code).toBe(0);
    expect((await run('score', '--help')).out).toContain('用法：fazhi score');
    expect((await run()).code).toBe(2);
    const unknown = await run('sore');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('未知命令');
    const badFlag = await run('score', '--colour', 'samples');
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).not.toMatch(/\n\s+at /u);
  });

  it('score --json: every input file appears exactly once, in results or failures, results in rank order', async () => {
    const { code, out } = await run('score', SAMPLES_DIR, '--json');
    expect(code).toBe(0);
    const parsed = ScoreRun.parse(JSON.parse(out));
    const inputs = await listInputs([SAMPLES_DIR]);
    expect(parsed.results.length + parsed.failures.length).toBe(inputs.length);
    expect(new Set(parsed.results.map((r) => r.source)).size).toBe(parsed.results.length);
    const group = parsed.results.filter((r) => r.year === 2024 && r.rankGroup === 'township');
    expect(group.map((r) => r.rank)).toEqual(group.map((_, i) => i + 1));
    expect(group.map((r) => r.total)).toEqual([...group.map((r) => r.total)].sort((a, b) => b - a));
  });

  it('bad input never crashes a run: empty and junk files land in failures with reasons, exit 1, the good one scores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-cli-'));
    writeFileSync(join(dir, '空文件.txt'), '');
    writeFileSync(join(dir, 'junk.docx'), Buffer.from([0x00, 0xff, 0x13, 0x37, 0x00, 0x00, 0x9a, 0x01, ...new Array<number>(200).fill(0)]));
    copyFileSync(join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt'), join(dir, '石门镇.txt'));
    const { code, out, err } = await run('score', dir, '--json');
    expect(code).toBe(1);
    const parsed = ScoreRun.parse(JSON.parse(out));
    expect(parsed.results.map((r) => r.township)).toEqual(['石门镇']);
    expect(parsed.failures.map((f) => f.code).sort()).toEqual(['empty', 'not-a-report']);
    for (const failure of parsed.failures) expect(failure.message).toMatch(/[\u4e00-\u9fff]/u);
    expect(err).toContain('2 个文件未能评分');
  });

  it('score --out writes a workbook and prints the ranking table', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fazhi-cli-')), 'ranking.xlsx');
    const result = await run(
      'score',
      join(SAMPLES_DIR, '望江镇2024年法治政府建设情况报告.docx'),
      join(SAMPLES_DIR, '龙口乡2024年法治政府建设工作总结.txt'),
      '--out',
      out,
    );
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/1\s+望江镇/u);
    expect(readFileSync(out).subarray(0, 2).toString()).toBe('PK');
  });

  it('a folder of one county’s reports that never name their county gives one ranking 1..N; --county puts every result in it', async () => {
    // Prepare: the 2024 township samples with their county's name removed, and the phrases that used to be read as
    // county names (坚决落实县委…, 认真落实县委全面依法治县委员会) in every opening.
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-county-'));
    const names = readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.txt'));
    for (const name of names) {
      const text = readFileSync(join(SAMPLES_DIR, name), 'utf8').replaceAll('中共临澜县委、临澜县人民政府', '县委、县政府').replaceAll('临澜县', '');
      writeFileSync(join(dir, name), text.replace(/^2024年[，,]/mu, '2024年，我们坚决落实县委、县政府决策部署，认真落实县委全面依法治县委员会工作要点，'));
    }
    // Act
    const parsed = JSON.parse((await run('parse', dir, '--json')).out) as NormalizedReport[];
    const plain = ScoreRun.parse(JSON.parse((await run('score', dir, '--json')).out));
    const filed = ScoreRun.parse(JSON.parse((await run('score', dir, '--json', '--county', '临澜县')).out));
    // Assess
    expect(parsed.map((r) => r.meta.county)).toEqual(names.map(() => null));
    for (const results of [plain.results, filed.results]) {
      expect(results.length).toBe(names.length);
      expect(new Set(results.map((r) => `${r.county}|${r.year}|${r.rankGroup}`)).size).toBe(1);
      expect(results.map((r) => r.rank)).toEqual(names.map((_, i) => i + 1));
    }
    expect(plain.results.every((r) => r.county === UNSPECIFIED_COUNTY)).toBe(true);
    expect(filed.results.every((r) => r.county === '临澜县' && r.year === 2024)).toBe(true);
    expect(filed.results.flatMap((r) => r.flags.filter((f) => f.code === 'meta-mismatch'))).toEqual([]);
  });

  it('--county and --year win over a folder sidecar; the text that disagrees is flagged, never a new group', async () => {
    // Prepare: a sidecar says another county; one report's text names a real county.
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-county-'));
    writeFileSync(join(dir, 'fazhi.meta.json'), JSON.stringify({ county: '别的县', year: 2023 }));
    copyFileSync(join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt'), join(dir, '石门镇.txt'));
    writeFileSync(
      join(dir, '沙河镇.txt'),
      readFileSync(join(SAMPLES_DIR, '青石镇2024年度法治政府建设工作情况的报告.txt'), 'utf8').replaceAll('临澜县', '建宁县').replaceAll('青石', '沙河'),
    );
    // Act
    const { results } = ScoreRun.parse(JSON.parse((await run('score', dir, '--json', '--county', '临澜县', '--year', '2024')).out));
    // Assess
    expect(results.map((r) => [r.county, r.year, r.rank])).toEqual([
      ['临澜县', 2024, 1],
      ['临澜县', 2024, 2],
    ]);
    const mismatch = results.find((r) => r.township === '沙河镇')!.flags.find((f) => f.code === 'meta-mismatch');
    expect(mismatch?.message).toContain('建宁县');
  });

  it('parse --json prints a NormalizedReport', async () => {
    const { code, out } = await run('parse', join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt'), '--json');
    expect(code).toBe(0);
    expect(NormalizedReport.parse(JSON.parse(out)).meta.township).toBe('石门镇');
  });

  it('rubric check names the JSON path of a mistake and exits 1; rubric schema writes the JSON Schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-cli-'));
    const broken = JSON.parse(readFileSync(join(ROOT, 'scoring-rules/2024.json'), 'utf8')) as { dimensions: { indicators: { max: unknown }[] }[] };
    broken.dimensions[2]!.indicators[0]!.max = 'three';
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
    const check = await run('rubric', 'check', join(dir, 'broken.json'));
    expect(check.code).toBe(1);
    expect(check.err).toContain('dimensions[2].indicators[0].max');
    expect((await run('rubric', 'check', join(ROOT, 'scoring-rules/2024.json'))).code).toBe(0);
    const schema = await run('rubric', 'schema', '--out', join(dir, 'schema.json'));
    expect(schema.code).toBe(0);
    expect((JSON.parse(readFileSync(join(dir, 'schema.json'), 'utf8')) as { properties: { dimensions: { type: unknown } } }).properties.dimensions.type).toBe(
      'array',
    );
  });

  it('rubric explain says, indicator by indicator, why a report got its score', async () => {
    const { code, out } = await run(
      'rubric',
      'explain',
      '--rubric',
      join(ROOT, 'scoring-rules/2024.json'),
      join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt'),
    );
    expect(code).toBe(0);
    expect(out).toContain('D3 依法决策与合法性审查');
    // Evidence is located by part, heading and paragraph, never by character offset.
    expect(out).toMatch(/「.+」（[一二三四五六七八九十].*第\d+段）/u);
    expect(out).not.toMatch(/第 \d+ 字/u);
  });
});

describe('the installed command', () => {
  it('runs as `npx fazhi` right after npm ci, with no build step', () => {
    const result = spawnSync('npx', ['--no-install', 'fazhi', 'score', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('用法：fazhi score');
  });

  it.skipIf(!haveSeeds)('`npx fazhi score ../shared/seeds --json` gets township and year right for all five seeds', () => {
    const result = spawnSync('node', [join(ROOT, 'bin/fazhi.js'), 'score', SEEDS_DIR, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(0);
    const run = ScoreRun.parse(JSON.parse(result.stdout));
    expect(run.failures).toEqual([]);
    expect(run.results.map((r) => [r.township, r.year]).sort()).toEqual(
      [
        ['双柳树镇', 2024],
        ['均口镇', 2023],
        ['渤海镇', 2024],
        ['明通镇', 2024],
        ['沙窝镇', 2023],
      ].sort(),
    );
    for (const r of run.results) {
      for (const indicator of r.dimensions.flatMap((d) => d.indicators)) {
        if (indicator.score > 0 && !indicator.id.startsWith('D1.submitted') && !indicator.id.startsWith('D1.published'))
          expect(indicator.evidence.length).toBeGreaterThan(0);
      }
    }
  });
});
