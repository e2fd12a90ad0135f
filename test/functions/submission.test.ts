import { describe, expect, it } from 'vitest';
import { submissionFromMetadata, submissionToMetadata } from '../../functions/shared/submission.ts';

describe('submission facts in S3 user metadata', () => {
  it('round-trips through ASCII header values (the URL percent-encoded)', () => {
    const info = { submittedAt: '2025-02-20', publishedUrl: 'https://www.linlan.example/政务公开/法治 报告.html?a=1&b=2', publishedAt: '2025-03-15', findings: ['serious-inspection-finding', 'late-rectification'] };
    const metadata = submissionToMetadata(info);
    for (const value of Object.values(metadata)) expect(value).toMatch(/^[\x20-\x7e]*$/);
    expect(metadata).toMatchObject({ 'submitted-at': '2025-02-20', findings: 'serious-inspection-finding,late-rectification' });
    expect(submissionFromMetadata(metadata)).toEqual({ submission: info, warnings: [] });
  });

  it('takes an unencoded URL as it is and ignores header case', () => {
    expect(submissionFromMetadata({ 'Published-URL': 'https://x.example/a%zz', 'SUBMITTED-AT': '2025-01-31' }).submission).toEqual({ publishedUrl: 'https://x.example/a%zz', submittedAt: '2025-01-31' });
  });

  it('drops a malformed value with a warning instead of failing the report', () => {
    const { submission, warnings } = submissionFromMetadata({ 'submitted-at': '2月20日', findings: 'Serious Finding' });
    expect(submission).toEqual({});
    expect(warnings.map((w) => w.code)).toEqual(['metadata-invalid:submittedAt', 'metadata-invalid:findings']);
    expect(warnings[0]?.message).toContain('x-amz-meta-submitted-at');
  });

  it('writes nothing for missing facts', () => {
    expect(submissionToMetadata({})).toEqual({});
    expect(submissionFromMetadata({})).toEqual({ submission: {}, warnings: [] });
  });
});
