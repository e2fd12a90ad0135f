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
// node_modules stays external but for BUNDLED_SPECIFIERS (zod and exceljs's streaming writer, what every `fazhi score
// --out` loads): the bundle imports the other installed packages as the sources do. `npm ci --omit=dev` is enough to
// run it, and this build uses only production packages (esbuild, which tsx needs as well).
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { isDeepStrictEqual } from 'node:util';
import { RUBRICS_DIR, rubricTextHash } from '../cli/rubrics.ts';
import type { ValidatedRubric } from '../cli/validated-rubrics.ts';
import { parseRubricText, RubricError } from '../pipeline/score/rubric.ts';
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
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const fromOutput = relative(outdir, args.path).split(sep).join('/');
        const expression = `new URL(${JSON.stringify(fromOutput.startsWith('.') ? fromOutput : `./${fromOutput}`)}, import.meta.url).href`;
        return { contents: source.replace(/\bimport\.meta\.url\b/gu, expression), loader: /\.m?ts$/u.test(args.path) ? 'ts' : 'js' };
      });
    },
  };
}

/**
 * Packages bundled into the CLI rather than imported from node_modules at run time: what `fazhi score --out` loads at
 * every start. From node_modules they are ≈ 300 files (zod's ES modules; exceljs's streaming writer with archiver,
 * readable-stream and the rest of its zip writer), ≈ 0.2 s of resolving, reading and compiling before a county's
 * workbook is written; bundled, ≈ 0.05 s. Whatever they import from other packages is bundled with them. Each entry
 * is a specifier as the sources write it (a package, or one file of one): exceljs's writer, not the package's entry,
 * which `fazhi review` imports for its reader and which stays external with every other package (the AWS SDK, the
 * local servers, the extractors: they load only for the commands and files that need them, exactly as from the
 * sources). The bundled files are in the manifest like the sources, so a reinstalled node_modules makes the build out
 * of date until `npm ci` (prepare) builds it again.
 */
export const BUNDLED_SPECIFIERS: readonly string[] = [
  'zod',
  'exceljs/lib/stream/xlsx/workbook-writer.js',
  'exceljs/lib/utils/utils.js',
  'exceljs/lib/doc/range.js',
];

const isBundled = (specifier: string): boolean => BUNDLED_SPECIFIERS.some((b) => specifier === b || (!b.endsWith('.js') && specifier.startsWith(`${b}/`)));

const packagesPlugin: Plugin = {
  name: 'fazhi-packages',
  setup(b) {
    // No u flag: esbuild reads the filter as a Go regular expression.
    b.onResolve({ filter: new RegExp('^[^./]') }, (args) => {
      if (args.kind === 'entry-point' || args.namespace === ENTRY || args.path.startsWith('node:')) return undefined;
      const fromPackage = args.importer.includes(`${sep}node_modules${sep}`);
      return fromPackage || isBundled(args.path) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * Calls of the deprecated `new Buffer()` in bundled packages, each replaced by what it does in Node ≥ 8 (a zero-filled
 * buffer, or a string's UTF-8 bytes). Node warns of `new Buffer()` (DEP0005) only when it is called from outside
 * node_modules, which bundled code is: archiver-utils 2 (under archiver 5) calls it for every part exceljs adds to the
 * zip, and each `fazhi score --out` would print the warning. A listed file that still calls `new Buffer()` once its
 * listed calls are replaced fails the build (a new version: look again); test/cli/prebuilt.test.ts runs the bundle
 * with deprecations as errors.
 */
const BUFFER_CALLS: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  [join('archiver-utils', 'index.js')]: [
    ['var buf = new Buffer(size);', 'var buf = Buffer.alloc(size);'],
    ['return new Buffer(0);', 'return Buffer.alloc(0);'],
    ['return new Buffer(source);', 'return Buffer.from(source);'],
  ],
};

const bufferCallsPlugin: Plugin = {
  name: 'fazhi-buffer-calls',
  setup(b) {
    b.onLoad({ filter: new RegExp('[/\\\\]node_modules[/\\\\].*\\.js$') }, async (args) => {
      const key = Object.keys(BUFFER_CALLS).find((k) => args.path.endsWith(`${sep}node_modules${sep}${k}`));
      if (!key) return undefined;
      let contents = await readFile(args.path, 'utf8');
      if (!contents.includes('new Buffer(')) return undefined; // a version without them (zip-stream's own copy)
      for (const [call, replacement] of BUFFER_CALLS[key]!) contents = contents.split(call).join(replacement);
      if (contents.includes('new Buffer('))
        throw new Error(
          `${args.path} calls new Buffer() where scripts/build-cli.ts BUFFER_CALLS does not expect it: bundled, it would print Node's DEP0005 warning`,
        );
      return { contents, loader: 'js' };
    });
  },
};

/**
 * cli/validated-rubrics.ts in the bundle: each scoring-rules/*.json that validates, as parseRubric (with the schema
 * being bundled) made it, by the hash of its text. A CLI start then reads the bundled rubric's JSON instead of
 * validating it again with zod; a file edited after the build has another hash and is validated in full.
 */
const VALIDATED_RUBRICS_MODULE = join(ROOT, 'cli', 'validated-rubrics.ts');
const EMPTY_TABLE = 'export const VALIDATED_RUBRICS: ReadonlyMap<string, ValidatedRubric> = new Map();';

const validatedRubricsPlugin: Plugin = {
  name: 'fazhi-validated-rubrics',
  setup(b) {
    b.onLoad({ filter: new RegExp('validated-rubrics\\.ts$') }, async (args) => {
      if (args.path !== VALIDATED_RUBRICS_MODULE) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(EMPTY_TABLE)) throw new Error(`${args.path} no longer declares “${EMPTY_TABLE}” (scripts/build-cli.ts)`);
      const table = JSON.stringify(await validatedRubrics());
      return { contents: source.replace(EMPTY_TABLE, EMPTY_TABLE.replace('new Map()', `new Map(${table})`)), loader: 'ts' };
    });
  },
};

/** [hash of the text, { sha256, json }] of every rubric file in scoring-rules/ that validates and is plain JSON data. */
async function validatedRubrics(): Promise<[string, ValidatedRubric][]> {
  const entries: [string, ValidatedRubric][] = [];
  for (const name of (await readdir(RUBRICS_DIR)).filter((n) => n.endsWith('.json')).sort()) {
    const text = await readFile(join(RUBRICS_DIR, name), 'utf8');
    let loaded;
    try {
      loaded = parseRubricText(text, name);
    } catch (error) {
      if (error instanceof RubricError) continue; // not a rubric (rubric.schema.json), or a broken one: checked at load
      throw error;
    }
    const json = JSON.stringify(loaded.rubric);
    // What is read back must be what was validated (no value JSON cannot carry).
    if (!isDeepStrictEqual(JSON.parse(json), loaded.rubric)) continue;
    entries.push([rubricTextHash(text), { sha256: loaded.sha256, json }]);
  }
  return entries;
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
    // CommonJS code bundled into these ES modules (exceljs and its zip writer) requires Node's built-in modules.
    banner: { js: "import { createRequire as __fazhiRequire } from 'node:module';\nconst require = __fazhiRequire(import.meta.url);" },
    // Readable stack traces (FAZHI_DEBUG=1) matter more here than the size; the maps are for node --enable-source-maps.
    sourcemap: 'linked',
    metafile: true,
    // The chunks are computed for the final folder: the source-location paths are relative to it.
    plugins: [entryPlugin, packagesPlugin, bufferCallsPlugin, validatedRubricsPlugin, sourceLocationPlugin(outdir)],
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
  console.log(
    `fazhi CLI built in ${relative(process.cwd(), outdir) || '.'}/ from ${Object.keys(manifest.inputs).length} source files (${Math.round(performance.now() - started)} ms)`,
  );
}
