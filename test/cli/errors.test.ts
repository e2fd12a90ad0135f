// One user-facing error base class: everything written for people reaches them as written (with its exit code);
// anything else is reported as a bug.
import { describe, expect, it } from 'vitest';
import { reportError } from '../../cli/main.ts';
import { UsageError } from '../../cli/usage.ts';
import { BoundaryError, parseAt } from '../../functions/shared/boundary.ts';
import { ConfigError } from '../../functions/shared/env.ts';
import { rubricByRef, UnknownRubricError } from '../../functions/shared/rubrics.ts';
import { VisibleError } from '../../pipeline/failure.ts';
import { parseRubricText } from '../../pipeline/score/rubric.ts';
import { ReportItem } from '../../schemas/storage.ts';

function report(error: unknown): { code: number; err: string } {
  const err: string[] = [];
  const code = reportError(error, { out: () => {}, err: (t) => err.push(t) }, false);
  return { code, err: err.join('\n') };
}

describe('reportError', () => {
  it('prints an unknown rubric as what it is (exit 2), not as an internal error', () => {
    // Prepare
    let error: unknown;
    try {
      rubricByRef({ id: 'fazhi-2024', version: '9.9.9' });
    } catch (e) {
      error = e;
    }
    // Act
    const { code, err } = report(error);
    // Assess
    expect(error).toBeInstanceOf(UnknownRubricError);
    expect(code).toBe(2);
    expect(err).toContain('fazhi-2024@9.9.9');
    expect(err).not.toContain('内部错误');
  });

  it('prints an invalid rubric file with the path of each problem (exit 2), not as an internal error', () => {
    // Prepare: a rubric whose first dimension has no indicators and a negative cap.
    let error: unknown;
    try {
      parseRubricText(JSON.stringify({ id: 'fazhi-2024', version: '2024.9.0', dimensions: [{ id: 'D1', max: -1, indicators: [] }] }), '2024-edited.json');
    } catch (e) {
      error = e;
    }
    // Act
    const { code, err } = report(error);
    // Assess
    expect(error).toBeInstanceOf(VisibleError);
    expect(code).toBe(2);
    expect(err).toContain('2024-edited.json: 评分细则有');
    expect(err).toContain('dimensions[0]');
    expect(err).not.toContain('内部错误');
  });

  it('prints invalid stored data with the path of what is wrong (exit 1), not as an internal error', () => {
    // Prepare
    let error: unknown;
    try {
      parseAt(ReportItem, { pk: 'x' }, 'report item x');
    } catch (e) {
      error = e;
    }
    // Act
    const { code, err } = report(error);
    // Assess
    expect(error).toBeInstanceOf(BoundaryError);
    expect(code).toBe(1);
    expect(err).toMatch(/report item x is not valid: .*sk/u);
    expect(err).not.toContain('内部错误');
  });

  it('gives every VisibleError its own exit code; anything else is an internal error', () => {
    expect(report(new UsageError('用法不对')).code).toBe(2);
    expect(report(new ConfigError('TABLE_NAME is not set')).code).toBe(2);
    expect(report(new VisibleError('文件不对')).code).toBe(1);
    const bug = report(new TypeError('x is undefined'));
    expect(bug.code).toBe(1);
    expect(bug.err).toContain('内部错误');
  });
});
