// The review round-trip through the local pipeline: reports uploaded and scored, the workbook exported, filled in by
// another xlsx writer (SheetJS) and uploaded to reviews/{year}/{county}/ → S3 event → review queue → review handler →
// append-only review items in DynamoDB and exports/…/final-….xlsx. Then refusals, a re-upload that changes a score
// (the review items stay; the changed one needs another look), and `fazhi status`/`fazhi export` on the result.
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { finalExportKey, reviewUploadKey } from '../../schemas/review.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { uploadKey } from '../../schemas/storage.ts';
import { runExport } from '../../functions/export/export.ts';
import { silentLogger } from '../../functions/shared/log.ts';
import { ReviewRecords, type ReviewHistory } from '../../functions/shared/review-records.ts';
import { XLSX_CONTENT_TYPE } from '../../functions/export/export.ts';
import { waitForUploads } from '../../cli/local/wait.ts';
import { contentTypeOf } from '../../cli/uploads.ts';
import { COLUMNS, SHEETS } from '../../pipeline/workbook/keys.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { fillWithSheetJS } from '../helpers/review.ts';
import { connectTo, fazhiAgainst, sample, uniqueCounty } from './support.ts';

const pipeline = connectTo('pipeline');
const reviews = new ReviewRecords(pipeline.table);
const SAMPLES = ['望江镇2024年法治政府建设情况报告.docx', '青石镇2024年度法治政府建设工作情况的报告.txt', '石门镇2024年法治政府建设工作报告.txt'];
const exportDeps = { store: pipeline.store, records: pipeline.records, log: silentLogger, urlTtlSeconds: 60 };

async function upload(county: string, names: readonly string[], as?: (name: string) => string): Promise<void> {
  const since = Date.now();
  const keys = names.map((name) => uploadKey(2024, county, as ? as(name) : name));
  for (const [i, name] of names.entries()) await pipeline.store.put(keys[i]!, await sample(name), { contentType: contentTypeOf(name) });
  const outcome = await waitForUploads(
    pipeline.records,
    keys.map((key) => ({ key, year: 2024, county })),
    { since, idle: () => false, stallMs: 40_000, pollMs: 50 },
  );
  expect(outcome.stuck).toEqual([]);
}

/** Uploads a reviewed workbook and waits for its round to be recorded. */
async function review(county: string, name: string, bytes: Uint8Array, year = 2024): Promise<ReviewHistory> {
  const before = (await reviews.history(year, county)).rounds.length;
  await pipeline.store.put(reviewUploadKey(year, county, name), bytes, { contentType: XLSX_CONTENT_TYPE });
  const deadline = Date.now() + 40_000;
  for (;;) {
    const history = await reviews.history(year, county);
    if (history.rounds.length > before) return history;
    if (Date.now() > deadline) throw new Error(`no review round recorded for ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const cli = (...argv: string[]) => fazhiAgainst(argv);

describe('the review round-trip through the local pipeline', () => {
  let county: string;
  let machineBook: Uint8Array;
  let scoresBefore: string;
  let ranked: ScoreResult[];

  beforeAll(async () => {
    county = uniqueCounty('复核');
    await upload(county, SAMPLES);
    const exported = await runExport(exportDeps, { year: 2024, county });
    ranked = exported.results;
    machineBook = (await pipeline.store.get(exported.key)).bytes;
    scoresBefore = JSON.stringify((await pipeline.records.partition(2024, county)).scores);
  }, 120_000);

  it('applies a SheetJS-saved review: one DynamoDB item per change, the score items untouched, the final workbook written', async () => {
    // Prepare: +2 on the second unit, and one indicator of the third raised to 1.
    const third = ranked[2]!;
    const indicator = third.dimensions.flatMap((d) => d.indicators).find((i) => i.score === 0 && i.max >= 1)!;
    const filled = fillWithSheetJS(machineBook, [
      { key: 'R1', column: COLUMNS.adjustment, value: 2 },
      { key: 'R1', column: COLUMNS.reason, value: '补充材料证明已公开' },
      { key: 'R1', column: COLUMNS.reviewer, value: '张三' },
      { sheet: SHEETS.evidence, key: `R2.I:${indicator.id}`, column: COLUMNS.adjusted, value: 1 },
      { sheet: SHEETS.evidence, key: `R2.I:${indicator.id}`, column: COLUMNS.reason, value: '附件有应急预案' },
      { sheet: SHEETS.evidence, key: `R2.I:${indicator.id}`, column: COLUMNS.reviewer, value: '李四' },
    ]);
    // Act
    const history = await review(county, '复核-张三.xlsx', filled);
    // Assess
    expect(history.rounds.map((r) => r.status)).toEqual(['applied']);
    const round = history.rounds[0]!;
    expect(round).toMatchObject({
      workbookKey: reviewUploadKey(2024, county, '复核-张三.xlsx'),
      changes: 2,
      reviewers: ['张三', '李四'],
      finalKey: finalExportKey(2024, county, bundledRubricFor(2024).rubric.version),
    });
    expect(history.changes.map((c) => [c.unit, c.target.kind, c.from, c.to, c.reason, c.reviewer, c.round])).toEqual([
      [ranked[1]!.township, 'total', ranked[1]!.total, Math.round((ranked[1]!.total + 2) * 100) / 100, '补充材料证明已公开', '张三', round.sk],
      [third.township, 'indicator', 0, 1, '附件有应急预案', '李四', round.sk],
    ]);
    expect(JSON.stringify((await pipeline.records.partition(2024, county)).scores)).toBe(scoresBefore);

    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from((await pipeline.store.get(round.finalKey!)).bytes) as unknown as ExcelJS.Buffer);
    const log = book.getWorksheet(SHEETS.log)!;
    expect(log.rowCount).toBeGreaterThanOrEqual(3);
    const sheet = book.getWorksheet(SHEETS.ranking)!;
    const header = (sheet.getRow(1).values as unknown[]).map(String);
    const row = [2, 3, 4].map((n) => sheet.getRow(n)).find((r) => r.getCell(header.indexOf('单位')).value === ranked[1]!.township)!;
    expect([row.getCell(header.indexOf(COLUMNS.machine)).value, row.getCell(header.indexOf(COLUMNS.adjustment)).value]).toEqual([ranked[1]!.total, 2]);
  });

  it('refuses a workbook with a change but no reason (row and reason recorded), and one of another county·year; nothing applied', async () => {
    const noReason = fillWithSheetJS(machineBook, [
      { key: 'R0', column: COLUMNS.adjustment, value: -1 },
      { key: 'R0', column: COLUMNS.reviewer, value: '王五' },
    ]);
    const history = await review(county, '复核-王五.xlsx', noReason);
    const refused = history.rounds.at(-1)!;
    expect(refused.status).toBe('refused');
    expect(refused.refusals.map((r) => r.message)).toEqual(['第 2 行：调整分不为 0 时必须填写调整理由']);
    expect(history.changes).toHaveLength(2);

    const elsewhere = await review(county, '放错.xlsx', machineBook, 2023);
    expect(elsewhere.rounds.at(-1)!.refusals[0]!.message).toMatch(new RegExp(`这份工作簿属于“${county} 2024年度”，却上传到了 ${county} 2023年度`, 'u'));
  });

  it('after a re-upload re-scores a unit, the review items stay, the changed one needs another look, and the old workbook is refused', async () => {
    // Prepare: the upload of the unit whose total was adjusted is replaced by another report (its scores change).
    const name = ranked[1]!.source.split('/').pop()!;
    await upload(county, ['龙口乡2024年法治政府建设工作总结.txt'], () => name);
    // Act
    const status = await cli('status', '--year', '2024', '--county', county, '--json');
    const stale = await review(
      county,
      '复核-张三-再次.xlsx',
      fillWithSheetJS(machineBook, [
        { key: 'R1', column: COLUMNS.adjustment, value: 1 },
        { key: 'R1', column: COLUMNS.reason, value: '再次调整' },
        { key: 'R1', column: COLUMNS.reviewer, value: '张三' },
      ]),
    );
    // Assess
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.out) as { review: { state: string; changes: unknown[]; needsAnotherLook: { unit: string; why: string }[] } };
    expect(parsed.review.state).toBe('needs-another-look');
    expect(parsed.review.changes).toHaveLength(2);
    expect(parsed.review.needsAnotherLook.map((s) => s.why).join()).toMatch(/重新评分/u);
    expect(stale.changes).toHaveLength(2);
    expect(stale.rounds.at(-1)!.refusals[0]!.message).toContain('机器评分已经变化');
    const human = await cli('status', '--year', '2024', '--county', county);
    expect(human.out).toContain('复核：已生效');
    expect(human.out).toContain('需要重新复核');
  });

  it('fazhi export of a county·year with no uploads says which county·years exist', async () => {
    const { code, err } = await cli('export', '--year', '2024', '--county', `${county}X`);
    expect(code).toBe(2);
    expect(err).toContain(`${county}X 2024年度没有任何上传的报告`);
    expect(err).toContain(`${county} 2024年度`);
  });
});
