// Book.row writes the XML of a row of plain values itself (book.ts): the workbook must be, byte for byte in every part,
// the one exceljs writes when every row goes through its Row and Cell objects. Three workbooks cover what the sheets
// write: a county's (merged notes, feedback lines, a pending copy item, data validations on the review form), one of
// several counties (全省排名), and a reviewed final workbook (复核记录, prefilled adjustments).
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScoreResult } from '../../../schemas/score.ts';
import { runScore } from '../../../cli/commands/score.ts';
import { inflateZipEntry, readZipDirectory } from '../../../pipeline/extract/zip.ts';
import { finalWorkbookInput, reviewWorkbook } from '../../../pipeline/review/index.ts';
import { rankResults } from '../../../pipeline/rank/index.ts';
import { workbookBuffer, type WorkbookInput } from '../../../pipeline/workbook/index.ts';
import { COLUMNS, SHEETS } from '../../../pipeline/workbook/keys.ts';
import { rubric2024, SAMPLES_DIR } from '../../helpers/reports.ts';
import { fillWithSheetJS, withPendingCopy } from '../../helpers/review.ts';
import { samplesWorkbookInput } from '../../helpers/workbook.ts';

/** Every part of the zip (name → text), in the order written. */
function partsOf(bytes: Buffer): Map<string, string> {
  const parts = new Map<string, string>();
  for (const entry of readZipDirectory(bytes, 10_000).entries)
    parts.set(entry.name, Buffer.from(inflateZipEntry(bytes, entry, 512 * 1024 * 1024)).toString('utf8'));
  return parts;
}

async function bothWays(input: WorkbookInput): Promise<{ direct: Map<string, string>; exceljs: Map<string, string> }> {
  return { direct: partsOf(await workbookBuffer(input, { rows: 'direct' })), exceljs: partsOf(await workbookBuffer(input, { rows: 'exceljs' })) };
}

let county: WorkbookInput;

beforeAll(async () => {
  const run = await runScore([SAMPLES_DIR], {});
  const scored = run.results.filter((r) => r.year === 2024);
  const results = withPendingCopy(
    scored,
    scored.findIndex((r) => r.township === '澜滨街道'),
  );
  county = samplesWorkbookInput(results, run.failures);
});

describe('rows written directly (Book.row)', () => {
  it('make the same workbook as exceljs for a county: every part, byte for byte', async () => {
    // Act
    const { direct, exceljs } = await bothWays(county);
    // Assess
    expect([...direct.keys()]).toEqual([...exceljs.keys()]);
    for (const [name, text] of exceljs) expect(direct.get(name), name).toBe(text);
    // The workbook has what the direct rows must get right: merged lines, empty and numeric cells, validations.
    const sheets = [...exceljs.entries()].filter(([name]) => name.startsWith('xl/worksheets/sheet')).map(([, text]) => text);
    expect(sheets.some((xml) => xml.includes('<mergeCell '))).toBe(true);
    expect(sheets.some((xml) => xml.includes('<dataValidation '))).toBe(true);
    expect(sheets.some((xml) => /<c r="[A-Z]+\d+" s="\d+"\/>/u.test(xml))).toBe(true);
    expect(sheets.some((xml) => /<v>-?\d+\.\d+<\/v>/u.test(xml))).toBe(true);
  });

  it('make the same workbook as exceljs for several counties and for a reviewed final workbook', async () => {
    // Prepare: the county's results again as a second county's; a review that adjusts one total and confirms the copy.
    const other: ScoreResult[] = (county.results as ScoreResult[]).map((r) => ({
      ...r,
      source: `${r.source}#2`,
      reportId: `${r.reportId}-2`,
      county: '青川县',
    }));
    const province: WorkbookInput = {
      ...county,
      results: rankResults([...(county.results as ScoreResult[]), ...other], rubric2024.rubric),
      scope: '2024年度',
      scopeKey: { county: null, year: 2024 },
    };
    const machine = await workbookBuffer(county);
    const pending = (county.results as ScoreResult[]).findIndex((r) => (r.pending ?? []).length > 0);
    const filled = fillWithSheetJS(machine, [
      { key: 'R0', column: COLUMNS.adjustment, value: -2 },
      { key: 'R0', column: COLUMNS.reason, value: '核实原文后调整' },
      { key: 'R0', column: COLUMNS.reviewer, value: '张三' },
      { key: `R${pending}.D:${(county.results as ScoreResult[])[pending]!.pending![0]!.id}`, column: COLUMNS.decision, value: '确认' },
      { key: `R${pending}.D:${(county.results as ScoreResult[])[pending]!.pending![0]!.id}`, column: COLUMNS.reviewer, value: '李四' },
    ]);
    const meta = { at: '2025-04-12T02:00:00.000Z', workbook: '临澜县2024复核.xlsx' };
    const outcome = await reviewWorkbook(filled, meta);
    expect(outcome.refusals).toEqual([]);
    // Act
    const several = await bothWays(province);
    const final = await bothWays(finalWorkbookInput(outcome, meta));
    // Assess
    for (const { direct, exceljs } of [several, final]) {
      expect([...direct.keys()]).toEqual([...exceljs.keys()]);
      for (const [name, text] of exceljs) expect(direct.get(name), name).toBe(text);
    }
    expect([...final.exceljs.keys()].length).toBeGreaterThan(5);
    expect(final.exceljs.get('xl/workbook.xml')).toContain(SHEETS.log);
  });
});
