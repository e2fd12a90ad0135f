// Renders the samples' 2024 workbook the way an assessor prints it (LibreOffice Calc → PDF) and writes pictures of
// chosen pages for the README: docs/workbook-ranking.png (排名, page 1), docs/workbook-review.png (复核) and
// docs/workbook-feedback.png (the first 反馈 sheet). Needs soffice and pdftoppm (poppler-utils).
// Run: node bin/run-ts.js scripts/render-workbook.ts [--out DIR]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getDocumentProxy } from 'unpdf';
import { runScore } from '../cli/commands/score.ts';
import { pdfDataOptions } from '../pipeline/extract/pdf-data.ts';
import { workbookBuffer } from '../pipeline/workbook/index.ts';
import { convertWithLibreOffice } from '../test/helpers/review.ts';
import { samplesWorkbookInput } from '../test/helpers/workbook.ts';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const outDir = values.out ?? join(import.meta.dirname, '..', 'docs');
const run = await runScore([join(import.meta.dirname, '..', 'samples')], {});
const results = run.results.filter((r) => r.year === 2024);
const xlsx = await workbookBuffer(samplesWorkbookInput(results));
const pdf = convertWithLibreOffice(xlsx, 'xlsx', 'pdf');

/** First page whose running head contains `title`. */
async function pageOf(title: string): Promise<number> {
  const doc = await getDocumentProxy(new Uint8Array(pdf), { ...pdfDataOptions(), verbosity: 0 });
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const items = (await (await doc.getPage(n)).getTextContent()).items;
      if (items.some((i) => 'str' in i && i.str.includes(title))) return n;
    }
  } finally {
    await doc.destroy();
  }
  throw new Error(`no page titled ${title}`);
}

const work = mkdtempSync(join(tmpdir(), 'fazhi-render-'));
writeFileSync(join(work, 'workbook.pdf'), pdf);
mkdirSync(outDir, { recursive: true });
for (const [name, title] of [
  ['workbook-ranking', '评分排名'],
  ['workbook-review', '评分复核表'],
  ['workbook-feedback', '年度报告评分反馈'],
] as const) {
  const n = await pageOf(title);
  const made = spawnSync('pdftoppm', ['-r', '80', '-f', String(n), '-l', String(n), '-png', '-singlefile', join(work, 'workbook.pdf'), join(work, name)], {
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`pdftoppm failed: ${made.stderr}`);
  renameSync(join(work, `${name}.png`), join(outDir, `${name}.png`));
  console.log(`${join(outDir, `${name}.png`)} (page ${n})`);
}
rmSync(work, { recursive: true, force: true });
