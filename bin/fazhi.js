#!/usr/bin/env node
// The `fazhi` command. It runs the prebuilt CLI (dist/cli/, made by `npm ci`'s prepare step or `npm run build`:
// scripts/build-cli.ts) when that was built from the sources as they are now; otherwise — no build yet, or a source
// file changed since (bin/prebuilt.js) — it runs the TypeScript sources through tsx's loader, which is slower to
// start but never stale. FAZHI_SOURCE=1 always runs the sources; FAZHI_CLI_DIR names another prebuilt CLI folder;
// FAZHI_DEBUG=1 says on stderr which one runs and why.
import { prebuiltCli } from './prebuilt.js';

// `fazhi … | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const prebuilt = process.env.FAZHI_SOURCE ? { reason: 'FAZHI_SOURCE is set' } : prebuiltCli(process.env.FAZHI_CLI_DIR || undefined);
let main;
if (prebuilt.main) {
  if (process.env.FAZHI_DEBUG) process.stderr.write(`fazhi: prebuilt CLI ${new URL(prebuilt.main).pathname}\n`);
  ({ main } = await import(prebuilt.main));
} else {
  if (process.env.FAZHI_DEBUG) process.stderr.write(`fazhi: running the TypeScript sources through tsx: ${prebuilt.reason}\n`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
