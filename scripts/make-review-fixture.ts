// Regenerates test/fixtures/review/: a workbook `fazhi score` writes for four samples, with one fictional pending copy
// deduction, filled in as an assessor would (SheetJS) and re-saved by LibreOffice Calc — the file the CLI review test
// reads. Needs `soffice` on PATH. Run: node bin/run-ts.js scripts/make-review-fixture.ts
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runScore } from '../cli/commands/score.ts';
import { workbookBuffer } from '../pipeline/workbook/index.ts';
import { COLUMNS, SHEETS } from '../pipeline/workbook/keys.ts';
import { fillWithSheetJS, resaveWithLibreOffice, SOFFICE, withPendingCopy } from '../test/helpers/review.ts';
import { samplesWorkbookInput } from '../test/helpers/workbook.ts';

export const FIXTURE_DIR = join(import.meta.dirname, '..', 'test', 'fixtures', 'review');
export const FIXTURE = '临澜县2024-复核-LibreOffice.xlsx';
const SAMPLES = [
  '望江镇2024年法治政府建设情况报告.docx',
  '青石镇2024年度法治政府建设工作情况的报告.txt',
  '桃源镇2024年度法治政府建设工作情况的报告.txt',
  '石门镇2024年法治政府建设工作报告.txt',
];

if (!SOFFICE) throw new Error('soffice is not on PATH: install LibreOffice Calc (libreoffice-calc-nogui) to regenerate the fixture');
const run = await runScore(
  SAMPLES.map((name) => join(import.meta.dirname, '..', 'samples', name)),
  { county: '临澜县', year: 2024 },
);
const results = withPendingCopy(
  run.results,
  run.results.findIndex((r) => r.township === '石门镇'),
  4,
);
const machine = await workbookBuffer(samplesWorkbookInput(results));
const at = (name: string): number => results.findIndex((r) => r.township === name);
const shimen = results[at('石门镇')]!;
const pending = `R${at('石门镇')}.D:${shimen.pending![0]!.id}`;
const indicator = shimen.dimensions.flatMap((d) => d.indicators).find((i) => i.score === 0 && i.max >= 1)!;
const filled = fillWithSheetJS(machine, [
  { key: `R${at('青石镇')}`, column: COLUMNS.adjustment, value: 3 },
  { key: `R${at('青石镇')}`, column: COLUMNS.reason, value: '附件证明获评省级法治示范镇' },
  { key: `R${at('青石镇')}`, column: COLUMNS.reviewer, value: '张三' },
  { key: pending, column: COLUMNS.decision, value: '确认' },
  { key: pending, column: COLUMNS.reason, value: '核实为照搬' },
  { key: pending, column: COLUMNS.reviewer, value: '李四' },
  { sheet: SHEETS.evidence, key: `R${at('石门镇')}.I:${indicator.id}`, column: COLUMNS.adjusted, value: 1 },
  { sheet: SHEETS.evidence, key: `R${at('石门镇')}.I:${indicator.id}`, column: COLUMNS.reason, value: '报告附件中有相关记录' },
  { sheet: SHEETS.evidence, key: `R${at('石门镇')}.I:${indicator.id}`, column: COLUMNS.reviewer, value: '王五' },
]);
await mkdir(FIXTURE_DIR, { recursive: true });
await writeFile(join(FIXTURE_DIR, FIXTURE), resaveWithLibreOffice(filled));
console.log(`wrote ${join(FIXTURE_DIR, FIXTURE)} (indicator ${indicator.id} of 石门镇 raised to 1)`);
