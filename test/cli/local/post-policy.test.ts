import { describe, expect, it } from 'vitest';
import { checkPostPolicy, postPolicySignature, type PostForm } from '../../../cli/local/post-policy.ts';

// A POST form signed by hand, so each rule of the local policy check can be shown on its own. (The forms the upload
// pages carry are signed by the AWS SDK; test/cli/invite/forms.test.ts checks those against the same code.)
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const NOW = new Date('2025-01-10T08:00:00Z');
const KEY = 'reports/2024/青川县/乔庄镇/乔庄镇2024年度法治政府建设报告.docx';

function signedForm(
  options: { expiration?: string; conditions?: unknown[]; extra?: Record<string, string>; fileSize?: number | null; secret?: string; key?: string } = {},
): PostForm {
  const conditions = options.conditions ?? [
    { bucket: 'fazhi-local' },
    { key: KEY },
    { 'Content-Type': 'application/msword' },
    ['content-length-range', 1, 1000],
    { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
    { 'x-amz-credential': 'S3RVER/20250110/us-east-1/s3/aws4_request' },
    { 'x-amz-date': '20250110T080000Z' },
  ];
  const policy = Buffer.from(JSON.stringify({ expiration: options.expiration ?? '2025-01-17T08:00:00Z', conditions })).toString('base64');
  const fields = {
    bucket: 'fazhi-local',
    key: options.key ?? KEY,
    'Content-Type': 'application/msword',
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': 'S3RVER/20250110/us-east-1/s3/aws4_request',
    'X-Amz-Date': '20250110T080000Z',
    Policy: policy,
    'X-Amz-Signature': postPolicySignature(options.secret ?? 'S3RVER', '20250110', 'us-east-1', 's3', policy),
    ...options.extra,
  };
  return { fields: Object.entries(fields).map(([name, value]) => ({ name, value })), fileSize: options.fileSize === undefined ? 500 : options.fileSize };
}

const check = (form: PostForm, now = NOW) => checkPostPolicy(form, { bucket: 'fazhi-local', now, credentials });

describe("the local stack's check of browser-upload policies (what s3rver leaves out)", () => {
  it('accepts a form that meets its signed policy', () => {
    expect(check(signedForm())).toBeNull();
  });

  it("refuses a key other than the one signed (another unit's folder), with S3's AccessDenied", () => {
    // Prepare
    const form = signedForm({ key: 'reports/2024/青川县/竹园镇/竹园镇2024年度法治政府建设报告.docx' });
    // Act
    const refusal = check(form);
    // Assess
    expect(refusal).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(refusal?.message).toContain('Policy Condition failed');
    expect(refusal?.message).toContain('乔庄镇');
  });

  it('refuses after the expiration ("Policy expired"), and not one second before', () => {
    // Prepare
    const form = signedForm({ expiration: '2025-01-10T08:00:00Z' });
    // Act / Assess
    expect(check(form, new Date('2025-01-10T08:00:00Z'))).toBeNull();
    expect(check(form, new Date('2025-01-10T08:00:01Z'))).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    });
  });

  it('refuses a file over content-length-range as EntityTooLarge, an empty one as EntityTooSmall, and a form without a file', () => {
    expect(check(signedForm({ fileSize: 1001 }))).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    expect(check(signedForm({ fileSize: 1000 }))).toBeNull();
    expect(check(signedForm({ fileSize: 0 }))).toMatchObject({ status: 400, code: 'EntityTooSmall' });
    expect(check(signedForm({ fileSize: null }))).toMatchObject({ status: 400, code: 'InvalidArgument' });
  });

  it("refuses a field no condition covers (e.g. a changed Content-Type's companion, or metadata), but not x-ignore-*", () => {
    expect(check(signedForm({ extra: { 'x-amz-meta-unit': '竹园镇' } }))).toMatchObject({
      status: 403,
      message: 'Invalid according to Policy: Extra input fields: x-amz-meta-unit',
    });
    expect(check(signedForm({ extra: { 'x-ignore-note': 'anything' } }))).toBeNull();
  });

  it('refuses a policy changed after signing, a wrong secret and an unknown access key', () => {
    // Prepare: widen the key condition to the whole county without re-signing
    const form = signedForm();
    const policyField = form.fields.find((f) => f.name === 'Policy')!;
    const widened = JSON.parse(Buffer.from(policyField.value, 'base64').toString('utf8')) as { conditions: unknown[] };
    widened.conditions[1] = ['starts-with', '$key', 'reports/2024/青川县/'];
    const tampered: PostForm = {
      ...form,
      fields: form.fields.map((f) => (f.name === 'Policy' ? { ...f, value: Buffer.from(JSON.stringify(widened)).toString('base64') } : f)),
    };
    // Act / Assess
    expect(check(tampered)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(check(signedForm({ secret: 'guessed' }))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const otherKey: PostForm = {
      ...form,
      fields: form.fields.map((f) => (f.name === 'X-Amz-Credential' ? { ...f, value: 'AKIAOTHER/20250110/us-east-1/s3/aws4_request' } : f)),
    };
    expect(check(otherKey)).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
  });

  it('checks starts-with conditions and the addressed bucket', () => {
    // Prepare
    const conditions = [
      { bucket: 'fazhi-local' },
      ['starts-with', '$key', 'reports/2024/青川县/乔庄镇/'],
      ['starts-with', '$Content-Type', ''],
      ['content-length-range', 1, 1000],
    ];
    const allFields = [
      ...conditions,
      { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
      { 'x-amz-credential': 'S3RVER/20250110/us-east-1/s3/aws4_request' },
      { 'x-amz-date': '20250110T080000Z' },
    ];
    // Act / Assess
    expect(check(signedForm({ conditions: allFields, key: 'reports/2024/青川县/乔庄镇/任意名称.pdf' }))).toBeNull();
    expect(check(signedForm({ conditions: allFields, key: 'reports/2024/青川县/乔庄镇的邻居/x.pdf' }))?.code).toBe('AccessDenied');
    expect(checkPostPolicy(signedForm({ conditions: allFields }), { bucket: 'another-bucket', now: NOW, credentials })?.message).toContain('"bucket"');
  });
});
