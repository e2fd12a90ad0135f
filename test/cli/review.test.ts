import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { ReviewOutput } from '../../schemas/review.ts';
import { main } from '../../cli/main.ts';
import { COLUMNS, SHEETS } from '../../pipeline/workbook/keys.ts';
import { cellText } from '../helpers/cells.ts';
import { ROOT } from '../helpers/reports.ts';
import { fillWithSheetJS } from '../helpers/review.ts';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'review', '临澜县2024-复核-LibreOffice.xlsx');

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('fazhi review (in-process)', () => {
  it('applies a LibreOffice-saved review: exit 0, --json in final rank order with total and machineTotal, the final workbook', async () => {
    // Prepare
    const out = join(mkdtempSync(join(tmpdir(), 'fazhi-review-')), '定稿.xlsx');
    // Act
    const { code, out: stdout } = await run('review', FIXTURE, '--out', out, '--json');
    // Assess
    expect(code).toBe(0);
    const { results } = ReviewOutput.parse(JSON.parse(stdout));
    expect(results.map((r) => r.rank)).toEqual(results.map((_, i) => i + 1));
    expect(results.map((r) => r.total)).toEqual([...results.map((r) => r.total)].sort((a, b) => b - a));
    const qingshi = results.find((r) => r.township === '青石镇')!;
    expect(qingshi.total).toBe(Math.round((qingshi.machineTotal + 3) * 100) / 100);
    const shimen = results.find((r) => r.township === '石门镇')!;
    // The confirmed copy deduction (4) and the raised indicator (+1).
    expect(shimen.total).toBe(Math.round((shimen.machineTotal - 4 + 1) * 100) / 100);
    expect(shimen.changes.map((c) => c.reviewer).sort()).toEqual(['李四', '王五']);

    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(out);
    const ranking = book.getWorksheet(SHEETS.ranking)!;
    const header = (ranking.getRow(1).values as ExcelJS.CellValue[]).map(cellText);
    const [machine, adjustment, final] = [COLUMNS.machine, COLUMNS.adjustment, COLUMNS.final].map((h) => header.indexOf(h));
    // 机器得分 · 调整分 · 最终得分 side by side, in that order.
    expect([adjustment! - machine!, final! - adjustment!]).toEqual([1, 1]);
    const row = ranking.getRow(results.indexOf(qingshi) + 2);
    expect([row.getCell(machine!).value, row.getCell(adjustment!).value, row.getCell(final!).value]).toEqual([qingshi.machineTotal, 3, qingshi.total]);
    const log = book.getWorksheet(SHEETS.log)!;
    const lines: string[] = [];
    log.eachRow((r) => lines.push((r.values as ExcelJS.CellValue[]).map(cellText).join('|')));
    expect(lines[0]).toContain('单位|调整项目|原值|新值|理由|复核人|时间|来源工作簿');
    expect(lines.join('\n')).toContain('青石镇|总分调整|');
    expect(lines.join('\n')).toContain('附件证明获评省级法治示范镇|张三');
    expect(lines.join('\n')).toContain('临澜县2024-复核-LibreOffice.xlsx');
    expect(lines.join('\n')).toMatch(/（北京时间）/u);
  });

  it('exit 1 with each refused row in Chinese and nothing written; exit 2 for a file that is no workbook', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-review-'));
    const bad = join(dir, '复核.xlsx');
    writeFileSync(
      bad,
      fillWithSheetJS(readFileSync(FIXTURE), [
        { key: 'R0', column: COLUMNS.adjustment, value: -2 },
        { key: 'R0', column: COLUMNS.reviewer, value: '张三' },
      ]),
    );
    const out = join(dir, '定稿.xlsx');
    const refused = await run('review', bad, '--out', out);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('第 2 行：调整分不为 0 时必须填写调整理由');
    expect(refused.err).toContain('什么也没有应用');
    expect(() => readFileSync(out)).toThrow();

    const junk = join(dir, '报告.xlsx');
    writeFileSync(junk, '不是工作簿');
    const unusable = await run('review', junk, '--out', out);
    expect(unusable.code).toBe(2);
    expect(unusable.err).toContain('不是可以读取的 Excel 工作簿');
    expect((await run('review', FIXTURE)).code).toBe(2);
    expect((await run('review', '--help')).out).toContain('用法：fazhi review');
  });

  it('exit 2 with a reason, not an internal error, for a reviewed workbook an earlier version of the system wrote', async () => {
    // Prepare: a LibreOffice-saved review made with rubric 2024.1.0, whose format this version no longer reads.
    const out = join(mkdtempSync(join(tmpdir(), 'fazhi-review-')), '定稿.xlsx');
    // Act
    const { code, err } = await run('review', join(ROOT, 'test', 'fixtures', 'review', 'earlier-version-2024.1.0.xlsx'), '--out', out);
    // Assess
    expect(code).toBe(2);
    expect(err).toContain('早先版本的格式');
    expect(err).toContain('重新导出');
    expect(err).not.toContain('内部错误');
    expect(() => readFileSync(out)).toThrow();
  });
});
