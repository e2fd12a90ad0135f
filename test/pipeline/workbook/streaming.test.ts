// The workbook as a stream (pipeline/workbook/book.ts): backpressure from the sink, a sink that fails, results read one
// at a time (PackedResults), a workbook of several counties with 全省排名, and the feedback-sheet limit.
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScoreResult } from '../../../schemas/score.ts';
import { runScore } from '../../../cli/commands/score.ts';
import { rankResults } from '../../../pipeline/rank/index.ts';
import { FEEDBACK_SHEET_LIMIT, PackedResults, workbookBuffer, writeWorkbook, type ResultSource, type WorkbookInput } from '../../../pipeline/workbook/index.ts';
import { FEEDBACK_PREFIX, SHEETS } from '../../../pipeline/workbook/keys.ts';
import { ArrayResults } from '../../../pipeline/workbook/results.ts';
import { resultsDigest } from '../../../pipeline/workbook/provenance.ts';
import { WIDE_RANK_LABEL, wideOrder, wideRanks, type WideRankable } from '../../../pipeline/workbook/wide-rank.ts';
import { readReviewedWorkbook } from '../../../pipeline/review/read.ts';
import { cellText } from '../../helpers/cells.ts';
import { rubric2024, SAMPLES_DIR } from '../../helpers/reports.ts';
import { samplesWorkbookInput } from '../../helpers/workbook.ts';

/** Every cell of every sheet, as text, by sheet (what a reader sees; zip timestamps aside, the workbook). */
async function cellsOf(bytes: Uint8Array): Promise<Map<string, string[]>> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  const out = new Map<string, string[]>();
  for (const sheet of workbook.worksheets) {
    const rows: string[] = [];
    sheet.eachRow((row, n) => rows.push(`${n}:${JSON.stringify(row.values)}`));
    out.set(sheet.name, rows);
  }
  return out;
}

async function load(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  return workbook;
}

function column(sheet: ExcelJS.Worksheet, header: string): number {
  const headers: string[] = [];
  sheet.getRow(1).eachCell({ includeEmpty: true }, (cell, n) => (headers[n - 1] = cellText(cell.value)));
  const index = headers.indexOf(header);
  if (index < 0) throw new Error(`no column ${header} in ${sheet.name}: ${headers.join('|')}`);
  return index + 1;
}

/** `copies` copies of the results, each a distinct upload of the same county (sources and units made distinct). */
function copiesOf(results: readonly ScoreResult[], copies: number): ScoreResult[] {
  const out: ScoreResult[] = [];
  for (let c = 0; c < copies; c++) {
    for (const r of results) out.push({ ...r, source: `${r.source}#${c}`, reportId: `${r.reportId}-${c}`, township: `${r.township ?? '单位'}${c}` });
  }
  return rankResults(out, rubric2024.rubric);
}

let results: ScoreResult[];
let input: WorkbookInput;

beforeAll(async () => {
  const run = await runScore([SAMPLES_DIR], {});
  results = run.results.filter((r) => r.year === 2024);
  input = samplesWorkbookInput(results);
});

describe('the workbook written as a stream', () => {
  it('waits for a sink that takes nothing, instead of making the whole workbook in memory, and finishes once it takes', async () => {
    // Prepare: results that count how often the sheets read them, and a sink that holds every write until released.
    // Enough units (≈ 140, a feedback sheet each) that the workbook is many times what the streams between the writer
    // and the sink buffer: with a small one, a slow zlib on a busy machine lets the writer finish before the sink
    // has its first bytes, backpressure or not.
    const many = copiesOf(results, 20);
    let reads = 0;
    const array = new ArrayResults(many);
    const counted: ResultSource = {
      length: array.length,
      at: (i) => (reads++, array.at(i)),
      json: (i) => array.json(i),
      facts: () => array.facts(),
      digest: () => array.digest(),
    };
    const held: (() => void)[] = [];
    let released = false;
    let received = 0;
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (released) done();
        else held.push(() => done());
      },
    });
    // Act: start; once the sink has its first bytes (exceljs is loaded on first use: that alone takes many turns on a
    // busy machine), let the event loop run many more turns while the sink is stalled, then release it.
    const writing = writeWorkbook({ ...input, results: counted }, sink);
    for (let wait = 0; received === 0 && wait < 2000; wait++) await new Promise((resolve) => setTimeout(resolve, 5));
    for (let turn = 0; turn < 200; turn++) await new Promise((resolve) => setImmediate(resolve));
    const readsWhileStalled = reads;
    const receivedWhileStalled = received;
    released = true;
    for (const done of held.splice(0)) done();
    const written = await writing;
    // Assess: while stalled, the writer had read at most a fraction of what the sheets read in all (without
    // backpressure it makes every sheet in one go: nothing in it waits for the event loop).
    expect(written.results).toBe(many.length);
    expect(reads).toBeGreaterThan(4 * many.length);
    expect(readsWhileStalled).toBeLessThan(reads / 2);
    expect(receivedWhileStalled).toBeGreaterThan(0);
  });

  it('rejects when its sink fails, and does not wait for it for ever', async () => {
    // Prepare: a sink that fails on its third write.
    let writes = 0;
    const sink = new Writable({
      write(_chunk: Buffer, _encoding, done) {
        done(++writes === 3 ? new Error('disk full (injected)') : null);
      },
    });
    // Act / Assess
    await expect(writeWorkbook({ ...input, results: copiesOf(results, 3) }, sink)).rejects.toThrow('disk full (injected)');
  });

  it('writes the same workbook from packed results as from the array, with the same results digest', async () => {
    // Prepare
    const packed = new PackedResults();
    for (const r of results) packed.add(r);
    // Act
    const [fromArray, fromPacked] = await Promise.all([workbookBuffer(input), workbookBuffer({ ...input, results: packed })]);
    // Assess
    expect(packed.digest()).toBe(resultsDigest(results));
    expect(await cellsOf(fromPacked)).toEqual(await cellsOf(fromArray));
    const reviewed = await readReviewedWorkbook(fromPacked);
    expect(reviewed.results).toEqual(results);
  });

  it('holds no more memory for packed results than their deflated bytes', () => {
    // Prepare
    const packed = new PackedResults();
    // Act
    for (const r of copiesOf(results, 20)) packed.add(r);
    // Assess: neither zlib's output chunk (16 KB) nor a slab of Node's buffer pool (64 KB on Node 24) is held.
    expect(packed.packedBytes).toBeGreaterThan(0);
    expect(packed.heldBytes).toBe(packed.packedBytes);
  });

  it(`leaves out the per-unit feedback sheets above ${FEEDBACK_SHEET_LIMIT} units, and says so on 排名`, async () => {
    // Prepare: just over the limit, one county.
    const many = copiesOf(results, Math.ceil((FEEDBACK_SHEET_LIMIT + 1) / results.length));
    expect(many.length).toBeGreaterThan(FEEDBACK_SHEET_LIMIT);
    // Act
    const bytes = await workbookBuffer({ ...input, results: many });
    const workbook = await load(bytes);
    // Assess
    expect(workbook.worksheets.filter((s) => s.name.startsWith(FEEDBACK_PREFIX))).toEqual([]);
    const ranking = workbook.getWorksheet(SHEETS.ranking)!;
    const notes: string[] = [];
    ranking.eachRow((row, n) => n > many.length + 1 && notes.push(cellText(row.getCell(1).value)));
    expect(notes.join('\n')).toContain(`本工作簿共 ${many.length} 个单位，超过 ${FEEDBACK_SHEET_LIMIT} 个，未逐一生成“反馈-单位”表`);
    expect(notes.join('\n')).not.toContain('各单位的得失分见“反馈-单位”表');
    // The review form and the machine data are all there.
    expect((await readReviewedWorkbook(bytes)).results).toHaveLength(many.length);
  });
});

describe('全省排名: a workbook of several counties', () => {
  it('ranks each group across counties by total, ties sharing a place, units of unknown kind unranked', () => {
    // Prepare
    const items: WideRankable[] = [
      { county: '甲县', year: 2024, rankGroup: 'township', total: 80, rank: 1 },
      { county: '甲县', year: 2024, rankGroup: 'township', total: 70, rank: 2 },
      { county: '乙县', year: 2024, rankGroup: 'township', total: 80, rank: 1 },
      { county: '乙县', year: 2024, rankGroup: 'township', total: 90, rank: 1 },
      { county: '乙县', year: 2024, rankGroup: 'department', total: 60, rank: 1 },
      { county: '甲县', year: 2024, rankGroup: 'department', total: 95, rank: 1 },
      { county: '甲县', year: 2024, rankGroup: 'other', total: 99, rank: 1 },
    ];
    // Act
    const ranks = wideRanks(items);
    const order = wideOrder(items, ranks);
    // Assess: 90 → 1; 80 and 80 share 2; 70 → 4. Departments apart; the unit of unknown kind has none.
    expect(ranks).toEqual([2, 4, 2, 1, 2, 1, null]);
    expect(order).toEqual([3, 2, 0, 1, 5, 4, 6]);
  });

  it('shows 县内名次, 县（区） and 全省排名 on 排名, lists rows by the province-wide place, and explains both', async () => {
    // Prepare: the samples filed as two counties (alternating units), each ranked within its own county·year.
    const split = rankResults(
      results.map((r, i) => ({ ...r, county: i % 2 === 0 ? '临澜县' : '安河县' })),
      rubric2024.rubric,
    );
    const expected = wideRanks(split);
    // Act
    const bytes = await workbookBuffer({ ...input, results: split, scope: '全省 2024年度', scopeKey: { county: null, year: 2024 } });
    const workbook = await load(bytes);
    // Assess
    const sheet = workbook.getWorksheet(SHEETS.ranking)!;
    const [unit, county, wide, rank] = ['单位', '县（区）', WIDE_RANK_LABEL, '县内名次'].map((h) => column(sheet, h));
    const rows = split.map((_, i) => sheet.getRow(i + 2));
    const shown = rows.map((row) => ({
      unit: cellText(row.getCell(unit!).value),
      county: cellText(row.getCell(county!).value),
      wide: row.getCell(wide!).value,
      rank: row.getCell(rank!).value,
    }));
    // Every unit once, with its own county's rank and the province-wide place computed from all of them.
    expect(shown.map((s) => `${s.county}${s.unit}`).sort()).toEqual(split.map((r) => `${r.county}${r.township}`).sort());
    for (const [i, r] of split.entries()) {
      const row = shown.find((s) => s.unit === r.township && s.county === r.county)!;
      expect(row.rank).toBe(r.rank);
      expect(row.wide).toBe(expected[i] ?? '—');
    }
    // Townships first, by place.
    const townshipPlaces = shown.filter((s) => typeof s.wide === 'number').map((s) => s.wide as number);
    expect(townshipPlaces.slice(0, split.filter((r) => r.rankGroup === 'township').length)).toEqual(
      [...townshipPlaces.slice(0, split.filter((r) => r.rankGroup === 'township').length)].sort((a, b) => a - b),
    );
    const notes: string[] = [];
    sheet.eachRow((row, n) => n > split.length + 1 && notes.push(cellText(row.getCell(1).value)));
    expect(notes.join('\n')).toContain(`${WIDE_RANK_LABEL}把各县同一排名组的单位按最终得分统一排序，得分相同者名次并列，不另评等次`);
    // The hidden data says it is of no one county.
    expect((await readReviewedWorkbook(bytes)).provenance.scope).toEqual({ label: '全省 2024年度', county: null, year: 2024 });
  });
});
