import { describe, expect, it } from 'vitest';
import { parseUploadKey, unitFolderPrefix, unitStatusKey } from '../../schemas/storage.ts';
import { currentUploads, unitFolderOf, unitFolderWarning, unitNameKey } from '../../pipeline/unit-folder.ts';

describe('unit folders in the upload key', () => {
  it('reads the unit from reports/{year}/{county}/{unit}/{file}, and none from a file directly under the county', () => {
    // Prepare
    const fromPage = 'reports/2024/青川县/乔庄镇/乔庄镇2024年度法治政府建设报告.docx';
    const fromCli = 'reports/2024/青川县/乔庄镇2024年度报告.docx';
    // Act
    const page = parseUploadKey(fromPage);
    const cli = parseUploadKey(fromCli);
    // Assess
    expect(page).toEqual({ key: fromPage, year: 2024, county: '青川县', name: '乔庄镇/乔庄镇2024年度法治政府建设报告.docx', unit: '乔庄镇' });
    expect(cli).toEqual({ key: fromCli, year: 2024, county: '青川县', name: '乔庄镇2024年度报告.docx' });
    expect(fromPage.startsWith(unitFolderPrefix(2024, '青川县', '乔庄镇'))).toBe(true);
    expect(unitStatusKey(2024, '青川县', '乔庄镇')).toBe('status/2024/青川县/乔庄镇.json');
    expect(unitFolderOf(fromPage)).toBe('2024/青川县/乔庄镇');
    expect(unitFolderOf(fromCli)).toBeNull();
  });
});

describe("the unit folder against the report's own unit", () => {
  it('accepts the same unit however the report writes its body (人民政府, 党委, 中共…委员会, the county prefix, traditional characters)', () => {
    // Prepare
    const written = ['乔庄镇', '乔庄镇人民政府', '中共乔庄镇委员会', '青川县乔庄镇', '喬莊鎮'];
    // Act
    const warnings = written.map((name) => unitFolderWarning('乔庄镇', name, '青川县'));
    // Assess
    expect(warnings).toEqual([null, null, null, null, null]);
    expect(unitFolderWarning('司法局', '青川县司法局', '青川县')).toBeNull();
    expect(unitFolderWarning('县司法局', '青川县司法局', '青川县')).toBeNull();
    expect(unitFolderWarning('城北街道', '城北街道办事处', '青川县')).toBeNull();
  });

  it("warns when the report names another unit, keeps a department's 委员会, and says nothing when the text names no unit", () => {
    // Prepare / Act
    const other = unitFolderWarning('乔庄镇', '竹园镇', '青川县');
    // Assess
    expect(other).toEqual({ code: 'meta-mismatch:unit', message: expect.stringContaining('“竹园镇”') as string });
    expect(other?.message).toContain('乔庄镇');
    expect(unitNameKey('青川县卫生健康委员会', '青川县')).toBe('卫生健康委员会');
    expect(unitFolderWarning('卫生健康局', '青川县卫生健康委员会', '青川县')?.code).toBe('meta-mismatch:unit');
    expect(unitFolderWarning('乔庄镇', null, '青川县')).toBeNull();
  });
});

describe('a unit that uploads again', () => {
  const upload = (sourceKey: string, uploadedAt: string) => ({ sourceKey, uploadedAt });

  it('counts only the newest upload of each unit folder; uploads outside unit folders all count', () => {
    // Prepare: 乔庄镇 sent a scanned PDF, then the Word file; 竹园镇 once; one file uploaded with the CLI
    const pdf = upload('reports/2024/青川县/乔庄镇/乔庄镇2024年度法治政府建设报告.pdf', '2025-01-10T08:00:00.000Z');
    const docx = upload('reports/2024/青川县/乔庄镇/乔庄镇2024年度法治政府建设报告.docx', '2025-01-10T09:30:00.000Z');
    const zhuyuan = upload('reports/2024/青川县/竹园镇/竹园镇2024年度法治政府建设报告.docx', '2025-01-09T08:00:00.000Z');
    const cli = upload('reports/2024/青川县/司法局2024年度报告.docx', '2025-01-01T00:00:00.000Z');
    // Act
    const { current, superseded } = currentUploads([docx, cli, pdf, zhuyuan]);
    // Assess
    expect(current).toEqual([docx, cli, zhuyuan]);
    expect(superseded).toEqual([{ upload: pdf, by: docx }]);
  });

  it('breaks a same-millisecond tie by key, whatever the input order', () => {
    // Prepare
    const a = upload('reports/2024/青川县/乔庄镇/a.docx', '2025-01-10T08:00:00.000Z');
    const b = upload('reports/2024/青川县/乔庄镇/b.pdf', '2025-01-10T08:00:00.000Z');
    // Act / Assess
    expect(currentUploads([a, b]).current).toEqual([b]);
    expect(currentUploads([b, a]).current).toEqual([b]);
  });
});
