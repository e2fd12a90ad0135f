import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScoreResult } from '../../../schemas/score.ts';
import { runScore } from '../../../cli/commands/score.ts';
import { displayWidth, workbookBuffer } from '../../../pipeline/workbook/index.ts';
import { rubric2024, SAMPLES_DIR } from '../../helpers/reports.ts';

let workbook: ExcelJS.Workbook;
let results: ScoreResult[];

beforeAll(async () => {
  const run = await runScore([SAMPLES_DIR], {});
  results = run.results;
  const failures = [{ source: 'reports/2024/临澜县/扫描件.pdf', code: 'scanned-pdf' as const, message: '扫描件，无文字层 — 请上传 Word 文件或可复制文字的 PDF', messageEn: 'PDF has no text layer' }];
  const buffer = await workbookBuffer({ results, failures, rubric: rubric2024, scope: '临澜县 2024年度', generatedAt: '2025-04-10T08:00:00.000Z' });
  workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ExcelJS.Buffer);
});

describe('the ranking workbook, read back with exceljs', () => {
  it('has the sheets an assessor needs, in Chinese', () => {
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['排名', '评分依据', '问题与预警', '处理异常', '评分细则']);
  });

  it('排名: one row per report in rank order, with a column per dimension', () => {
    const sheet = workbook.getWorksheet('排名')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 6)).toEqual(['排名组', '年度', '名次', '单位', '总分', '等次']);
    expect(header).toEqual(expect.arrayContaining(['类别', '县（区）', '名次说明', '来源文件', '评审意见']));
    // What an assessor signs is printed; the columns for sorting on screen are not.
    expect(sheet.pageSetup.printArea).toMatch(new RegExp(`^\\$?A\\$?1:\\$?${sheet.getColumn(header.indexOf('评审意见') + 1).letter}\\$?\\d+$`, 'u'));
    expect(header).toContain('D9 问题查摆与下年安排质量（7）');
    const unitColumn = header.indexOf('单位') + 1;
    const totalColumn = header.indexOf('总分') + 1;
    const rows = results.map((_, i) => sheet.getRow(i + 2));
    expect(rows.map((r) => r.getCell(unitColumn).value)).toEqual(results.map((r) => r.township));
    expect(rows.map((r) => r.getCell(totalColumn).value)).toEqual(results.map((r) => r.total));
  });

  it('every sheet freezes its header row, has an autofilter and prints landscape, fit to width, header repeated', () => {
    for (const sheet of workbook.worksheets) {
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(sheet.autoFilter).toBeTruthy();
      expect(sheet.pageSetup).toMatchObject({ orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1' });
    }
  });

  it('sizes columns for Chinese text, within limits', () => {
    const sheet = workbook.getWorksheet('排名')!;
    const unitWidth = sheet.getColumn(4).width ?? 0;
    expect(unitWidth).toBeGreaterThanOrEqual(displayWidth('澜滨街道'));
    expect(displayWidth('澜滨街道')).toBe(8);
    for (const column of sheet.columns) expect(column.width ?? 0).toBeLessThanOrEqual(70);
  });

  it('评分依据: every awarded indicator comes with the sentence that earned it', () => {
    const sheet = workbook.getWorksheet('评分依据')!;
    let awarded = 0;
    sheet.eachRow((row, index) => {
      if (index === 1) return;
      const [, , , dimension, indicator, score, , , evidence] = row.values as unknown[];
      if (typeof score === 'number' && score > 0 && !String(indicator).startsWith('D1.submitted') && !String(indicator).startsWith('D1.published')) {
        awarded++;
        expect(String(evidence ?? ''), `${dimension} ${indicator}`).toMatch(/^【.+】/u);
      }
    });
    expect(awarded).toBeGreaterThan(100);
  });

  it('处理异常 lists files that could not be scored, with the reason in Chinese and English', () => {
    const sheet = workbook.getWorksheet('处理异常')!;
    expect((sheet.getRow(2).values as unknown[]).slice(1)).toEqual(['reports/2024/临澜县/扫描件.pdf', 'scanned-pdf', '扫描件，无文字层 — 请上传 Word 文件或可复制文字的 PDF', 'PDF has no text layer']);
  });

  it('评分细则 records the rubric id, version and hash', () => {
    const sheet = workbook.getWorksheet('评分细则')!;
    const text: string[] = [];
    sheet.eachRow((row) => text.push((row.values as unknown[]).filter(Boolean).join(' ')));
    expect(text.join('\n')).toContain(rubric2024.sha256);
    expect(text.join('\n')).toContain('fazhi-2024');
  });
});
