import type { BuildOptions } from 'esbuild';

/**
 * What the two esbuild builds of the project share: the Lambda bundles (infra/constructs/esbuild-bundle.ts) and the
 * prebuilt `fazhi` CLI (scripts/build-cli.ts). Both are ES modules for Node with code splitting, so that a lazy
 * `await import()` in the source stays lazy in the output: each entry loads only the chunks its code path needs.
 * This module imports nothing but esbuild's types: the CLI build runs under `npm ci --omit=dev`, where the CDK is
 * not installed.
 */
export const NODE_ESM_SPLIT_OPTIONS: Readonly<BuildOptions> = {
  bundle: true,
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  platform: 'node',
  // Prefer ESM entry points (tree-shakable), fall back to CJS for packages that only ship that.
  mainFields: ['module', 'main'],
  // Chinese string literals stay UTF-8 instead of \u escapes (smaller, readable in the console).
  charset: 'utf8',
  // Rubrics are imported as JSON modules.
  loader: { '.json': 'json' },
  legalComments: 'none',
  logLevel: 'warning',
};
