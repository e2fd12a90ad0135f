import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where pdf.js finds its data files: `cmaps/` (needed for Chinese PDFs whose fonts are not embedded, e.g.
 * STSong-Light with /UniGB-UCS2-H) and `standard_fonts/`. pdf.js on Node 20 needs filesystem paths with a trailing
 * separator here; `file://` URLs fail.
 *
 * Lookup order:
 *   1. `$FAZHI_PDF_DATA_DIR` (a directory containing `cmaps/` and `standard_fonts/`);
 *   2. `<directory of this module or bundle>/pdfjs-dist/` — where a Lambda bundle ships them (see PDF_DATA_FILES);
 *   3. the installed `pdfjs-dist` package.
 */

export const PDF_DATA_DIR_ENV = 'FAZHI_PDF_DATA_DIR';

/**
 * What the infra must copy next to the Lambda bundle: each `from` (relative to pdfDataSourceDir()) into
 * `<bundle output dir>/<to>`. E.g. in NodejsFunction `bundling.commandHooks.afterBundling`:
 * `cp -r ${pdfDataSourceDir()}/cmaps ${outputDir}/pdfjs-dist/cmaps` (likewise standard_fonts).
 */
export const PDF_DATA_FILES = [
  { from: 'cmaps', to: 'pdfjs-dist/cmaps' },
  { from: 'standard_fonts', to: 'pdfjs-dist/standard_fonts' },
] as const;

/** The bundle-relative directory (rule 2) that holds the copied data. */
export const PDF_DATA_BUNDLE_DIRNAME = 'pdfjs-dist';

/** The installed pdfjs-dist package directory: the source the infra copies from. */
export function pdfDataSourceDir(): string {
  return dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
}

/** The directory holding `cmaps/` and `standard_fonts/`, per the lookup order above. */
export function pdfDataDir(): string {
  const override = process.env[PDF_DATA_DIR_ENV];
  if (override) return override;
  const here = moduleDir();
  if (here) {
    const bundled = join(here, PDF_DATA_BUNDLE_DIRNAME);
    if (existsSync(join(bundled, 'cmaps'))) return bundled;
  }
  return pdfDataSourceDir();
}

/** Options for pdf.js getDocument: CMap and standard-font directories as paths ending in a separator. */
export function pdfDataOptions(): { cMapUrl: string; cMapPacked: true; standardFontDataUrl: string } {
  const base = pdfDataDir();
  return {
    cMapUrl: withTrailingSeparator(join(base, 'cmaps')),
    cMapPacked: true,
    standardFontDataUrl: withTrailingSeparator(join(base, 'standard_fonts')),
  };
}

function moduleDir(): string | undefined {
  try {
    return dirname(fileURLToPath(import.meta.url));
  } catch {
    return undefined;
  }
}

function withTrailingSeparator(path: string): string {
  return path.endsWith(sep) || path.endsWith('/') ? path : path + sep;
}
