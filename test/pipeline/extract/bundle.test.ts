/**
 * The extract stage bundled by esbuild the way a Lambda is (ESM, one file, a createRequire banner) and run from a
 * directory with no node_modules: pdf.js must find the CMaps copied next to the bundle (PDF_DATA_FILES), and the
 * other libraries must work bundled.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { PDF_DATA_FILES, pdfDataSourceDir } from '../../../pipeline/extract/index.ts';
import { layoutReportPdf } from '../../../scripts/handmade-pdf.ts';
import { FIXTURE_DIR, REPO_ROOT, bigramRecall, fictionalReports } from './helpers.ts';

describe('an esbuild bundle of the extract stage, outside the repository', () => {
  const report = fictionalReports().find((r) => r.name === 'wangjiang-2024')!;
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fazhi-extract-bundle-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      `import { readFileSync } from 'node:fs';
import { extractDocument, pdfDataDir } from ${JSON.stringify(join(REPO_ROOT, 'pipeline/extract/index.ts'))};
const results = [];
for (const file of process.argv.slice(2)) {
  const doc = await extractDocument(readFileSync(file));
  results.push({ format: doc.format, text: doc.blocks.map((b) => b.text).join('\\n') });
}
console.log(JSON.stringify({ dataDir: pdfDataDir(), results }));
`,
    );
    await build({
      entryPoints: [entry],
      outfile: join(dir, 'out', 'index.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    });
    for (const { from, to } of PDF_DATA_FILES) cpSync(join(pdfDataSourceDir(), from), join(dir, 'out', to), { recursive: true });
    writeFileSync(join(dir, 'unigb.pdf'), layoutReportPdf(report.text));
  });

  it('finds the CMaps next to the bundle and reads PDF (non-embedded CJK font), .docx and .doc', () => {
    const files = ['unigb.pdf', join(FIXTURE_DIR, 'wangjiang-2024.docx'), join(FIXTURE_DIR, 'wangjiang-2024.doc'), join(FIXTURE_DIR, 'wangjiang-2024.pdf')];
    const output = execFileSync(process.execPath, [join(dir, 'out', 'index.mjs'), ...files.map((f) => (f.startsWith('/') ? f : join(dir, f)))], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    });
    const { dataDir, results } = JSON.parse(output) as { dataDir: string; results: { format: string; text: string }[] };
    expect(dataDir).toBe(join(dir, 'out', 'pdfjs-dist'));
    expect(results.map((r) => r.format)).toEqual(['pdf', 'docx', 'doc', 'pdf']);
    for (const result of results) expect(bigramRecall(report.text, result.text)).toBeGreaterThanOrEqual(0.99);
    expect(readFileSync(join(dir, 'out', 'index.mjs'), 'utf8')).not.toContain(REPO_ROOT + '/node_modules/pdfjs-dist');
  });
});
