// `npm run build` (and `npm ci`'s prepare step): the prebuilt `fazhi` CLI in dist/cli/, which bin/fazhi.js runs
// while it is up to date with the sources (bin/prebuilt.js checks; otherwise the sources run through tsx).
//
//   dist/cli/main.mjs             the CLI (cli/main.ts); each command's code is in a chunk loaded when it runs
//   dist/cli/score-worker.mjs     the `fazhi score` worker threads (cli/pool/score-worker.ts)
//   dist/cli/isolated-worker.mjs  the local stack's parse and score threads (functions/shared/isolated-worker.ts)
//   dist/cli/servers-worker.mjs   the local stack's S3 and DynamoDB servers' thread (cli/local/servers-worker.ts)
//   dist/cli/*-<hash>.mjs         chunks shared by these entries, or loaded lazily
//   dist/cli/build.json           every source file the bundle was built from, with its size and mtime
//
// node_modules stays external: the bundle imports the installed packages as the sources do, so `npm ci --omit=dev`
// is enough to run it, and this build uses only production packages (esbuild, which tsx needs as well).
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { NODE_ESM_SPLIT_OPTIONS } from './esbuild-options.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where bin/fazhi.js looks for the prebuilt CLI (keep in step with bin/prebuilt.js). */
export const CLI_DIST = join(ROOT, 'dist', 'cli');
export const MANIFEST = 'build.json';

/** The build's own configuration: when it changes, a bundle built with the old one is out of date as well. */
const BUILD_CONFIG = ['scripts/build-cli.ts', 'scripts/esbuild-options.ts'];

/** The manifest bin/prebuilt.js compares with the files on disk: `inputs[path] = [mtimeMs, size]`, paths from ROOT. */
export interface CliManifest {
  version: 1;
  builtAt: string;
  inputs: Record<string, [number, number]>;
}

const ENTRY = 'fazhi-cli-entry';

/**
 * The CLI's entry: tells the worker pools where the bundled worker entries are (beside it), then hands over to
 * cli/main.ts. It exists only in the build (a module of its own namespace), so its `import.meta.url` is the bundle's.
 */
const entryPlugin: Plugin = {
  name: 'fazhi-cli-entry',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${ENTRY}$`) }, () => ({ path: ENTRY, namespace: ENTRY }));
    b.onLoad({ filter: /.*/, namespace: ENTRY }, () => ({
      resolveDir: ROOT,
      loader: 'ts',
      contents: [
        "import { useBundledWorkers } from './pipeline/parallel/pool.ts';",
        "useBundledWorkers(new URL('./', import.meta.url));",
        "export { main } from './cli/main.ts';",
      ].join('\n'),
    }));
  },
};

/**
 * In the project's own modules, `import.meta.url` keeps meaning what it means in the sources: that module's place
 * in the source tree (cli/rubrics.ts finds scoring-rules/ beside cli/, `fazhi local` finds samples/, the invite
 * pages their script). esbuild leaves `import.meta.url` as the URL of the output chunk, which sits elsewhere; each
 * use becomes the module's path relative to the output folder, resolved against the chunk's URL at run time, so a
 * checkout moved after the build still finds its files. Worker entries are located with useBundledWorkers instead.
 */
function sourceLocationPlugin(outdir: string): Plugin {
  return {
    name: 'fazhi-source-location',
    setup(b) {
      b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const { readFile } = await import('node:fs/promises');
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const fromOutput = relative(outdir, args.path).split(sep).join('/');
        const expression = `new URL(${JSON.stringify(fromOutput.startsWith('.') ? fromOutput : `./${fromOutput}`)}, import.meta.url).href`;
        return { contents: source.replace(/\bimport\.meta\.url\b/gu, expression), loader: /\.m?ts$/u.test(args.path) ? 'ts' : 'js' };
      });
    },
  };
}

/** Builds the CLI into `outdir` (default dist/cli/), replacing what was there only once the new build is complete. */
export async function buildCli(outdir: string = CLI_DIST): Promise<CliManifest> {
  const staging = `${outdir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(outdir), { recursive: true });
  const result = await build({
    ...NODE_ESM_SPLIT_OPTIONS,
    absWorkingDir: ROOT,
    entryPoints: {
      main: ENTRY,
      'score-worker': join(ROOT, 'cli/pool/score-worker.ts'),
      'isolated-worker': join(ROOT, 'functions/shared/isolated-worker.ts'),
      'servers-worker': join(ROOT, 'cli/local/servers-worker.ts'),
    },
    outdir: staging,
    // Every file in one folder: a worker entry is found beside the chunk that starts it.
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    target: 'node20',
    // The installed packages are imported at run time, exactly as from the sources.
    packages: 'external',
    // Readable stack traces (FAZHI_DEBUG=1) matter more here than the size; the maps are for node --enable-source-maps.
    sourcemap: 'linked',
    metafile: true,
    // The chunks are computed for the final folder: the source-location paths are relative to it.
    plugins: [entryPlugin, sourceLocationPlugin(outdir)],
  });
  const inputs: CliManifest['inputs'] = {};
  for (const path of [...Object.keys(result.metafile.inputs), ...BUILD_CONFIG]) {
    if (path.includes(':') && !isAbsolute(path)) continue; // a virtual module (the entry)
    const stat = statSync(join(ROOT, path));
    inputs[relative(ROOT, join(ROOT, path)).split(sep).join('/')] = [stat.mtimeMs, stat.size];
  }
  const manifest: CliManifest = { version: 1, builtAt: new Date().toISOString(), inputs };
  // Written last: a folder without its manifest is never taken for a complete build.
  writeFileSync(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
  const previous = `${outdir}.previous-${process.pid}`;
  try {
    renameSync(outdir, previous);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  renameSync(staging, outdir);
  rmSync(previous, { recursive: true, force: true });
  return manifest;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const outdir = process.argv[2] ?? CLI_DIST;
  const manifest = await buildCli(outdir);
  console.log(`fazhi CLI built in ${relative(process.cwd(), outdir) || '.'}/ from ${Object.keys(manifest.inputs).length} source files (${Math.round(performance.now() - started)} ms)`);
}
