import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure code, CDK assertions, the CLI in-process; no servers), `integration` (the handlers
// against real S3- and DynamoDB-protocol servers on 127.0.0.1, started once per run by the global setup) and
// `browser` (the upload pages in headless Chromium against such a local stack of its own; skipped with a notice where
// no Chromium is installed).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/browser/**', 'node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
