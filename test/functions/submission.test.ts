import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLAIM_DIFFERS_WARNING, submissionFromMetadata, submissionToMetadata, trustedSubmission } from '../../functions/shared/submission.ts';
import { scoreReport } from '../../pipeline/score/index.ts';
import { reportFromText, rubric2024, SAMPLES_DIR } from '../helpers/reports.ts';

describe('submission facts in S3 user metadata', () => {
  it('round-trips through ASCII header values (the URL percent-encoded)', () => {
    const info = {
      submittedAt: '2025-02-20',
      publishedUrl: 'https://www.linlan.example/政务公开/法治 报告.html?a=1&b=2',
      publishedAt: '2025-03-15',
      findings: ['serious-inspection-finding', 'late-rectification'],
    };
    const metadata = submissionToMetadata(info);
    for (const value of Object.values(metadata)) expect(value).toMatch(/^[\x20-\x7e]*$/);
    expect(metadata).toMatchObject({ 'submitted-at': '2025-02-20', findings: 'serious-inspection-finding,late-rectification' });
    expect(submissionFromMetadata(metadata)).toEqual({ submission: info, warnings: [] });
  });

  it('takes an unencoded URL as it is and ignores header case', () => {
    expect(submissionFromMetadata({ 'Published-URL': 'https://x.example/a%zz', 'SUBMITTED-AT': '2025-01-31' }).submission).toEqual({
      publishedUrl: 'https://x.example/a%zz',
      submittedAt: '2025-01-31',
    });
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

describe('trusted submission facts (the pipeline)', () => {
  it('takes the receipt time as the submission date, in Beijing time, and keeps the uploader\u2019s date as a flagged claim', () => {
    // Prepare: received 17:30 UTC on 1 March = 01:30 on 2 March in Beijing, one day after the 3月1日 deadline.
    const metadata = { 'submitted-at': '2025-02-20', 'published-url': 'https%3A%2F%2Fx.example%2F', 'published-at': '2025-03-15' };
    // Act
    const { submission, warnings } = trustedSubmission('2025-03-01T17:30:00.000Z', metadata);
    // Assess
    expect(submission).toEqual({
      submittedAt: '2025-03-02T01:30:00+08:00',
      claimedSubmittedAt: '2025-02-20',
      publishedUrl: 'https://x.example/',
      publishedAt: '2025-03-15',
    });
    expect(warnings.map((w) => w.code)).toEqual([CLAIM_DIFFERS_WARNING]);
    expect(warnings[0]?.message).toContain('2025-02-20');
    expect(warnings[0]?.message).toContain('2025-03-02');
  });

  it('does not flag a claim of the receipt day, and has no claim when the uploader made none', () => {
    expect(trustedSubmission('2025-02-20T01:00:00Z', { 'submitted-at': '2025-02-20' }).warnings).toEqual([]);
    expect(trustedSubmission('2025-02-20T01:00:00Z', {})).toEqual({ submission: { submittedAt: '2025-02-20T09:00:00+08:00' }, warnings: [] });
  });

  it('a backdated claim earns no on-time points: the rubric scores the receipt', () => {
    // Prepare: the same late report, once with an honest claim and once backdated.
    const text = readFileSync(join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt'), 'utf8');
    const score = (claim: string) => {
      const { submission } = trustedSubmission('2025-03-20T02:00:00Z', { 'submitted-at': claim });
      return scoreReport(reportFromText(text, { submission }), rubric2024)
        .dimensions.flatMap((d) => d.indicators)
        .find((i) => i.id === 'D1.submitted')!;
    };
    // Act
    const honest = score('2025-03-20');
    const backdated = score('2025-02-01');
    // Assess
    expect(backdated.score).toBe(honest.score);
    expect(backdated.score).toBe(0);
  });
});
