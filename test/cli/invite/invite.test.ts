// fazhi invite in process: what the pages carry (the signed policies, decoded), that they are self-contained, and
// the command's answers. Signing needs no server, so a made-up local endpoint is enough here; the pages are used
// against the local stack in test/integration/upload-policy.test.ts and in a real browser in test/browser/.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPORT_SUFFIXES } from '../../../schemas/storage.ts';
import { MAX_UPLOAD_BYTES } from '../../../pipeline/extract/limits.ts';
import { LOCAL_CREDENTIALS, makeS3Client } from '../../../functions/aws/clients.ts';
import { parseExpires } from '../../../cli/commands/invite.ts';
import { signUnitPage, UPLOAD_TYPES, unitReportKey } from '../../../cli/invite/forms.ts';
import { pageScript, renderUnitPage } from '../../../cli/invite/page.ts';
import { checkPostPolicy } from '../../../cli/local/post-policy.ts';
import { main } from '../../../cli/main.ts';
import { contentTypeOf } from '../../../cli/uploads.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ENDPOINT = 'http://127.0.0.1:9';
const client = makeS3Client({ s3Endpoint: ENDPOINT });
afterAll(() => client.destroy());

const sign = (unit: string, expiresInSeconds = 7 * 24 * 3600) =>
  signUnitPage(client, { bucket: 'fazhi-local', year: 2024, county: '青川县', unit, expiresInSeconds, maxBytes: MAX_UPLOAD_BYTES });

type Policy = { expiration: string; conditions: unknown[] };
const policyOf = (fields: Record<string, string>): Policy => JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as Policy;
const formOf = (fields: Record<string, string>, fileSize: number) => ({ fields: Object.entries(fields).map(([name, value]) => ({ name, value })), fileSize });

describe('the signed upload forms of a unit page', () => {
  it('offer every report format the pipeline reads, with the content types fazhi upload sends', () => {
    // Prepare
    const offered = new Set(UPLOAD_TYPES.flatMap((t) => t.accept));
    // Act / Assess
    expect([...offered].sort()).toEqual([...new Set(REPORT_SUFFIXES.map((s) => s.toLowerCase()))].sort());
    for (const type of UPLOAD_TYPES) expect(type.contentType).toBe(contentTypeOf(`x${type.ext}`));
  });

  it("allow exactly one key per type in the unit's folder, that content type, 1 byte to the upload limit, until the expiry", async () => {
    // Prepare
    const before = Date.now();
    // Act
    const page = await sign('乔庄镇', 3600);
    // Assess
    expect(Object.keys(page.forms)).toEqual(UPLOAD_TYPES.map((t) => t.ext));
    for (const type of UPLOAD_TYPES) {
      const fields = page.forms[type.ext]!;
      const policy = policyOf(fields);
      expect(fields.key).toBe(unitReportKey(2024, '青川县', '乔庄镇', type.ext));
      expect(fields.key!.startsWith('reports/2024/青川县/乔庄镇/')).toBe(true);
      expect(policy.conditions).toContainEqual({ key: fields.key });
      expect(policy.conditions).toContainEqual({ 'Content-Type': type.contentType });
      expect(policy.conditions).toContainEqual(['content-length-range', 1, MAX_UPLOAD_BYTES]);
      expect(policy.conditions).toContainEqual({ bucket: 'fazhi-local' });
      expect(policy.conditions.some((c) => Array.isArray(c) && c[0] === 'starts-with')).toBe(false);
      const expires = Date.parse(policy.expiration);
      expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3600_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000);
    }
    expect(page.expiresAt).toBe(policyOf(page.forms['.docx']!).expiration);
    const status = new URL(page.statusUrl);
    expect(decodeURIComponent(status.pathname)).toBe('/fazhi-local/status/2024/青川县/乔庄镇.json');
    expect(status.searchParams.get('X-Amz-Expires')).toBe('3600');
  });

  it("are accepted by the local policy check as signed by the SDK, and refused for another unit's key, size or type", async () => {
    // Prepare
    const page = await sign('乔庄镇');
    const fields = page.forms['.pdf']!;
    const context = { bucket: 'fazhi-local', now: new Date(), credentials: LOCAL_CREDENTIALS };
    // Act / Assess
    expect(checkPostPolicy(formOf(fields, 1000), context)).toBeNull();
    expect(checkPostPolicy(formOf({ ...fields, key: unitReportKey(2024, '青川县', '竹园镇', '.pdf') }, 1000), context)?.message).toContain(
      'Policy Condition failed',
    );
    expect(checkPostPolicy(formOf({ ...fields, 'Content-Type': 'application/zip' }, 1000), context)?.code).toBe('AccessDenied');
    expect(checkPostPolicy(formOf(fields, MAX_UPLOAD_BYTES + 1), context)?.code).toBe('EntityTooLarge');
  });

  it('refuse a lifetime over the 7 days a presigned status link can live', async () => {
    await expect(sign('乔庄镇', 7 * 24 * 3600 + 1)).rejects.toThrow(/page lifetime/);
  });
});

describe('the page HTML', () => {
  it('is self-contained: no external script, style, font or image, and a CSP that pins the inline script and allows only the bucket', async () => {
    // Prepare
    const page = await sign('乔庄镇');
    // Act
    const html = await renderUnitPage(page, { issuedAt: '2025-01-10T00:00:00.000Z' });
    // Assess
    expect(html).not.toMatch(/<script[^>]+src=|<link|@import|url\(|<img|<iframe/iu);
    expect(html.match(/https?:\/\/[^"'\s<]+/gu)?.every((url) => url.startsWith(ENDPOINT))).toBe(true);
    const csp = (/http-equiv="Content-Security-Policy" content="([^"]+)"/u.exec(html)?.[1] ?? '').replaceAll('&#39;', "'");
    const script = await pageScript();
    expect(csp).toContain(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(csp).toContain(`connect-src ${ENDPOINT}`);
    expect(csp).toContain("default-src 'none'");
    expect(html).toContain(`<script>${script}</script>`);
  });

  it('says in Chinese whose page it is, until when (Beijing time) and the size limit, and carries its forms as JSON', async () => {
    // Prepare
    const page = { ...(await sign('乔庄镇')), expiresAt: '2025-01-17T08:00:00Z' };
    // Act
    const html = await renderUnitPage(page, { issuedAt: '2025-01-10T00:00:00.000Z' });
    // Assess
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('单位：<strong>乔庄镇</strong> · 青川县 · 2024年度');
    expect(html).toContain('有效期至 <strong>2025/01/17 16:00（北京时间）</strong>');
    expect(html).toContain('不超过 20 MB');
    const config = JSON.parse(/<script type="application\/json" id="fazhi-config">(.*?)<\/script>/su.exec(html)![1]!) as {
      forms: Record<string, Record<string, string>>;
      maxBytes: number;
    };
    expect(config.forms).toEqual(page.forms);
    expect(config.maxBytes).toBe(MAX_UPLOAD_BYTES);
  });

  it('cannot be broken out of by what its configuration holds', async () => {
    // Prepare: a status URL is signed data, but nothing in the JSON block may end the script element
    const page = { ...(await sign('乔庄镇')), statusUrl: `${ENDPOINT}/x?</script><script>alert(1)</script>` };
    // Act
    const html = await renderUnitPage(page, { issuedAt: '2025-01-10T00:00:00.000Z' });
    // Assess
    expect(html).not.toContain('<script>alert(1)');
    expect(html.split('</script>').length - 1).toBe(2);
  });
});

describe('fazhi invite', () => {
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['invite', ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('writes a page per accepted unit and the index, lists each refused line with its reason, and exits 1 for them', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-invite-'));
    writeFileSync(join(dir, 'units.txt'), '乔庄镇\n竹园镇\n乔庄镇\n乔庄/竹园\n');
    const out = join(dir, 'pages');
    // Act
    const result = await run([
      '--year',
      '2024',
      '--county',
      '青川县',
      '--units',
      join(dir, 'units.txt'),
      '--out',
      out,
      '--expires',
      '48h',
      '--bucket',
      'fazhi-local',
      '--s3-endpoint',
      ENDPOINT,
    ]);
    // Assess
    expect(result.code).toBe(1);
    expect(readdirSync(out).sort()).toEqual(['index.html', '乔庄镇-报告上传.html', '竹园镇-报告上传.html']);
    expect(result.err).toContain('第 3 行“乔庄镇”：与第 1 行重复');
    expect(result.err).toContain('第 4 行“乔庄/竹园”：含有不能用作上传目录的字符：“/”');
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).toContain('href="%E4%B9%94%E5%BA%84%E9%95%87-%E6%8A%A5%E5%91%8A%E4%B8%8A%E4%BC%A0.html"');
    expect(index).toContain('第 3 行“乔庄镇”：与第 1 行重复');
    const zhuyuan = readFileSync(join(out, '竹园镇-报告上传.html'), 'utf8');
    expect(zhuyuan).toContain('reports/2024/青川县/竹园镇/');
    expect(zhuyuan).not.toContain('reports/2024/青川县/乔庄镇/');
  });

  it('exits 0 when every unit got its page', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-invite-'));
    writeFileSync(join(dir, 'units.txt'), '乔庄镇\n');
    // Act
    const result = await run([
      '--year',
      '2024',
      '--county',
      '青川县',
      '--units',
      join(dir, 'units.txt'),
      '--out',
      join(dir, 'p'),
      '--bucket',
      'b',
      '--s3-endpoint',
      ENDPOINT,
    ]);
    // Assess
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('已为 青川县 2024年度的 1 个单位生成上传页面');
  });

  it("checks the names against the gazetteer: another county's township gets its page and a warning (exit 0); an unknown county is said once", async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-invite-'));
    writeFileSync(join(dir, 'units.txt'), '乔庄镇\n均口镇\n县司法局\n');
    const args = ['--year', '2024', '--units', join(dir, 'units.txt'), '--bucket', 'b', '--s3-endpoint', ENDPOINT];
    // Act
    const real = await run([...args, '--county', '青川县', '--out', join(dir, 'real')]);
    const fictional = await run([...args, '--county', '临澜县', '--out', join(dir, 'fictional')]);
    // Assess
    expect(real.code).toBe(0);
    expect(readdirSync(join(dir, 'real')).sort()).toEqual(['index.html', '乔庄镇-报告上传.html', '县司法局-报告上传.html', '均口镇-报告上传.html']);
    expect(real.err).toBe(
      '  ! 第 2 行“均口镇”：按全国行政区划名录，“均口镇”属于福建省三明市建宁县，不属于青川县 — 请核实名称或 --county（页面照常生成；名录可能未收录新近的区划调整）',
    );
    expect(readFileSync(join(dir, 'real', 'index.html'), 'utf8')).toContain('请核实名称的单位（已生成页面）');
    expect(fictional.code).toBe(0);
    expect(fictional.err).toContain('全国行政区划名录中没有“临澜县”，单位名称未按名录核对');
    expect(fictional.err).not.toContain('均口镇');
  });

  it('says in its help that names are checked against the gazetteer where possible and never fail for it', async () => {
    // Act
    const help = await run(['--help']);
    // Assess
    expect(help.code).toBe(0);
    expect(help.out).toContain('尽可能按全国行政区划名录核对');
    expect(help.out).toContain('县直部门和名录中没有的名称无法核对');
  });

  it('refuses a lifetime over 7 days, a missing bucket, a bad county name and an unreadable list as usage errors (exit 2)', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fazhi-invite-'));
    writeFileSync(join(dir, 'units.txt'), '乔庄镇\n');
    const base = ['--year', '2024', '--units', join(dir, 'units.txt'), '--out', join(dir, 'p'), '--s3-endpoint', ENDPOINT];
    const saved = process.env.FAZHI_BUCKET;
    delete process.env.FAZHI_BUCKET;
    try {
      // Act / Assess
      expect(await run([...base, '--county', '青川县', '--bucket', 'b', '--expires', '8d'])).toMatchObject({
        code: 2,
        err: expect.stringContaining('最长 7d') as string,
      });
      expect(await run([...base, '--county', '青川县'])).toMatchObject({ code: 2, err: expect.stringContaining('--bucket') as string });
      expect(await run([...base, '--county', '青川 县', '--bucket', 'b'])).toMatchObject({ code: 2, err: expect.stringContaining('空格') as string });
      expect(await run(['--year', '2024', '--county', '青川县', '--units', join(dir, 'none.txt'), '--out', join(dir, 'p'), '--bucket', 'b'])).toMatchObject({
        code: 2,
        err: expect.stringContaining('ENOENT') as string,
      });
    } finally {
      if (saved !== undefined) process.env.FAZHI_BUCKET = saved;
    }
  });

  it('reads --expires as days, hours, minutes or seconds', () => {
    expect([parseExpires('7d'), parseExpires('48h'), parseExpires('90m'), parseExpires('30s')]).toEqual([604_800, 172_800, 5_400, 30]);
    expect(() => parseExpires('1w')).toThrow(/d\/h\/m\/s/);
  });
});
