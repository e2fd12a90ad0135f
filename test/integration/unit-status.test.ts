// Uploads into unit folders (what the upload pages write) through the local pipeline: the status object each unit's
// page reads, the unit folder checked against the report's own unit, and a unit's re-upload replacing its earlier
// one in the export.
import ExcelJS from 'exceljs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unitStatusKey } from '../../schemas/storage.ts';
import { UnitStatus } from '../../schemas/unit-status.ts';
import { runExport } from '../../functions/export/export.ts';
import { unlessMissing } from '../helpers/objects.ts';
import { silentLogger } from '../../functions/shared/log.ts';
import { makeScannedPdf } from '../../scripts/handmade-pdf.ts';
import { unitReportKey } from '../../cli/invite/forms.ts';
import { SHEETS } from '../../pipeline/workbook/keys.ts';
import { cellText } from '../helpers/cells.ts';
import { connectTo, fazhiAgainst, sample, uniqueCounty } from './support.ts';

const pipeline = connectTo('pipeline');
const WAIT_MS = 40_000;

const unitStatus = (county: string, unit: string): Promise<UnitStatus | null> =>
  unlessMissing(() => pipeline.store.getJson(unitStatusKey(2024, county, unit), UnitStatus));

/** Polls the unit's status object until `done` holds (the pipeline runs in the global setup's queues). */
async function statusWhen(county: string, unit: string, done: (status: UnitStatus) => boolean): Promise<UnitStatus> {
  const deadline = Date.now() + WAIT_MS;
  let last: UnitStatus | null = null;
  while (Date.now() < deadline) {
    last = await unitStatus(county, unit);
    if (last && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`status of ${unit} never matched; last seen ${JSON.stringify(last)}`);
}

const put = (key: string, bytes: Uint8Array | string, contentType: string) => pipeline.store.put(key, bytes, { contentType });

describe('the status object of a unit folder', () => {
  it('ends scored for a good report, and says nothing of its score', async () => {
    // Prepare
    const county = uniqueCounty('状态');
    const key = unitReportKey(2024, county, '望江镇', '.docx');
    // Act
    await put(key, await sample('望江镇2024年法治政府建设情况报告.docx'), 'application/octet-stream');
    const status = await statusWhen(county, '望江镇', (s) => s.state === 'scored');
    // Assess
    expect(status).toMatchObject({ year: 2024, county, unit: '望江镇', state: 'scored', file: '望江镇2024年度法治政府建设报告.docx' });
    expect(status.bytes).toBeGreaterThan(1000);
    expect(Object.keys(status).sort()).toEqual(['bytes', 'county', 'file', 'receivedAt', 'state', 'unit', 'updatedAt', 'year']);
    const raw = Buffer.from((await pipeline.store.get(unitStatusKey(2024, county, '望江镇'))).bytes).toString('utf8');
    expect(raw).not.toMatch(/total|grade|score"|rank|得分|等次/u);
  });

  it('ends failed with the reason the clerk must act on for a scanned PDF; the re-upload in Word then counts, the PDF is superseded', async () => {
    // Prepare
    const county = uniqueCounty('重传');
    const pdf = unitReportKey(2024, county, '河湾镇', '.pdf');
    const txt = unitReportKey(2024, county, '河湾镇', '.txt');
    // Act: the scanned PDF first
    await put(pdf, makeScannedPdf(2), 'application/pdf');
    const failed = await statusWhen(county, '河湾镇', (s) => s.state === 'failed');
    // …then the same report as text
    await put(txt, await sample('河湾镇2024年法治政府建设情况报告.txt'), 'text/plain');
    const scored = await statusWhen(county, '河湾镇', (s) => s.state === 'scored');
    const run = await runExport({ ...pipeline, log: silentLogger, urlTtlSeconds: 60 }, { year: 2024, county });
    // Assess
    expect(failed.reason?.code).toBe('scanned-pdf');
    expect(failed.reason?.message).toMatch(/^扫描件，无文字层 — 请上传 Word 文件/u);
    expect(failed.file).toBe('河湾镇2024年度法治政府建设报告.pdf');
    expect(scored).toMatchObject({ file: '河湾镇2024年度法治政府建设报告.txt' });
    expect(scored.reason).toBeUndefined();
    expect(run.results.map((r) => r.source)).toEqual([txt]);
    expect(run.failures).toEqual([]);
    expect(run.superseded).toEqual([{ source: pdf, by: txt }]);
    // …and the workbook the assessor signs says so: on 排名, and the PDF in 处理异常 with what replaced it.
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await pipeline.store.get(run.key)).bytes as unknown as ExcelJS.Buffer);
    const texts = (sheet: string): string[] => {
      const out: string[] = [];
      book.getWorksheet(sheet)!.eachRow((row) => row.eachCell((cell) => void out.push(cellText(cell.value))));
      return out;
    };
    // (the sign-off block is one cell, a line each)
    expect(texts(SHEETS.ranking).flatMap((text) => text.split('\n'))).toContain('未列入本表：1 个文件已被本单位后来上传的文件取代（逐一见“处理异常”表）。');
    // `fazhi export` says so too.
    const exported = await fazhiAgainst([
      'export',
      '--year',
      '2024',
      '--county',
      county,
      '--out',
      join(mkdtempSync(join(tmpdir(), 'fazhi-superseded-')), 'ranking.xlsx'),
    ]);
    expect(exported.code).toBe(0);
    expect(exported.out).toContain('1 个文件已被本单位后来上传的文件取代，不参与排名（工作簿“处理异常”表逐一列出）。');
    expect(texts(SHEETS.failures)).toEqual(
      expect.arrayContaining([
        '河湾镇2024年度法治政府建设报告.pdf',
        '本单位后来又上传了“河湾镇2024年度法治政府建设报告.txt”，排名以后上传的为准；此文件未参与排名，原文件仍保存。',
        pdf,
        'superseded',
      ]),
    );
  });

  it('keeps showing the newest upload when an older one of the unit finishes later', async () => {
    // Prepare: two formats of one unit; the newer (.txt) is uploaded once the older is fully processed
    const county = uniqueCounty('较旧');
    const docx = unitReportKey(2024, county, '望江镇', '.docx');
    const txt = unitReportKey(2024, county, '望江镇', '.txt');
    await put(docx, await sample('望江镇2024年法治政府建设情况报告.docx'), 'application/octet-stream');
    await statusWhen(county, '望江镇', (s) => s.state === 'scored' && s.file.endsWith('.docx'));
    await put(txt, '望江镇2024年法治政府建设情况报告', 'text/plain');
    const newest = await statusWhen(county, '望江镇', (s) => s.file.endsWith('.txt') && (s.state === 'failed' || s.state === 'scored'));
    // Act: the older upload is rescored (as a rubric change would), which marks it scored again
    const { makeUnitStatusWriter } = await import('../../functions/shared/unit-status.ts');
    await makeUnitStatusWriter({ ...pipeline, log: silentLogger }).record(docx, 'scored');
    // Assess
    expect(await unitStatus(county, '望江镇')).toEqual(newest);
  });
});

describe("the unit folder against the report's own unit", () => {
  it("flags a report filed from another unit's page for the assessor, and keeps its score", async () => {
    // Prepare: 望江镇's report uploaded through 石门镇's page
    const county = uniqueCounty('错传');
    const key = unitReportKey(2024, county, '石门镇', '.docx');
    // Act
    await put(key, await sample('望江镇2024年法治政府建设情况报告.docx'), 'application/octet-stream');
    await statusWhen(county, '石门镇', (s) => s.state === 'scored');
    const run = await runExport({ ...pipeline, log: silentLogger, urlTtlSeconds: 60 }, { year: 2024, county });
    // Assess
    const [result] = run.results;
    expect(result?.township).toBe('望江镇');
    expect(result?.flags).toContainEqual(
      expect.objectContaining({ code: 'meta-mismatch', severity: 'warning', message: expect.stringContaining('“石门镇”的上传页面') as string }),
    );
    expect(result?.total).toBeGreaterThan(0);
  });
});
