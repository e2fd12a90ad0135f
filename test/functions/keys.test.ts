// Upload keys are checked the same way everywhere (CLI options, S3 events, the local S3 server): each key is placed
// in its county·year, or refused with the reason a clerk can act on.
import { describe, expect, it } from 'vitest';
import {
  classifyUploadKey,
  countyProblem,
  MISPLACED_PROBLEM,
  MISPLACED_UPLOADS,
  normalizedKey,
  parseNormalizedKey,
  uploadIdOf,
} from '../../schemas/storage.ts';
import { unsafeLocalKey } from '../../cli/local/servers.ts';

describe('classifyUploadKey', () => {
  it('places a usable key, sub-folders in the name included', () => {
    // Act
    const plain = classifyUploadKey('reports/2024/临澜县/望江镇 年度报告.docx');
    const unit = classifyUploadKey('reports/2024/临澜县/望江镇/报告.docx');
    // Assess
    expect(plain).toEqual({
      place: { year: 2024, county: '临澜县' },
      location: { key: 'reports/2024/临澜县/望江镇 年度报告.docx', year: 2024, county: '临澜县', name: '望江镇 年度报告.docx' },
    });
    expect(unit.location?.name).toBe('望江镇/报告.docx');
  });

  it('files a name with a newline under its county·year as an unusable name, not as misplaced', () => {
    // Act
    const classified = classifyUploadKey('reports/2024/临澜县/望江镇\n报告.docx');
    // Assess
    expect(classified.place).toEqual({ year: 2024, county: '临澜县' });
    expect(classified.location).toBeUndefined();
    expect(classified.problem?.code).toBe('invalid-name');
    expect(classified.problem?.message).toContain('换行符');
  });

  it.each([
    ['reports/2024/临澜县/../x.docx', '“..”'],
    ['reports/2024/临澜县/./x.docx', '“.”'],
    ['reports/2024/临澜县/a//b.docx', '为空'],
    ['reports/2024/临澜县/a\\b.docx', '反斜杠'],
    ['reports/2024/临澜县/ 报告.docx', '首尾有空格'],
    [`reports/2024/临澜县/${'报'.repeat(100)}.docx`, '过长'],
  ])('refuses the name of %j with a reason (%s)', (key, reason) => {
    const classified = classifyUploadKey(key);
    expect(classified.problem?.code).toBe('invalid-name');
    expect(classified.problem?.message).toContain(reason);
    expect(classified.place).toEqual({ year: 2024, county: '临澜县' });
  });

  it('puts a key without a usable year or county in the misplaced partition, with the right reason', () => {
    expect(classifyUploadKey('reports/临澜县/望江镇.docx')).toEqual({ place: { ...MISPLACED_UPLOADS }, problem: MISPLACED_PROBLEM });
    expect(classifyUploadKey('reports/1999/临澜县/望江镇.docx').problem).toEqual(MISPLACED_PROBLEM);
    expect(classifyUploadKey('reports/2024/../望江镇.docx')).toMatchObject({ place: { ...MISPLACED_UPLOADS }, problem: { code: 'invalid-name' } });
    const control = classifyUploadKey('reports/2024\n/临澜县/望江镇.docx');
    expect(control).toMatchObject({ place: { ...MISPLACED_UPLOADS }, problem: { code: 'invalid-name' } });
    expect(control.problem?.message).toContain('控制字符');
  });
});

describe('countyProblem (fazhi upload --county, sidecars, the report text)', () => {
  it.each([
    ['../../x', '/'],
    ['甲/乙', '/'],
    ['..', '“..”'],
    ['临澜县\n', '控制字符'],
    [' 临澜县', '首尾有空格'],
  ])('refuses %j', (county, reason) => {
    expect(countyProblem(county)?.zh).toContain(reason);
  });

  it('accepts a county name', () => {
    expect(countyProblem('临澜县')).toBeNull();
  });
});

describe('normalised report keys (one per upload version)', () => {
  it('differ for the same bytes under two keys or two versions, and name their county·year', () => {
    const a = uploadIdOf('reports/2024/甲县/报告.docx', '0001');
    const b = uploadIdOf('reports/2024/乙县/报告.docx', '0001');
    const c = uploadIdOf('reports/2024/甲县/报告.docx', '0002');
    expect(new Set([a, b, c]).size).toBe(3);
    const key = normalizedKey({ year: 2024, county: '甲县', uploadId: a });
    expect(key).toBe(`normalized/2024/甲县/${a}.json`);
    expect(parseNormalizedKey(key)).toEqual({ year: 2024, county: '甲县', uploadId: a });
    expect(parseNormalizedKey('normalized/0123456789abcdef.json')).toBeNull();
  });
});

describe('the local S3 server refuses keys it would store outside its folder', () => {
  it.each([
    ['/fazhi-local/reports/../../x', true],
    ['/fazhi-local/reports/%2E%2E/%2E%2E/x', true],
    ['/fazhi-local/reports/2024/./x', true],
    ['/fazhi-local/reports/2024/a%00b', true],
    ['/fazhi-local/reports/2024/临澜县/a..b.docx', false],
    ['/fazhi-local/reports/2024/%E4%B8%B4/%0A.txt', false],
  ])('%s → refused: %s', (path, refused) => {
    expect(unsafeLocalKey(path) !== null).toBe(refused);
  });
});
