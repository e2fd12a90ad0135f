import { beforeAll, describe, expect, it } from 'vitest';
import { auditReport, loadJudgements, runAudit, type AuditResult } from '../../../bench/audit.ts';
import { haveSeeds } from '../../helpers/reports.ts';

/**
 * The evidence audit (judgements.json, see README.md here): hand-checked judgements of whether an indicator should be
 * awarded and which sentence should be cited first. At least 90% of them must be right; every judgement that names a
 * false award from the issue must be right, each in its own test.
 */

/** Share of the judgements the scorer must get right (issue 10's target). */
const MIN_RIGHT = 0.9;

const judgements = loadJudgements();
let audit: AuditResult;

beforeAll(async () => {
  audit = await runAudit(judgements);
  console.info(`[audit] ${auditReport(audit)}`);
}, 120_000);

describe('evidence audit', () => {
  it('has at least 60 judgements over the samples and (when present) the seeds', () => {
    expect(judgements.length).toBeGreaterThanOrEqual(60);
    expect(judgements.filter((j) => j.source.startsWith('seeds/')).length).toBeGreaterThanOrEqual(30);
    expect(judgements.filter((j) => !j.awarded).length).toBeGreaterThanOrEqual(20);
  });

  it(`gets at least ${MIN_RIGHT * 100}% of the judgements right`, () => {
    expect(audit.rows.length + audit.skipped).toBe(judgements.length);
    if (!haveSeeds) expect(audit.skipped).toBeGreaterThan(0);
    expect(audit.right / audit.rows.length).toBeGreaterThanOrEqual(MIN_RIGHT);
    expect(audit.precision).toBeGreaterThanOrEqual(MIN_RIGHT);
    expect(audit.recall).toBeGreaterThanOrEqual(MIN_RIGHT);
  });

  const named = judgements.filter((j) => j.case);
  it.each(named.map((j) => [`${j.case!} (${j.indicator}, ${j.source.split('/').pop()})`, j] as const))('%s', (_, judgement) => {
    if (judgement.source.startsWith('seeds/') && !haveSeeds) return;
    const row = audit.rows.find((r) => r.judgement === judgement);
    expect(row?.verdict, `${judgement.source} ${judgement.indicator}: cited 「${row?.cited}」`).toBe('right');
  });
});
