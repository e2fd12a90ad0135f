// Is the prebuilt CLI (dist/cli/, scripts/build-cli.ts) the code of the sources as they are now? Its manifest lists
// every source file it was built from with the size and modification time the file had; a file changed, removed or
// touched since (a developer editing TypeScript, a `git checkout`) makes the bundle out of date, and bin/fazhi.js
// runs the sources instead. A new file matters only once a listed file imports it, and then that file changed too.
// Plain JavaScript with no dependency: it runs before anything is loaded, on every start (≈ 1 ms for ~200 stats).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project root, which the manifest's paths are relative to. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where `npm ci` (prepare) and `npm run build` put the CLI (scripts/build-cli.ts CLI_DIST). */
export const DEFAULT_CLI_DIR = join(ROOT, 'dist', 'cli');
const MANIFEST = 'build.json';

/**
 * `{ main }`: the URL of the prebuilt CLI's entry, up to date with the sources; or `{ reason }`: why the sources must
 * run instead.
 */
export function prebuiltCli(dir = DEFAULT_CLI_DIR) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
  } catch {
    return { reason: `no prebuilt CLI in ${dir} (npm run build makes one)` };
  }
  if (manifest?.version !== 1 || typeof manifest.inputs !== 'object') return { reason: `${join(dir, MANIFEST)} is not a manifest this bin/fazhi.js reads` };
  for (const [path, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    let stat;
    try {
      stat = statSync(join(ROOT, path));
    } catch {
      return { reason: `${path} was removed after the CLI was built` };
    }
    if (stat.mtimeMs !== mtimeMs || stat.size !== size) return { reason: `${path} changed after the CLI was built` };
  }
  return { main: pathToFileURL(join(dir, 'main.mjs')).href };
}
