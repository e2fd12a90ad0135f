import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { WorkbookPayload, WorkbookProvenance, type NotRanked } from '../../../schemas/review.ts';
import type { ScoreResult } from '../../../schemas/score.ts';
import { runScore } from '../../../cli/commands/score.ts';
import { finalWorkbookInput, reviewWorkbook } from '../../../pipeline/review/index.ts';
import { displayWidth, workbookBuffer, type WorkbookInput } from '../../../pipeline/workbook/index.ts';
import { COLUMNS, FEEDBACK_PREFIX, parseRowKey, SHEETS } from '../../../pipeline/workbook/keys.ts';
import { beijingTime, englishLeft, shortDimensionName } from '../../../pipeline/workbook/labels.ts';
import { decodePayload, resultsDigest } from '../../../pipeline/workbook/provenance.ts';
import { rubric2024, SAMPLES_DIR } from '../../helpers/reports.ts';
import { cellText } from '../../helpers/cells.ts';
import { withPendingCopy } from '../../helpers/review.ts';
import { samplesWorkbookInput } from '../../helpers/workbook.ts';

function headerOf(sheet: ExcelJS.Worksheet): string[] {
  const header: string[] = [];
  sheet.getRow(1).eachCell({ includeEmpty: true }, (cell, column) => (header[column - 1] = cellText(cell.value)));
  return header;
}

/** Columns inside the print area ("A:R" → 18), or every column when the sheet sets none. */
function printedColumns(sheet: ExcelJS.Worksheet): number {
  const area = sheet.pageSetup.printArea;
  if (!area) return sheet.columnCount;
  const last = /:\$?([A-Z]+?)(?:NaN|\$?\d*)$/u.exec(area)?.[1] ?? 'A';
  return sheet.getColumn(last).number;
}

/** Every printed cell's text (sheet, row, header, text), merged-over cells once. */
function printedCells(sheet: ExcelJS.Worksheet): { row: number; header: string; text: string }[] {
  const header = headerOf(sheet);
  const width = printedColumns(sheet);
  const cells: { row: number; header: string; text: string }[] = [];
  sheet.eachRow((row, number) => {
    for (let c = 1; c <= width; c++) {
      const cell = row.getCell(c);
      if (cell.isMerged && cell.master !== cell) continue;
      const text = cellText(cell.value);
      if (text) cells.push({ row: number, header: header[c - 1] ?? '', text });
    }
  });
  return cells;
}

/** The lines of 排名's sign-off block: one cell, the notes above the signatures (so no page break parts them). */
function signOffLines(book: ExcelJS.Workbook): string[] {
  const cells = printedCells(book.getWorksheet(SHEETS.ranking)!).filter((c) => c.text.includes('评审人（签字）'));
  expect(cells).toHaveLength(1);
  return cells[0]!.text.split('\n');
}

let results: ScoreResult[];
/** Where 澜滨街道 (no copy flag of its own) is: it carries the fictional pending copy. */
let pendingAt: number;
let input: WorkbookInput;
let workbook: ExcelJS.Workbook;
let bytes: Buffer;

beforeAll(async () => {
  const run = await runScore([SAMPLES_DIR], {});
  // One county·year as the export makes it, with one copy the scorer left to the assessor (fictional, for the 确认/撤销 cell).
  const scored = run.results.filter((r) => r.year === 2024);
  pendingAt = scored.findIndex((r) => r.township === '澜滨街道');
  results = withPendingCopy(scored, pendingAt);
  const failures = [
    {
      source: 'reports/2024/临澜县/扫描件.pdf',
      code: 'scanned-pdf' as const,
      message: '扫描件，无文字层 — 请上传 Word 文件或可复制文字的 PDF',
      messageEn: 'PDF has no text layer',
    },
  ];
  input = samplesWorkbookInput(results, failures);
  bytes = await workbookBuffer(input);
  workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
});

describe('the ranking workbook, read back with exceljs', () => {
  it('has the sheets an assessor needs, in Chinese, one feedback sheet per unit, and the hidden system data last', () => {
    // Prepare / Act
    const names = workbook.worksheets.map((s) => s.name);
    // Assess
    expect(names.slice(0, 6)).toEqual([SHEETS.ranking, SHEETS.review, SHEETS.evidence, SHEETS.flags, SHEETS.failures, SHEETS.rubric]);
    const feedback = names.filter((n) => n.startsWith(FEEDBACK_PREFIX));
    expect(feedback).toHaveLength(results.length);
    expect(feedback).toContain(`${FEEDBACK_PREFIX}望江镇`);
    expect(names.at(-1)).toBe(SHEETS.data);
    expect(workbook.getWorksheet(SHEETS.data)!.state).toBe('hidden');
    expect(workbook.worksheets.filter((s) => s.state !== 'visible').map((s) => s.name)).toEqual([SHEETS.data]);
  });

  it('排名 prints rank, unit, grade, 机器得分 · 调整分 · 最终得分, short dimension names and the explanation columns', () => {
    const sheet = workbook.getWorksheet(SHEETS.ranking)!;
    const header = headerOf(sheet);
    const printed = header.slice(0, printedColumns(sheet));
    expect(printed.slice(0, 8)).toEqual([
      '排名组',
      '名次',
      '单位',
      '等次',
      '机器得分',
      '调整分',
      '最终得分',
      `${shortDimensionName(rubric2024.rubric.dimensions[0]!.name)}\n12分`,
    ]);
    expect(printed).toEqual(expect.arrayContaining(['扣分、加分及原因', '问题标记', '名次说明', '上年安排落实']));
    expect(printed.at(-1)).toBe('上年安排落实');
    // Sums for sorting on screen stay off the page (the printed causes carry the amounts).
    expect(header.slice(printed.length)).toEqual(expect.arrayContaining(['扣分', '来源文件', '报告编号']));
    // No bare ids in headers: dimensions by name.
    for (const h of printed) expect(h).not.toMatch(/^D\d/u);
    expect(header).toContain(COLUMNS.key);
    const unit = header.indexOf('单位') + 1;
    const total = header.indexOf('最终得分') + 1;
    const rows = results.map((_, i) => sheet.getRow(i + 2));
    expect(rows.map((r) => r.getCell(unit).value)).toEqual(results.map((r) => r.township));
    expect(rows.map((r) => r.getCell(total).value)).toEqual(results.map((r) => r.total));
  });

  it('every non-zero deduction and bonus is on the ranking row with its cause; a flag that cost points is in 问题标记', () => {
    const sheet = workbook.getWorksheet(SHEETS.ranking)!;
    const header = headerOf(sheet);
    const causes = header.indexOf('扣分、加分及原因') + 1;
    const flags = header.indexOf('问题标记') + 1;
    let deductions = 0;
    results.forEach((result, i) => {
      const row = sheet.getRow(i + 2);
      const text = cellText(row.getCell(causes).value);
      for (const p of result.penalties.filter((x) => x.points > 0)) {
        deductions++;
        expect(text, `${result.township} ${p.name}`).toContain(`−${p.points} ${p.name}：`);
      }
      for (const b of result.bonus.indicators.filter((x) => x.score > 0)) expect(text).toContain(`+${b.score} 加分·${b.name}`);
      if (result.penalties.some((p) => p.id === 'P.boilerplate' && p.points > 0)) expect(cellText(row.getCell(flags).value)).toContain('套话多');
    });
    expect(deductions).toBeGreaterThan(5);
    // A copier's copied paragraphs earn nothing: the row says how many indicators and how many points that cost (桃源镇).
    const copiers = results
      .map((r, i) => [r, i] as const)
      .filter(([r]) => r.dimensions.some((d) => d.indicators.some((x) => x.pointsWithCopied !== undefined)));
    expect(copiers.length).toBeGreaterThan(0);
    for (const [result, i] of copiers) {
      const voided = result.dimensions.flatMap((d) => d.indicators).filter((x) => x.pointsWithCopied !== undefined);
      const lost = Math.round(voided.reduce((sum, x) => sum + x.pointsWithCopied! - x.score, 0) * 100) / 100;
      expect(cellText(sheet.getRow(i + 2).getCell(causes).value), result.township ?? '').toContain(`照搬段落不计分：${voided.length} 项指标共少得 ${lost} 分`);
    }
    // The pending copy is shown as not counted, and flagged for the assessor.
    const pendingRow = sheet.getRow(pendingAt + 2);
    expect(cellText(pendingRow.getCell(causes).value)).toMatch(/待定 −6\.5 内容雷同[^：]*：未计入/u);
    expect(cellText(pendingRow.getCell(flags).value)).toContain('待复核');
  });

  it('名次说明 explains a grade below its band (quota) and the sign-off block states rubric, check code and Beijing time', () => {
    const sheet = workbook.getWorksheet(SHEETS.ranking)!;
    const header = headerOf(sheet);
    const note = header.indexOf('名次说明') + 1;
    const demoted = results.findIndex((r) => r.grade === '良好' && r.total >= 75);
    expect(demoted).toBeGreaterThanOrEqual(0);
    expect(cellText(sheet.getRow(demoted + 2).getCell(note).value)).toContain('名额已满');
    const text = printedCells(sheet)
      .map((c) => c.text)
      .join('\n');
    expect(text).toContain('生成时间：2025年4月10日 16:00（北京时间）');
    expect(text).toContain(`数据校验码：${resultsDigest(results).slice(0, 12)}`);
    expect(text).toMatch(/评审人（签字）.*复核人（签字）/u);
    const block = signOffLines(workbook);
    expect(block[0]).toMatch(/^评分细则：.*数据校验码：/u);
    expect(block.filter((line) => line !== '').at(-1)).toMatch(/^评审人（签字）.*日期：/u);
  });

  it('no printed sheet shows English, rule kinds, ids or character offsets (report quotes aside)', () => {
    const leaks: string[] = [];
    for (const sheet of workbook.worksheets.filter((s) => s.state === 'visible')) {
      for (const cell of printedCells(sheet)) {
        if (cell.header.startsWith('原文依据')) continue;
        const english = englishLeft(cell.text);
        if (english.length > 0 || /(?<![A-Za-z])(D\d|P\.[a-z_]+|[a-z]+-[a-z]+)(?![A-Za-z])/u.test(cell.text))
          leaks.push(`${sheet.name}!${cell.row} [${cell.header}] ${english.join(',')} ${cell.text.slice(0, 60)}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('every sheet prints on A4 with a page header; tables freeze and repeat their header row', () => {
    for (const sheet of workbook.worksheets.filter((s) => s.state === 'visible')) {
      expect(sheet.pageSetup).toMatchObject({ paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 });
      expect(sheet.headerFooter.oddHeader).toContain(sheet.name.startsWith(FEEDBACK_PREFIX) ? '评分反馈' : '');
      if (sheet.name.startsWith(FEEDBACK_PREFIX)) continue;
      expect(sheet.pageSetup).toMatchObject({ orientation: 'landscape', printTitlesRow: '1:1' });
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(sheet.autoFilter).toBeTruthy();
    }
  });

  it('sizes columns for Chinese text, within limits', () => {
    const sheet = workbook.getWorksheet(SHEETS.ranking)!;
    expect(sheet.getColumn(3).width ?? 0).toBeGreaterThanOrEqual(displayWidth('澜滨街道'));
    expect(displayWidth('澜滨街道')).toBe(8);
    for (const column of sheet.columns) expect(column.width ?? 0).toBeLessThanOrEqual(70);
  });

  it('复核 has the contract columns, one row per report with its machine score, and a 确认/撤销 list per pending item', () => {
    const sheet = workbook.getWorksheet(SHEETS.review)!;
    const header = headerOf(sheet);
    expect(header).toEqual(expect.arrayContaining([COLUMNS.unit, COLUMNS.machine, COLUMNS.adjustment, COLUMNS.reason, COLUMNS.reviewer, COLUMNS.decision]));
    const key = header.indexOf(COLUMNS.key) + 1;
    const machine = header.indexOf(COLUMNS.machine) + 1;
    const decision = header.indexOf(COLUMNS.decision) + 1;
    expect(sheet.getColumn(key).hidden).toBe(true);
    const totals: number[] = [];
    const decisions: string[] = [];
    sheet.eachRow((row, n) => {
      const parsed = parseRowKey(cellText(row.getCell(key).value));
      if (n === 1 || !parsed) return;
      if (parsed.kind === 'total') totals.push(row.getCell(machine).value as number);
      if (parsed.kind === 'decision') {
        decisions.push(parsed.id);
        expect(row.getCell(decision).dataValidation).toMatchObject({ type: 'list', formulae: ['"确认,撤销"'] });
      }
    });
    expect(totals).toEqual(results.map((r) => r.total));
    expect(decisions).toEqual([results[pendingAt]!.pending![0]!.id]);
  });

  it('评分依据: every awarded indicator comes with the sentence that earned it, located by section, never by offset', () => {
    const sheet = workbook.getWorksheet(SHEETS.evidence)!;
    const header = headerOf(sheet);
    expect(header).toEqual(expect.arrayContaining([COLUMNS.score, COLUMNS.adjusted, COLUMNS.reason, COLUMNS.reviewer]));
    expect(header.join()).not.toContain('字符');
    const [indicator, score, evidence] = ['指标', COLUMNS.score, '原文依据（【位置】原文）'].map((h) => header.indexOf(h) + 1);
    let awarded = 0;
    sheet.eachRow((row, index) => {
      if (index === 1) return;
      const value = row.getCell(score!).value;
      const name = cellText(row.getCell(indicator!).value);
      if (typeof value === 'number' && value > 0 && !['按期报送', '按期向社会公开'].includes(name)) {
        awarded++;
        expect(cellText(row.getCell(evidence!).value), name).toMatch(/^【[^】]+】/u);
      }
    });
    expect(awarded).toBeGreaterThan(100);
  });

  it('prints Evidence.location and the PDF page when the scorer gives them, the section otherwise', async () => {
    // Prepare: the first awarded indicator of the first unit, with a location and a page.
    const located = structuredClone(results);
    const first = located[0]!.dimensions.flatMap((d) => d.indicators).find((i) => i.evidence.length > 0)!;
    first.evidence[0] = { ...first.evidence[0]!, location: '二、（三）第2段', page: 3 };
    // …and the second unit's without them (as a result stored before the scorer gave locations).
    const unlocated = located[1]!.dimensions[0]!.indicators[0]!.evidence[0]!;
    delete unlocated.location;
    delete unlocated.page;
    // Act
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await workbookBuffer({ ...input, results: located })) as unknown as ExcelJS.Buffer);
    // Assess
    const cells = printedCells(book.getWorksheet(SHEETS.evidence)!).map((c) => c.text);
    expect(cells.some((t) => t.startsWith('【第3页 二、（三）第2段】'))).toBe(true);
    expect(cells.some((t) => t.startsWith(`【${located[1]!.dimensions[0]!.indicators[0]!.evidence[0]?.section ?? ''}】`))).toBe(true);
  });

  it('a unit of unknown kind is its own group (类别未识别) with a note; a meta-mismatch shows as 信息不符', async () => {
    const odd = structuredClone(results);
    odd[5] = {
      ...odd[5]!,
      rankGroup: 'other',
      rank: 1,
      flags: [...odd[5]!.flags, { code: 'meta-mismatch', severity: 'warning', message: '正文写的是2023年度，上传在2024年度' }],
    };
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await workbookBuffer({ ...input, results: odd })) as unknown as ExcelJS.Buffer);
    const sheet = book.getWorksheet(SHEETS.ranking)!;
    const header = headerOf(sheet);
    const row = sheet.getRow(7);
    expect(row.getCell(header.indexOf('排名组') + 1).value).toBe('类别未识别');
    expect(cellText(row.getCell(header.indexOf('名次说明') + 1).value)).toContain('单位类别未能识别');
    expect(cellText(row.getCell(header.indexOf('问题标记') + 1).value)).toContain('信息不符');
  });

  it('each unit gets a feedback sheet: score, grade, rank, what earned and lost points with the rubric’s requirement, what to fix', () => {
    const sheet = workbook.getWorksheet(`${FEEDBACK_PREFIX}河湾镇`)!;
    const text = printedCells(sheet)
      .map((c) => c.text)
      .join('\n');
    const result = results.find((r) => r.township === '河湾镇')!;
    expect(text).toContain(`名次：第 ${result.rank} 名`);
    expect(text).toContain(`等次：${result.grade}`);
    expect(text).toContain(`最终得分：${result.total} 分`);
    expect(text).toContain('三、失分项及如何得分');
    expect(text).toMatch(/依据：《/u);
    expect(text).toContain('明年改进要点');
    expect(text).toContain('少用空话套话');
    expect(sheet.headerFooter.oddHeader).toContain('河湾镇');
    expect(sheet.pageSetup.orientation).toBe('portrait');
  });

  it('carries its provenance and the machine results in the hidden sheet, and the same input gives the same workbook', async () => {
    // Prepare
    const sheet = workbook.getWorksheet(SHEETS.data)!;
    const rows: string[][] = [];
    sheet.eachRow((row) => rows.push([cellText(row.getCell(1).value), cellText(row.getCell(2).value)]));
    // Act
    const provenance = WorkbookProvenance.parse(JSON.parse(rows[1]![1]!));
    const payload = WorkbookPayload.parse(decodePayload(rows.slice(2).map((r) => r[1]!)));
    // Assess
    expect(provenance).toMatchObject({
      kind: 'machine',
      scope: { county: '临澜县', year: 2024 },
      resultsDigest: resultsDigest(results),
      results: results.length,
    });
    expect(provenance.rubrics[0]).toEqual({ id: rubric2024.rubric.id, version: rubric2024.rubric.version, sha256: rubric2024.sha256 });
    expect(payload.results).toEqual(results);
    const again = new ExcelJS.Workbook();
    await again.xlsx.load((await workbookBuffer(input)) as unknown as ExcelJS.Buffer);
    for (const s of workbook.worksheets) {
      const other = again.getWorksheet(s.name)!;
      const cells = (x: ExcelJS.Worksheet): string[] => {
        const out: string[] = [];
        x.eachRow((row, n) => out.push(`${n}:${JSON.stringify(row.values)}`));
        return out;
      };
      expect(cells(other)).toEqual(cells(s));
    }
  });

  it('the signed page says what the ranking leaves out, and 处理异常 lists each file with why and what to do', async () => {
    // Prepare: besides the scanned PDF that failed, three uploads the export could not rank.
    const notRanked: NotRanked[] = [
      { kind: 'processing', source: 'reports/2024/临澜县/石门镇/报告.docx', status: 'parsed' },
      { kind: 'other-rubric', source: 'reports/2024/临澜县/桃源镇报告.txt' },
      { kind: 'superseded', source: 'reports/2024/临澜县/青石镇/报告.pdf', by: 'reports/2024/临澜县/青石镇/报告.docx' },
    ];
    const book = new ExcelJS.Workbook();
    const clean = new ExcelJS.Workbook();
    // Act
    await book.xlsx.load((await workbookBuffer({ ...input, notRanked })) as unknown as ExcelJS.Buffer);
    await clean.xlsx.load((await workbookBuffer(samplesWorkbookInput(results))) as unknown as ExcelJS.Buffer);
    // Assess
    expect(signOffLines(book)).toContain(
      '未列入本表：1 个文件未能评分，1 个文件导出排名时仍在处理中，1 个文件未用本评分细则评分，1 个文件已被本单位后来上传的文件取代（逐一见“处理异常”表）。',
    );
    expect(signOffLines(workbook)).toContain('未列入本表：1 个文件未能评分（逐一见“处理异常”表）。');
    expect(signOffLines(clean).filter((t) => t.includes('未列入'))).toEqual([]);
    const failures = book.getWorksheet(SHEETS.failures)!;
    expect(failures.headerFooter.oddHeader).toContain('临澜县 2024年度未能评分或未列入排名的文件');
    expect(workbook.getWorksheet(SHEETS.failures)!.headerFooter.oddHeader).toContain('临澜县 2024年度未能评分的文件');
    const rows = printedCells(failures).filter((c) => c.row > 1);
    const byRow = [...new Set(rows.map((c) => c.row))].map((row) => rows.filter((c) => c.row === row).map((c) => c.text));
    expect(byRow).toEqual([
      ['扫描件.pdf', '扫描件，无文字层 — 请上传 Word 文件或可复制文字的 PDF'],
      ['报告.docx', '导出排名时仍在处理中（已解析，等待评分），未列入排名。处理完成后请重新导出工作簿。'],
      [
        '桃源镇报告.txt',
        `已评分，但没有用本工作簿的评分细则（${rubric2024.rubric.id} ${rubric2024.rubric.version}）评分，未列入排名。请用该细则重新评分（fazhi rescore）后再导出。`,
      ],
      ['报告.pdf', '本单位后来又上传了“报告.docx”，排名以后上传的为准；此文件未参与排名，原文件仍保存。'],
    ]);
  });

  it('carries the uploads left out in its hidden data, so the final workbook of a review lists them too; without any, the data is as before', async () => {
    // Prepare
    const notRanked: NotRanked[] = [{ kind: 'superseded', source: 'reports/2024/临澜县/青石镇/报告.pdf', by: 'reports/2024/临澜县/青石镇/报告.docx' }];
    const withThem = await workbookBuffer({ ...input, notRanked });
    const payloadOf = async (bytes: Uint8Array) => {
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(bytes as unknown as ExcelJS.Buffer);
      const cells: string[] = [];
      book.getWorksheet(SHEETS.data)!.eachRow((row, n) => n > 2 && cells.push(cellText(row.getCell(2).value)));
      return decodePayload(cells) as Record<string, unknown>;
    };
    // Act
    const outcome = await reviewWorkbook(withThem, { at: '2025-04-12T02:00:00.000Z', workbook: '复核.xlsx' });
    // Assess
    expect(WorkbookPayload.parse(await payloadOf(withThem)).notRanked).toEqual(notRanked);
    expect(Object.keys(await payloadOf(bytes))).toEqual(['results', 'failures', 'rubrics']);
    expect(outcome.refusals).toEqual([]);
    expect(finalWorkbookInput(outcome, { at: '2025-04-12T02:00:00.000Z', workbook: '复核.xlsx' }).notRanked).toEqual(notRanked);
  });

  it('beijingTime says the date in Chinese, eight hours ahead of UTC', () => {
    expect(beijingTime('2024-12-31T17:05:00.000Z')).toBe('2025年1月1日 01:05（北京时间）');
  });
});
