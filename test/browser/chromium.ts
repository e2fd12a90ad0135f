// Headless Chromium for the browser tests: Debian's `chromium` package (or FAZHI_CHROMIUM), driven by playwright-core,
// which never downloads a browser. Where none is installed the tests skip with a notice saying how to get one.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium executable to drive, or null. */
export function chromiumPath(): string | null {
  const configured = process.env.FAZHI_CHROMIUM;
  if (configured) return existsSync(configured) ? configured : null;
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export const SKIP_NOTICE =
  'browser tests skipped: no Chromium found (looked for FAZHI_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser). ' +
  'Install it with `apt-get install chromium` (.ci/run does this when it can).';

/** Flags that keep a headless Chromium quiet and local: no GPU, no sandbox (containers), no background traffic. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile each time, removed on close; Chinese UI (the file button reads 选择文件). */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'fazhi-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 900, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
