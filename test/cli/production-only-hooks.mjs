// The resolve hook of production-only.mjs (module hooks run in their own thread). With a log, it lists every package
// resolved, and every .mjs module outside node_modules (the prebuilt CLI's chunks) as chunk:<file name>.
import { appendFileSync, readFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'));
/** Packages `npm ci --omit=dev` does not install, by their node_modules path (e.g. "s3rver", "koa/node_modules/depd"). */
const devOnly = new Set(
  Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev === true)
    .map(([path]) => path.slice('node_modules/'.length)),
);
let log = null;

export function initialize(data) {
  log = data?.log ?? null;
}

/** The installed package path of a resolved file URL: "koa/node_modules/depd" for …/node_modules/koa/node_modules/depd/x.js. */
function packagePath(url) {
  const parts = decodeURIComponent(new URL(url).pathname).split('/node_modules/').slice(1);
  if (parts.length === 0) return null;
  return parts
    .map((part) => {
      const segments = part.split('/');
      return segments[0].startsWith('@') ? `${segments[0]}/${segments[1]}` : segments[0];
    })
    .join('/node_modules/');
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (!result.url.startsWith('file:')) return result;
  const pkg = packagePath(result.url);
  if (pkg && log) appendFileSync(log, `${pkg}\n`);
  // A module of the prebuilt CLI (dist/cli/*.mjs): by its file name, as "chunk:workbook-writer-XXXX.mjs".
  if (!pkg && log && result.url.endsWith('.mjs')) appendFileSync(log, `chunk:${result.url.slice(result.url.lastIndexOf('/') + 1)}\n`);
  if (pkg && devOnly.has(pkg)) {
    throw new Error(`FAZHI_DEV_DEPENDENCY: "${specifier}" resolves into ${pkg}, which npm ci --omit=dev does not install`);
  }
  return result;
}
