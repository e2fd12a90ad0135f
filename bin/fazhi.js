#!/usr/bin/env node
// The `fazhi` command. The project is TypeScript run through tsx's loader, so `npx fazhi` works right after
// `npm ci` with no build step; the Lambda functions are bundled separately by esbuild (see infra/).
import { register } from 'tsx/esm/api';

// `fazhi … | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
