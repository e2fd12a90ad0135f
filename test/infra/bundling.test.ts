// The one test that really bundles (local esbuild, no Docker). It bundles only the ingest function, with exactly the
// props the stack uses (pipelineFunctionProps), so it stays fast once the real handlers and their dependencies land.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineFunction } from '../../infra/constructs/pipeline-function.ts';
import { PDF_DATA_DIR, PDF_DATA_SUBDIR, pipelineFunctionProps } from '../../infra/fazhi-stack.ts';
import { REPO_ROOT, pdfjsDistDirRelative } from '../../infra/paths.ts';
import { logicalId, makeApp } from './support.ts';
import { IsolatedRunner, isolatedParser, isolatedScorer } from '../../functions/shared/isolated.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';

let assetDir: string;

beforeAll(() => {
  const app = makeApp({ bundle: true });
  const stack = new Stack(app, 'BundlingCheck');
  const ingest = new PipelineFunction(stack, 'Ingest', pipelineFunctionProps('ingest', { FAZHI_PDF_DATA_DIR: PDF_DATA_DIR }, RemovalPolicy.DESTROY));
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Properties: { Code: { S3Key: string } } }>;
  const s3Key = resources[logicalId(ingest.function)]?.Properties.Code.S3Key ?? '';
  expect(s3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
  assetDir = join(app.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
});

describe('ingest bundle', () => {
  it('is an ESM bundle with a source map', () => {
    expect(existsSync(join(assetDir, 'index.mjs'))).toBe(true);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    expect(readFileSync(join(assetDir, 'index.mjs'), 'utf8')).toContain('createRequire');
  });

  it('ships every pdf.js CMap and standard font under pdfjs/', () => {
    const source = join(REPO_ROOT, pdfjsDistDirRelative());
    for (const dir of ['cmaps', 'standard_fonts']) {
      const shipped = readdirSync(join(assetDir, PDF_DATA_SUBDIR, dir)).sort();
      expect(shipped.length, dir).toBeGreaterThan(0);
      expect(shipped, dir).toEqual(readdirSync(join(source, dir)).sort());
    }
    // The GB CMaps that Chinese PDFs without embedded fonts need (tooling notes §4).
    expect(statSync(join(assetDir, PDF_DATA_SUBDIR, 'cmaps', 'UniGB-UCS2-H.bcmap')).size).toBeGreaterThan(0);
    expect(PDF_DATA_DIR).toBe(`/var/task/${PDF_DATA_SUBDIR}`);
  });

  it('loads as an ES module in Node and exports handler (the createRequire banner is valid)', () => {
    const url = pathToFileURL(join(assetDir, 'index.mjs')).href;
    const probe = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); process.exit(typeof m.handler === 'function' ? 0 : 3);`],
      { encoding: 'utf8' },
    );
    expect(probe.stderr).toBe('');
    expect(probe.status).toBe(0);
  });
});

describe('the bundled isolated worker (isolated-worker.mjs beside index.mjs)', () => {
  it('parses and scores a report in a worker thread, as the Lambda runs it', async () => {
    // Prepare
    const runner = new IsolatedRunner({ kind: 'module', url: pathToFileURL(join(assetDir, 'isolated-worker.mjs')) });
    const bytes = readFileSync(join(REPO_ROOT, 'samples', '石门镇2024年法治政府建设工作报告.txt'));
    const rubric = bundledRubricFor(2024);
    try {
      // Act
      const outcome = await isolatedParser(runner).parse(
        { key: 'reports/2024/临澜县/石门镇.txt', bytes, location: { year: 2024, county: '临澜县' } },
        rubric.rubric.metrics,
      );
      if (!outcome.ok) throw new Error(outcome.failure.message);
      const result = await isolatedScorer(runner).score(outcome.report, rubric);
      // Assess
      expect(outcome.report.meta.township).toBe('石门镇');
      expect(result.total).toBeGreaterThan(0);
      expect(runner.terminations).toBe(0);
    } finally {
      await runner.close();
    }
  });
});
