import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import type { ILocalBundling } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import { NODE_ESM_SPLIT_OPTIONS } from '../../scripts/esbuild-options.ts';

/**
 * Lambda code bundled by the local esbuild with code splitting. NodejsFunction cannot split (it writes one
 * --outfile); splitting is what keeps each function's entry small and its cold start short: the format libraries
 * (pdf.js, mammoth, word-extractor) and exceljs are loaded with `await import()` where they are needed and land in
 * chunks/ beside index.mjs, read only by the invocations that use them. No Docker: `tryBundle` always succeeds
 * locally; the image is required by the API and never pulled.
 */

/**
 * ESM output needs `require`, `__filename` and `__dirname` for the CommonJS dependencies esbuild inlines (exceljs,
 * mammoth, word-extractor call `require('fs')` etc. at run time). Prefixed import names avoid clashing with bundled
 * identifiers. esbuild puts the banner at the top of every output file, chunks included.
 */
export const ESM_REQUIRE_BANNER =
  "import{createRequire as __fzCreateRequire}from'node:module';" +
  "import{fileURLToPath as __fzFileURLToPath}from'node:url';" +
  "import{dirname as __fzDirname}from'node:path';" +
  'const require=__fzCreateRequire(import.meta.url);' +
  'const __filename=__fzFileURLToPath(import.meta.url);' +
  'const __dirname=__fzDirname(__filename);';

export interface BundleOptions {
  /** Absolute path of the handler module; it becomes index.mjs (handler `index.handler`). */
  readonly entry: string;
  /** More entry points beside index.mjs, e.g. `{ 'isolated-worker': '/abs/functions/shared/isolated-worker.ts' }`. */
  readonly extraEntries?: Readonly<Record<string, string>>;
  /** Directories to copy next to the bundle: { from: absolute source dir, to: dir under the asset }. */
  readonly copy?: readonly { from: string; to: string }[];
}

/** The esbuild options the stack and `npm run bench` share, so the benchmark measures what is deployed. */
export function esbuildOptions(entry: string, outdir: string, extraEntries: Readonly<Record<string, string>> = {}): Parameters<typeof buildSync>[0] {
  return {
    ...NODE_ESM_SPLIT_OPTIONS,
    entryPoints: { index: entry, ...extraEntries },
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'node22',
    // Dependencies are bundled: the CommonJS ones need `require` and `__dirname` in ESM output.
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    // Stack traces need the mappings only; leaving sources out halves the .map files.
    sourcesContent: false,
  };
}

export function bundledCode(options: BundleOptions): Code {
  const local: ILocalBundling = {
    tryBundle(outputDir: string): boolean {
      buildSync(esbuildOptions(options.entry, outputDir, options.extraEntries));
      for (const { from, to } of options.copy ?? []) cpSync(from, join(outputDir, to), { recursive: true });
      return true;
    },
  };
  return Code.fromAsset(join(options.entry, '..'), {
    // The hash of what is deployed (the bundle), not of the entry's folder: a change anywhere in pipeline/ or in a
    // dependency makes a new asset.
    assetHashType: AssetHashType.OUTPUT,
    bundling: { image: DockerImage.fromRegistry('node:22-unused'), local },
  });
}
