// The upload pages' presigned POST forms against the local stack's S3 endpoint, from Node: what is refused and how
// (status, S3 error code, CORS headers a browser needs to read the answer). The same forms in a real browser:
// test/browser/upload.test.ts. s3rver alone accepts anything; the last test shows it, which is why the front exists.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { MAX_UPLOAD_BYTES } from '../../pipeline/extract/limits.ts';
import { makeS3Client } from '../../functions/aws/clients.ts';
import { unlessMissing } from '../helpers/objects.ts';
import { signUnitPage, unitReportKey, type SignedUnitPage } from '../../cli/invite/forms.ts';
import { startServers } from '../../cli/local/servers.ts';
import { connectTo, sample, uniqueCounty } from './support.ts';

const env = inject('fazhi');
const pipeline = connectTo('pipeline');
const client = makeS3Client({ s3Endpoint: env.s3Endpoint });
afterAll(() => client.destroy());

const county = uniqueCounty('上传页');
const sign = (unit: string, expiresInSeconds = 3600): Promise<SignedUnitPage> =>
  signUnitPage(client, { bucket: env.bucket, year: 2024, county, unit, expiresInSeconds, maxBytes: MAX_UPLOAD_BYTES });

/** A browser's POST of a form: the signed fields, then the file. */
function post(url: string, fields: Record<string, string>, file: Blob, headers: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', file, 'report');
  return fetch(url, { method: 'POST', body: form, headers });
}

const s3Code = (xml: string): string | undefined => /<Code>([^<]+)<\/Code>/u.exec(xml)?.[1];

const exists = async (key: string): Promise<boolean> => (await unlessMissing(() => pipeline.store.get(key))) !== null;

describe('presigned POST forms on the local stack', () => {
  it("store a report under the unit's own key (204), and S3 lets a page opened from a file read the answer (CORS)", async () => {
    // Prepare
    const page = await sign('望江镇');
    const fields = page.forms['.docx']!;
    // Act
    const answer = await post(page.postUrl, fields, new Blob([await sample('望江镇2024年法治政府建设情况报告.docx')]), { origin: 'null' });
    // Assess
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    const stored = await pipeline.store.get(fields.key!);
    expect(stored.contentType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(stored.bytes.byteLength).toBe((await sample('望江镇2024年法治政府建设情况报告.docx')).byteLength);
  });

  it('answer the preflight a page with a progress bar sends', async () => {
    // Prepare
    const page = await sign('望江镇');
    // Act
    const answer = await fetch(page.postUrl, { method: 'OPTIONS', headers: { origin: 'null', 'access-control-request-method': 'POST' } });
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it("refuse a write into another unit's folder (403 AccessDenied, readable by the page) and store nothing", async () => {
    // Prepare: 河湾镇's page, with the key of 石门镇 put in
    const page = await sign('河湾镇');
    const intruding = unitReportKey(2024, county, '石门镇', '.txt');
    // Act
    const answer = await post(page.postUrl, { ...page.forms['.txt']!, key: intruding }, new Blob(['石门镇2024年法治政府建设情况报告']), { origin: 'null' });
    // Assess
    const body = await answer.text();
    expect(answer.status).toBe(403);
    expect(s3Code(body)).toBe('AccessDenied');
    expect(body).toContain('Policy Condition failed');
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(await exists(intruding)).toBe(false);
  });

  it('refuse a file over the upload limit (400 EntityTooLarge), another content type, and an empty file', async () => {
    // Prepare
    const page = await sign('青石镇');
    const fields = page.forms['.pdf']!;
    // Act
    const tooLarge = await post(page.postUrl, fields, new Blob([new Uint8Array(MAX_UPLOAD_BYTES + 1)]));
    const otherType = await post(page.postUrl, { ...fields, 'Content-Type': 'application/zip' }, new Blob(['x']));
    const empty = await post(page.postUrl, fields, new Blob([]));
    // Assess
    expect([tooLarge.status, s3Code(await tooLarge.text())]).toEqual([400, 'EntityTooLarge']);
    expect([otherType.status, s3Code(await otherType.text())]).toEqual([403, 'AccessDenied']);
    expect([empty.status, s3Code(await empty.text())]).toEqual([400, 'EntityTooSmall']);
    expect(await exists(fields.key!)).toBe(false);
  });

  it('refuse a form after its expiry ("Policy expired"), and its status link stops working too', async () => {
    // Prepare: a page valid for one second, used after it
    const page = await sign('白沙镇', 1);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(page.expiresAt) + 1500 - Date.now()));
    // Act
    const answer = await post(page.postUrl, page.forms['.txt']!, new Blob(['白沙镇报告']));
    const status = await fetch(page.statusUrl);
    // Assess
    const body = await answer.text();
    expect([answer.status, s3Code(body)]).toEqual([403, 'AccessDenied']);
    expect(body).toContain('Policy expired');
    expect(status.status).toBe(403);
    expect(await status.text()).toContain('Request has expired');
  });

  it('refuse a signed form whose key would leave the local server\'s folder (a "..") though its policy allows it', async () => {
    // Prepare: a policy that allows any key under reports/ (signed with the local credentials, which anyone has)
    const { createPresignedPost } = await import('@aws-sdk/s3-presigned-post');
    const escaping = 'reports/../../outside.txt';
    const form = await createPresignedPost(client, { Bucket: env.bucket, Key: escaping, Conditions: [['starts-with', '$key', 'reports/']], Expires: 60 });
    // Act
    const answer = await post(form.url, form.fields, new Blob(['x']));
    // Assess: the key guard of the path (s3rver's own middleware) never sees a form field; the front refuses it
    expect([answer.status, s3Code(await answer.text())]).toEqual([400, 'InvalidArgument']);
  });

  it('are needed because s3rver alone accepts any POST: the same intruding form is stored without the front', async () => {
    // Prepare: the servers without the stack, and the form aimed at s3rver's own address
    const dataDir = mkdtempSync(join(tmpdir(), 'fazhi-s3rver-'));
    const servers = await startServers({ dataDir, persistent: false });
    const raw = makeS3Client({ s3Endpoint: servers.s3rverEndpoint });
    try {
      await raw.send(new CreateBucketCommand({ Bucket: 'raw' }));
      const page = await signUnitPage(raw, { bucket: 'raw', year: 2024, county, unit: '河湾镇', expiresInSeconds: 60, maxBytes: MAX_UPLOAD_BYTES });
      const intruding = unitReportKey(2024, county, '石门镇', '.txt');
      // Act
      const direct = await post(page.postUrl, { ...page.forms['.txt']!, key: intruding }, new Blob(['x']));
      const fronted = await post(
        page.postUrl.replace(servers.s3rverEndpoint, servers.s3.endpoint),
        { ...page.forms['.txt']!, key: intruding },
        new Blob(['x']),
      );
      // Assess
      expect(direct.status).toBe(204);
      expect(fronted.status).toBe(403);
    } finally {
      raw.destroy();
      await servers.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
