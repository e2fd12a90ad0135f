import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScoreResult } from '../../../schemas/score.ts';
import { runScore } from '../../../cli/commands/score.ts';
import { finalWorkbookInput, reviewState, reviewWorkbook, UnusableWorkbookError } from '../../../pipeline/review/index.ts';
import { workbookBuffer } from '../../../pipeline/workbook/index.ts';
import { COLUMNS, SHEETS } from '../../../pipeline/workbook/keys.ts';
import { scoreAndRank } from '../../../pipeline/batch.ts';
import { reportFromText, rubric2024, sampleText, SAMPLES_DIR } from '../../helpers/reports.ts';
import { appendRowWithSheetJS, fillWithSheetJS, resaveWithLibreOffice, rowNumberOf, SOFFICE, withPendingCopy, type Fill } from '../../helpers/review.ts';
import { samplesWorkbookInput } from '../../helpers/workbook.ts';

const META = { at: '2025-04-12T02:00:00.000Z', workbook: '临澜县2024复核.xlsx' };

let machine: ScoreResult[];
let workbook: Buffer;
/** The key of the pending copy item on 澜滨街道 (a unit without a copy flag of its own). */
let pendingKey: string;
let lanbinAt: number;

const unit = (name: string): number => machine.findIndex((r) => r.township === name);
const total = (index: number, delta: number | string, reason = '核实原文后调整', reviewer = '张三'): Fill[] => [
  { key: `R${index}`, column: COLUMNS.adjustment, value: delta },
  { key: `R${index}`, column: COLUMNS.reason, value: reason },
  { key: `R${index}`, column: COLUMNS.reviewer, value: reviewer },
];

beforeAll(async () => {
  const run = await runScore([SAMPLES_DIR], {});
  const scored = run.results.filter((r) => r.year === 2024);
  lanbinAt = scored.findIndex((r) => r.township === '澜滨街道');
  machine = withPendingCopy(scored, lanbinAt);
  pendingKey = `R${lanbinAt}.D:${machine[lanbinAt]!.pending![0]!.id}`;
  workbook = await workbookBuffer(samplesWorkbookInput(machine));
});

describe('reviewing a workbook', () => {
  it('with nothing filled in, the final results are the machine results exactly (same totals, grades, ranks, notes)', async () => {
    // Act
    const outcome = await reviewWorkbook(workbook, META);
    // Assess
    expect(outcome.refusals).toEqual([]);
    expect(outcome.changes).toEqual([]);
    expect(outcome.results.map((r) => [r.source, r.total, r.grade, r.rank, r.rankNote ?? ''])).toEqual(
      machine.map((r) => [r.source, r.total, r.grade, r.rank, r.rankNote ?? '']),
    );
    for (const r of outcome.results) expect([r.machineTotal, r.adjustment]).toEqual([r.total, 0]);
  });

  it('applies a total adjustment, a confirmed copy deduction and an indicator change from a SheetJS-saved copy, then re-ranks and re-grades', async () => {
    // Prepare (rows: 复核 lists each report, its pending items right under it): 青石镇 raised past 望江镇 (so it takes
    // 优秀 from 望江镇 under the 20% quota), 澜滨街道's pending copy confirmed, one indicator of 白沙镇 raised.
    const qingshi = unit('青石镇');
    const baisha = unit('白沙镇');
    const raise = Math.round((machine[unit('望江镇')]!.total - machine[qingshi]!.total + 1.5) * 100) / 100;
    const raised = Math.round((machine[qingshi]!.total + raise) * 100) / 100;
    const indicator = machine[baisha]!.dimensions.flatMap((d) => d.indicators).find((i) => i.score === 0 && i.max >= 1)!;
    const filled = fillWithSheetJS(workbook, [
      ...total(qingshi, raise, '附件证明获评省级示范'),
      { key: pendingKey, column: COLUMNS.decision, value: '确认' },
      { key: pendingKey, column: COLUMNS.reviewer, value: '李四' },
      { sheet: SHEETS.evidence, key: `R${baisha}.I:${indicator.id}`, column: COLUMNS.adjusted, value: 1 },
      { sheet: SHEETS.evidence, key: `R${baisha}.I:${indicator.id}`, column: COLUMNS.reason, value: '附件有记录' },
      { sheet: SHEETS.evidence, key: `R${baisha}.I:${indicator.id}`, column: COLUMNS.reviewer, value: '王五' },
    ]);
    // Act
    const outcome = await reviewWorkbook(filled, META);
    // Assess
    expect(outcome.refusals).toEqual([]);
    const byUnit = new Map(outcome.results.map((r) => [r.township, r]));
    const qing = byUnit.get('青石镇')!;
    expect([qing.machineTotal, qing.total, qing.adjustment, qing.rank, qing.grade, qing.machineGrade]).toEqual([
      machine[qingshi]!.total,
      raised,
      raise,
      1,
      '优秀',
      '良好',
    ]);
    // The quota moved: the machine's 优秀 is now 良好, and the note says why.
    const wang = byUnit.get('望江镇')!;
    expect([wang.rank, wang.grade, wang.machineGrade]).toEqual([2, '良好', '优秀']);
    expect(wang.rankNote).toContain('名额已满');
    const lanbin = byUnit.get('澜滨街道')!;
    expect(lanbin.total).toBe(Math.round((machine[lanbinAt]!.total - 6.5) * 100) / 100);
    expect(lanbin.pending).toBeUndefined();
    expect(lanbin.penalties.find((p) => p.id === 'P.copy')!.points).toBe(6.5);
    // The printed cause says who decided it was a copy (the machine's note said nothing was deducted).
    expect(lanbin.penalties.find((p) => p.id === 'P.copy')!.note).toContain('经复核确认为照搬方（李四）');
    const bai = byUnit.get('白沙镇')!;
    expect(bai.total).toBe(Math.round((machine[baisha]!.total + 1) * 100) / 100);
    // The change log: every change with from, to, reason, reviewer, time and workbook.
    // In the machine ranking's order (the rows' order in 复核).
    const expected = [
      ['青石镇', 'total', machine[qingshi]!.total, raised, '张三'],
      ['澜滨街道', 'decision', machine[lanbinAt]!.total, lanbin.total, '李四'],
      ['白沙镇', 'indicator', 0, 1, '王五'],
    ].sort((x, y) => unit(x[0] as string) - unit(y[0] as string));
    expect(outcome.changes.map((c) => [c.unit, c.target.kind, c.from, c.to, c.reviewer])).toEqual(expected);
    for (const c of outcome.changes) expect(c).toMatchObject({ at: META.at, workbook: META.workbook });
    expect(outcome.changes[0]).toMatchObject({ sheet: SHEETS.review, row: qingshi + 2, reason: '附件证明获评省级示范' });
    // Side by side, never overwritten: the machine results the outcome carries are untouched.
    expect(outcome.machine).toEqual(machine);
  });

  it('refuses, row by row and in Chinese, what it cannot apply — and applies nothing', async () => {
    const filled = fillWithSheetJS(workbook, [
      { key: 'R0', column: COLUMNS.adjustment, value: 3 }, // no reason, no reviewer
      ...total(1, '两分'), // not a number
      { key: 'R4', column: COLUMNS.machine, value: 99 }, // machine score edited
      ...total(3, -80), // below 0
      { key: 'R5', column: COLUMNS.decision, value: '确认' }, // a decision on a total row
      { key: pendingKey, column: COLUMNS.decision, value: '同意' }, // not 确认/撤销
      { sheet: SHEETS.evidence, key: 'R6.I:D1.measures', column: COLUMNS.adjusted, value: 9 }, // over the indicator's max
      { sheet: SHEETS.evidence, key: 'R7.I:D1.measures', column: COLUMNS.score, value: 1 }, // machine score edited
      { sheet: SHEETS.ranking, key: 'R8', column: COLUMNS.machine, value: 88 }, // machine score edited on the ranking
    ]);
    const outcome = await reviewWorkbook(appendRowWithSheetJS(filled, SHEETS.review, { [COLUMNS.unit]: '新增镇', [COLUMNS.adjustment]: 2 }), META);
    const messages = outcome.refusals.map((r) => r.message);
    const row = (key: string): number => rowNumberOf(workbook, key);
    expect(messages).toEqual(
      expect.arrayContaining([
        `第 ${row('R0')} 行：调整分不为 0 时必须填写调整理由`,
        `第 ${row('R0')} 行：调整分不为 0 时必须填写复核人`,
        `第 ${row('R1')} 行：调整分“两分”不是数字（请填写如 -2 或 1.5）`,
        expect.stringMatching(new RegExp(`^第 ${row('R4')} 行：机器得分被改动（系统为 ${machine[4]!.total}，表中为 99）`, 'u')),
        expect.stringMatching(new RegExp(`^第 ${row('R5')} 行：总分行不填“确认/撤销”`, 'u')),
        expect.stringMatching(new RegExp(`^第 ${row(pendingKey)} 行：“确认/撤销”只能填“确认”或“撤销”，表中为“同意”`, 'u')),
        expect.stringMatching(/^“评分依据”表第 \d+ 行：调整后得分 9 超出本项 0–1\.2 分/u),
        expect.stringMatching(/^“评分依据”表第 \d+ 行：得分被改动/u),
        expect.stringMatching(
          new RegExp(`^“排名”表第 ${rowNumberOf(workbook, 'R8', SHEETS.ranking)} 行：机器得分被改动（系统为 ${machine[8]!.total}，表中为 88）`, 'u'),
        ),
        expect.stringMatching(/^第 \d+ 行：这一行不是系统生成的/u),
      ]),
    );
    expect(outcome.results).toEqual([]);
    expect(outcome.changes).toEqual([]);
    // The total out of range is caught once the rows are otherwise valid.
    const range = await reviewWorkbook(fillWithSheetJS(workbook, total(3, -80)), META);
    expect(range.refusals.map((r) => r.message)).toEqual([
      `第 ${rowNumberOf(workbook, 'R3')} 行：调整后总分 ${Math.round((machine[3]!.total - 80) * 100) / 100} 超出 0–100 分（机器计算为 ${machine[3]!.total}，调整分 -80）`,
    ]);
    expect(range.results).toEqual([]);
  });

  it('accepts numbers typed as text and full-width digits; withdrawing a copy proposal changes nothing but is recorded', async () => {
    const filled = fillWithSheetJS(workbook, [
      ...total(0, '－１.5'),
      { key: pendingKey, column: COLUMNS.decision, value: '撤销' },
      { key: pendingKey, column: COLUMNS.reviewer, value: '李四' },
    ]);
    const outcome = await reviewWorkbook(filled, META);
    expect(outcome.refusals).toEqual([]);
    expect(outcome.results.find((r) => r.township === '望江镇')!.total).toBe(Math.round((machine[0]!.total - 1.5) * 100) / 100);
    const withdrawn = outcome.changes.find((c) => c.target.kind === 'decision')!;
    expect([withdrawn.from, withdrawn.to, withdrawn.reason]).toEqual([machine[lanbinAt]!.total, machine[lanbinAt]!.total, '撤销系统提出的待定事项']);
  });

  it('withdrawing a low-confidence award removes its points', async () => {
    const awarded = machine[0]!.dimensions.flatMap((d) => d.indicators).find((i) => i.score >= 1)!;
    const results = machine.map((r, i) =>
      i === 0
        ? {
            ...r,
            pending: [{ id: `unsure:${awarded.id}`, kind: 'low-confidence-award' as const, points: 1, target: awarded.id, message: '证据句只部分符合要求' }],
          }
        : r,
    );
    const book = await workbookBuffer({ results, failures: [], rubric: rubric2024, scope: '临澜县 2024年度', generatedAt: '2025-04-10T08:00:00.000Z' });
    const key = `R0.D:unsure:${awarded.id}`;
    const outcome = await reviewWorkbook(
      fillWithSheetJS(book, [
        { key, column: COLUMNS.decision, value: '撤销' },
        { key, column: COLUMNS.reviewer, value: '赵六' },
      ]),
      META,
    );
    expect(outcome.results.find((r) => r.township === '望江镇')!.total).toBe(Math.round((machine[0]!.total - 1) * 100) / 100);
  });

  it('refuses a file that is not a workbook, one without its system data, and one whose hidden data was edited', async () => {
    await expect(reviewWorkbook(Buffer.from('这不是工作簿'), META)).rejects.toThrow(UnusableWorkbookError);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(workbook as unknown as ExcelJS.Buffer);
    book.removeWorksheet(book.getWorksheet(SHEETS.data)!.id);
    await expect(reviewWorkbook(Buffer.from(await book.xlsx.writeBuffer()), META)).rejects.toThrow(/找不到隐藏的“系统数据”表/u);
    // Someone raises a machine score inside the hidden data: the digest no longer matches.
    const tampered = new ExcelJS.Workbook();
    await tampered.xlsx.load(workbook as unknown as ExcelJS.Buffer);
    const other = await workbookBuffer({
      results: machine.map((r, i) => (i === 0 ? { ...r, total: 99 } : r)),
      failures: [],
      rubric: rubric2024,
      scope: '临澜县 2024年度',
      generatedAt: '2025-04-10T08:00:00.000Z',
    });
    const donor = new ExcelJS.Workbook();
    await donor.xlsx.load(other as unknown as ExcelJS.Buffer);
    const data = tampered.getWorksheet(SHEETS.data)!;
    donor.getWorksheet(SHEETS.data)!.eachRow((row, n) => {
      if (n > 2) data.getRow(n).getCell(2).value = row.getCell(2).value;
    });
    await expect(reviewWorkbook(Buffer.from(await tampered.xlsx.writeBuffer()), META)).rejects.toThrow(/评分数据与校验码不符/u);
  });

  it('the final workbook shows the review and can itself be reviewed again to the same result', async () => {
    const first = await reviewWorkbook(fillWithSheetJS(workbook, total(unit('石门镇'), 2)), META);
    const finalBytes = await workbookBuffer(finalWorkbookInput(first, META));
    const final = new ExcelJS.Workbook();
    await final.xlsx.load(finalBytes as unknown as ExcelJS.Buffer);
    expect(final.worksheets.map((s) => s.name)).toContain(SHEETS.log);
    const again = await reviewWorkbook(finalBytes, { ...META, at: '2025-04-13T00:00:00.000Z' });
    expect(again.provenance.kind).toBe('final');
    expect(again.results.map((r) => [r.township, r.total, r.rank])).toEqual(first.results.map((r) => [r.township, r.total, r.rank]));
  });

  it.skipIf(!SOFFICE)('reads a copy LibreOffice Calc re-saved, as WPS and Excel users’ files come back', async () => {
    const filled = fillWithSheetJS(workbook, [
      ...total(unit('柳溪乡'), 1.5, '数据矛盾系笔误，已核实'),
      { key: pendingKey, column: COLUMNS.decision, value: '确认' },
      { key: pendingKey, column: COLUMNS.reviewer, value: '李四' },
    ]);
    const outcome = await reviewWorkbook(resaveWithLibreOffice(filled), META);
    expect(outcome.refusals).toEqual([]);
    expect(outcome.changes.map((c) => [c.unit, c.target.kind])).toEqual(
      [
        ['澜滨街道', 'decision'],
        ['柳溪乡', 'total'],
      ].sort((x, y) => unit(x[0]!) - unit(y[0]!)),
    );
  });
});

describe('reviewState after a re-score', () => {
  it('marks the changes whose target the machine now scores differently, and only those', async () => {
    const outcome = await reviewWorkbook(fillWithSheetJS(workbook, [...total(0, 1), ...total(1, -1)]), META);
    const rescored = machine.map((r, i) => (i === 1 ? { ...r, total: r.total + 3 } : r));
    const stale = reviewState(outcome.changes, rescored);
    expect(stale.map((s) => [s.change.unit, s.now])).toEqual([['青石镇', machine[1]!.total + 3]]);
    expect(stale[0]!.why).toContain('重新评分后为');
    expect(reviewState(outcome.changes, machine.slice(1)).map((s) => s.change.unit)).toEqual(['望江镇']);
  });
  it('confirming an undecided copy applies what the scorer proposed: the penalty and the voided indicators, nothing more', async () => {
    // Prepare: 青石镇's sample and a copy renamed 松林镇 with the same 成文日期 and no other evidence: undecided.
    const text = sampleText('青石镇2024年度法治政府建设工作情况的报告.txt');
    const location = { county: '临澜县', year: 2024 };
    const results = scoreAndRank(
      [reportFromText(text, { key: 'qingshi.txt', location }), reportFromText(text.replaceAll('青石', '松林'), { key: 'songlin.txt', location })],
      rubric2024,
    );
    const at = results.findIndex((r) => r.source === 'songlin.txt');
    const copy = results[at]!;
    const item = copy.pending![0]!;
    expect(item.voided!.length).toBeGreaterThan(0);
    const book = await workbookBuffer({
      results,
      failures: [],
      rubric: rubric2024,
      scope: '临澜县 2024年度',
      scopeKey: location,
      generatedAt: '2025-04-10T08:00:00.000Z',
    });
    const key = `R${at}.D:${item.id}`;
    // Act
    const outcome = await reviewWorkbook(
      fillWithSheetJS(book, [
        { key, column: COLUMNS.decision, value: '确认' },
        { key, column: COLUMNS.reviewer, value: '李四' },
      ]),
      META,
    );
    // Assess
    expect(outcome.refusals).toEqual([]);
    const reviewed = outcome.results.find((r) => r.source === 'songlin.txt')!;
    const indicator = (r: ScoreResult, id: string) => r.dimensions.flatMap((d) => d.indicators).find((i) => i.id === id)!.score;
    for (const v of item.voided!) expect(indicator(reviewed, v.indicator)).toBe(v.to);
    // …each keeping what it had, so the final ranking row says what the copied paragraphs no longer earn.
    const withCopied = (r: ScoreResult, id: string) => r.dimensions.flatMap((d) => d.indicators).find((i) => i.id === id)!.pointsWithCopied;
    for (const v of item.voided!) expect(withCopied(reviewed, v.indicator)).toBe(indicator(copy, v.indicator));
    expect(reviewed.penalties.find((p) => p.id === 'P.copy')!.note).toBe('经复核确认为照搬方（李四）');
    const voidedPoints = item.voided!.reduce((sum, v) => sum + indicator(copy, v.indicator) - v.to, 0);
    expect(reviewed.penalties.find((p) => p.id === 'P.copy')!.points).toBeCloseTo(Math.min(10, item.points - voidedPoints), 2);
    expect(reviewed.total).toBeLessThan(copy.total - 30);
    // The other side of the copy was not touched.
    expect(outcome.results.find((r) => r.source === 'qingshi.txt')!.total).toBe(results.find((r) => r.source === 'qingshi.txt')!.total);
  });
});
