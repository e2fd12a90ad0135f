import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/** Repository root (where package-lock.json and node_modules live). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Absolute path of a Lambda entry under functions/ (entries are fixed: functions/<name>/handler.ts). */
export const handlerEntry = (name: string): string => join(REPO_ROOT, 'functions', name, 'handler.ts');

/** The worker thread ingest and score run documents in, bundled beside index.mjs as isolated-worker.mjs. */
export const ISOLATED_WORKER_ENTRY = join(REPO_ROOT, 'functions', 'shared', 'isolated-worker.ts');

/**
 * pdfjs-dist's package directory relative to REPO_ROOT. Resolved rather than assumed so a hoisted or nested install
 * still works; kept relative because bundling commands receive the project root as `inputDir`.
 */
export function pdfjsDistDirRelative(): string {
  const require = createRequire(import.meta.url);
  // pdfjs-dist has no "exports" map, so package.json is resolvable.
  return relative(REPO_ROOT, dirname(require.resolve('pdfjs-dist/package.json')));
}
