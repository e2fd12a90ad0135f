// The upload pages of `fazhi invite` in a real browser (headless Chromium) against the local stack: a township clerk's
// view. Pages are opened as files, as from an e-mail. Set FAZHI_SCREENSHOTS=DIR to keep screenshots of what each test
// saw (the README's pictures: FAZHI_SCREENSHOTS=docs/upload-page npm run test:browser).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { MAX_UPLOAD_BYTES } from '../../pipeline/extract/limits.ts';
import { unlessMissing } from '../helpers/objects.ts';
import { makeScannedPdf } from '../../scripts/handmade-pdf.ts';
import { unitReportKey } from '../../cli/invite/forms.ts';
import { unitPageFileName } from '../../cli/invite/page.ts';
import { main } from '../../cli/main.ts';
import { connectTo, sample } from '../integration/support.ts';
import { chromiumPath, launchChromium, SKIP_NOTICE, type Browser } from './chromium.ts';

const executable = chromiumPath();
if (!executable) console.warn(`\n⚠ ${SKIP_NOTICE}\n`);

const PIPELINE_MS = 60_000;
// This project's stack is its own (fresh per run), so the county can read like a real one in the screenshots.
const county = '临澜县';
const shots = process.env.FAZHI_SCREENSHOTS;

interface PageConfig {
  expiresAt: string;
  maxBytes: number;
  postUrl: string;
  forms: Record<string, Record<string, string>>;
}

const CONFIG = /(<script type="application\/json" id="fazhi-config">)(.*?)(<\/script>)/su;
const configOf = (html: string): PageConfig => JSON.parse(CONFIG.exec(html)![2]!) as PageConfig;
/** The page with its configuration changed, as someone editing the file could: the server must still refuse. */
const tampered = (html: string, change: (config: PageConfig) => void): string =>
  html.replace(CONFIG, (_all, open: string, json: string, close: string) => {
    const config = JSON.parse(json) as PageConfig;
    change(config);
    return `${open}${JSON.stringify(config).replace(/</g, '\\u003c')}${close}`;
  });

describe.skipIf(!executable)('the upload page in Chromium', () => {
  const env = inject('fazhi');
  const pipeline = connectTo('pipeline');
  let dir: string;
  let browser: Browser;
  /** Every URL the pages asked for: only the page files and the bucket's endpoint are allowed. */
  const requested: string[] = [];

  const invite = async (units: string[], out: string, expires = '7d'): Promise<void> => {
    writeFileSync(join(dir, `${out}.txt`), units.join('\n'));
    const errors: string[] = [];
    const code = await main(
      [
        'invite',
        '--year',
        '2024',
        '--county',
        county,
        '--units',
        join(dir, `${out}.txt`),
        '--out',
        join(dir, out),
        '--expires',
        expires,
        '--bucket',
        env.bucket,
        '--s3-endpoint',
        env.s3Endpoint,
      ],
      { out: () => {}, err: (t) => errors.push(t) },
    );
    // Nothing refused or doubted; the test's made-up county is not in the gazetteer, which invite says once.
    expect(errors).toEqual([expect.stringContaining(`全国行政区划名录中没有“${county}”`)]);
    expect(code).toBe(0);
  };
  const pagePath = (out: string, unit: string): string => join(dir, out, unitPageFileName(unit));

  async function open(path: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(pathToFileURL(path).href);
    return page;
  }

  async function shoot(page: Page, name: string): Promise<void> {
    if (!shots) return;
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  }

  const exists = async (key: string): Promise<boolean> => (await unlessMissing(() => pipeline.store.get(key))) !== null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fazhi-browser-'));
    await invite(['望江镇', '河湾镇', '石门镇'], 'pages');
    browser = await launchChromium(executable!);
    browser.context.on('request', (request) => requested.push(request.url()));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("uploads a Word report: the file's name and size, a progress bar, 上传成功, then the status turns to scored", async () => {
    // Prepare
    const page = await open(pagePath('pages', '望江镇'));
    await expect.poll(() => page.getAttribute('#status', 'data-state')).toBe('none');
    expect(await page.textContent('#status')).toBe('尚未收到本单位的报告');
    const report = await sample('望江镇2024年法治政府建设情况报告.docx');
    // Act
    await page.setInputFiles('#file', { name: '望江镇2024年法治政府建设情况报告.docx', mimeType: '', buffer: report });
    expect(await page.textContent('#chosen')).toBe(`望江镇2024年法治政府建设情况报告.docx · ${(report.byteLength / 1024).toFixed(1)} KB`);
    await shoot(page, '1-chosen');
    await page.click('#upload');
    await page.waitForSelector('#result[data-result=success]');
    // Assess
    expect(await page.textContent('#result')).toMatch(/^上传成功/u);
    expect(await page.$eval('#progress', (bar) => (bar as unknown as { value: number }).value)).toBe(100);
    await page.waitForSelector('#status[data-state=scored]', { timeout: PIPELINE_MS });
    expect(await page.textContent('#status')).toBe('已处理完成，报告已评分；分数由县依法治县办审核后公布');
    expect(await page.textContent('#status-detail')).toContain('望江镇2024年度法治政府建设报告.docx');
    await shoot(page, '2-uploaded-and-scored');
    const stored = await pipeline.store.get(unitReportKey(2024, county, '望江镇', '.docx'));
    expect(Buffer.from(stored.bytes).equals(report)).toBe(true);
    await page.close();
  });

  it('shows why a scanned PDF failed (处理失败：扫描件，无文字层 — 请上传 Word 文件…), and a new upload in another format replaces it', async () => {
    // Prepare
    const page = await open(pagePath('pages', '河湾镇'));
    await expect.poll(() => page.getAttribute('#status', 'data-state')).toBe('none');
    // Act: the scanned PDF
    await page.setInputFiles('#file', { name: '河湾镇报告（扫描）.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makeScannedPdf(2)) });
    await page.click('#upload');
    await page.waitForSelector('#status[data-state=failed]', { timeout: PIPELINE_MS });
    // Assess
    expect(await page.textContent('#result')).toMatch(/^上传成功/u);
    expect(await page.textContent('#status')).toMatch(/^处理失败：扫描件，无文字层 — 请上传 Word 文件/u);
    await shoot(page, '3-failed-scanned-pdf');
    // Act: the report again, as text
    await page.setInputFiles('#file', {
      name: '河湾镇2024年法治政府建设情况报告.txt',
      mimeType: 'text/plain',
      buffer: await sample('河湾镇2024年法治政府建设情况报告.txt'),
    });
    await page.click('#upload');
    await page.waitForSelector('#status[data-state=scored]', { timeout: PIPELINE_MS });
    // Assess
    expect(await page.textContent('#status-detail')).toContain('河湾镇2024年度法治政府建设报告.txt');
    await page.close();
  });

  it("refuses a file over the size limit with 文件过大 before sending it, and S3 refuses it too when the page's check is bypassed", async () => {
    // Prepare
    const page = await open(pagePath('pages', '石门镇'));
    const big = { name: '石门镇报告（含照片）.docx', mimeType: '', buffer: Buffer.alloc(MAX_UPLOAD_BYTES + 1024 * 1024) };
    // Act: the page's own check
    await page.setInputFiles('#file', big);
    // Assess
    expect(await page.isDisabled('#upload')).toBe(true);
    expect(await page.getAttribute('#result', 'data-result')).toBe('too-large');
    expect(await page.textContent('#result')).toBe('文件过大（21.0 MB，上限 20.0 MB）— 请压缩图片或删除附件后重新上传');
    await shoot(page, '4-too-large');
    await page.setInputFiles('#file', { name: '石门镇成绩表.xlsx', mimeType: '', buffer: Buffer.from('PK') });
    expect(await page.textContent('#result')).toMatch(/^不支持的文件类型（\.xlsx）/u);
    expect(await page.isDisabled('#upload')).toBe(true);
    await page.close();

    // Prepare: the same page with its size check switched off
    const html = readFileSync(pagePath('pages', '石门镇'), 'utf8');
    const unchecked = join(dir, 'pages', 'unchecked.html');
    writeFileSync(
      unchecked,
      tampered(html, (config) => (config.maxBytes = 10 * MAX_UPLOAD_BYTES)),
    );
    const bypass = await open(unchecked);
    // Act
    await bypass.setInputFiles('#file', big);
    await bypass.click('#upload');
    await bypass.waitForSelector('#result[data-result=too-large]');
    // Assess: S3's EntityTooLarge, in the clerk's words, and nothing stored
    expect(await bypass.textContent('#result')).toBe('文件过大（上限 200.0 MB）— 请压缩图片或删除附件后重新上传');
    expect(await exists(unitReportKey(2024, county, '石门镇', '.docx'))).toBe(false);
    await bypass.close();
  });

  it("says 链接已过期 on an expired page (upload disabled, no status), and S3 refuses the upload when the page's check is bypassed", async () => {
    // Prepare: a page valid for one second, opened after that
    await invite(['青石镇'], 'short', '1s');
    const path = pagePath('short', '青石镇');
    const html = readFileSync(path, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, Date.parse(configOf(html).expiresAt) + 1500 - Date.now()));
    // Act
    const page = await open(path);
    await page.waitForSelector('#status[data-state=expired]');
    // Assess
    expect(await page.textContent('#result')).toMatch(/^链接已过期（有效期至 .+（北京时间））— 请联系县依法治县办重新获取上传页面$/u);
    expect(await page.isDisabled('#upload')).toBe(true);
    expect(await page.isDisabled('#file')).toBe(true);
    await shoot(page, '5-expired');
    await page.close();

    // Prepare: the page made to believe it is still valid
    const stale = join(dir, 'short', 'stale.html');
    writeFileSync(
      stale,
      tampered(html, (config) => (config.expiresAt = '2999-01-01T00:00:00Z')),
    );
    const bypass = await open(stale);
    // Act
    await bypass.setInputFiles('#file', {
      name: '青石镇报告.txt',
      mimeType: 'text/plain',
      buffer: await sample('青石镇2024年度法治政府建设工作情况的报告.txt'),
    });
    await bypass.click('#upload');
    await bypass.waitForSelector('#result[data-result=expired]');
    // Assess: S3 said "Policy expired"
    expect(await bypass.textContent('#result')).toMatch(/^链接已过期/u);
    expect(await exists(unitReportKey(2024, county, '青石镇', '.txt'))).toBe(false);
    await bypass.close();
  });

  it("cannot write under another unit's folder: 望江镇's page aimed at 石门镇 is refused and nothing lands there", async () => {
    // Prepare
    const html = readFileSync(pagePath('pages', '望江镇'), 'utf8');
    const intruding = unitReportKey(2024, county, '石门镇', '.txt');
    const path = join(dir, 'pages', 'intruding.html');
    writeFileSync(
      path,
      tampered(html, (config) => (config.forms['.txt']!.key = intruding)),
    );
    const page = await open(path);
    // Act
    await page.setInputFiles('#file', { name: '石门镇报告.txt', mimeType: 'text/plain', buffer: await sample('石门镇2024年法治政府建设工作报告.txt') });
    await page.click('#upload');
    await page.waitForSelector('#result[data-result=denied]');
    // Assess
    expect(await page.textContent('#result')).toBe('上传被拒绝：本页面的上传凭证无效或已被改动（AccessDenied）— 请联系县依法治县办重新获取上传页面');
    expect(await exists(intruding)).toBe(false);
    await page.close();
  });

  it("gives the county office an index with every unit's page and status", async () => {
    // Prepare / Act
    const page = await open(join(dir, 'pages', 'index.html'));
    await page.waitForSelector('#status-0[data-state=scored]');
    // Assess
    const rows = await page.$$eval('tbody tr', (trs) =>
      trs.map((tr) => (tr as unknown as { innerText: string }).innerText.split('\t').map((cell) => cell.trim())),
    );
    expect(rows.map((r) => r[0])).toEqual(['望江镇', '河湾镇', '石门镇']);
    expect(rows[0]?.[2]).toBe('已处理完成，报告已评分；分数由县依法治县办审核后公布');
    expect(rows[1]?.[2]).toBe('已处理完成，报告已评分；分数由县依法治县办审核后公布');
    expect(rows[2]?.[2]).toBe('尚未收到本单位的报告');
    await shoot(page, '6-index');
    await page.close();
  });

  it("asked nothing of the network but the bucket's endpoint (no script, font or CDN from elsewhere)", () => {
    const origin = new URL(env.s3Endpoint).origin;
    expect(requested.length).toBeGreaterThan(10);
    expect(requested.filter((url) => !url.startsWith('file://') && new URL(url).origin !== origin)).toEqual([]);
  });
});
