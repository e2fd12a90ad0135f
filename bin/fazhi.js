#!/usr/bin/env node
// The `fazhi` command. The project is TypeScript run through tsx's loader, so `npx fazhi` works right after
// `npm ci` with no build step; the Lambda functions are bundled separately by esbuild (see infra/).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
