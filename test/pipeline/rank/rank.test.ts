import { describe, expect, it } from 'vitest';
import type { RubricInput } from '../../../schemas/rubric.ts';
import type { ScoreResult } from '../../../schemas/score.ts';
import { quotaLimit, rankResults } from '../../../pipeline/rank/index.ts';
import { parseRubric } from '../../../pipeline/score/rubric.ts';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scoreAndRank } from '../../../pipeline/batch.ts';
import { reportFromText, ROOT, rubric2024 } from '../../helpers/reports.ts';

/** A ScoreResult with just what ranking reads. */
function result(township: string, total: number, d9 = 0, extra: Partial<ScoreResult> = {}): ScoreResult {
  return {
    reportId: township,
    source: `${township}.txt`,
    township,
    county: '临澜县',
    year: 2024,
    unitKind: 'township',
    rubric: { id: 'fazhi-2024', version: '2024.2.0', sha256: 'x' },
    total,
    max: 100,
    grade: total >= 90 ? '优秀' : total >= 80 ? '良好' : total >= 60 ? '合格' : '不合格',
    rank: null,
    rankGroup: 'township',
    dimensions: [
      { id: 'D9', name: '问题查摆与下年安排质量', score: d9, max: 7, indicators: [] },
      { id: 'D1', name: '法定要素', score: 0, max: 12, indicators: [] },
    ],
    penalties: [],
    bonus: { score: 0, max: 3, indicators: [] },
    flags: [],
    stats: { chars: 0, figures: 0, figuresPer1000: 0, boilerplatePer1000: 0 },
    warnings: [],
    ...extra,
  };
}

describe('rankResults()', () => {
  const rubric = rubric2024.rubric;

  it('ranks by total and breaks a tie by the rubric tie-breaker, saying so', () => {
    const ranked = rankResults([result('甲镇', 80, 5), result('乙镇', 85, 3), result('丙镇', 80, 6)], rubric);
    expect(ranked.map((r) => [r.township, r.rank])).toEqual([
      ['乙镇', 1],
      ['丙镇', 2],
      ['甲镇', 3],
    ]);
    expect(ranked[2]!.rankNote).toContain('D9');
    expect(ranked[2]!.rankNote).toContain('6 对 5');
    expect(ranked[0]!.rankNote).toBeUndefined();
  });

  it('breaks a complete tie by fewer points deducted, then by name, and says the names only order them', () => {
    const penalty = (points: number) => [{ id: 'P', name: 'P', points, max: 10, note: '', evidence: [] }];
    const byPenalty = rankResults([result('甲镇', 70, 4, { penalties: penalty(3) }), result('乙镇', 70, 4, { penalties: penalty(1) })], rubric);
    expect(byPenalty.map((r) => r.township)).toEqual(['乙镇', '甲镇']);
    expect(byPenalty[1]!.rankNote).toContain('扣分较少');
    const byName = rankResults([result('乙镇', 70, 4), result('甲镇', 70, 4)], rubric);
    expect(byName.map((r) => r.township)).toEqual(['乙镇', '甲镇'].sort());
    expect(byName[1]!.rankNote).toContain('实为并列');
    // The same input in another order gives the same ranking.
    expect(rankResults([result('甲镇', 70, 4), result('乙镇', 70, 4)], rubric).map((r) => r.township)).toEqual(byName.map((r) => r.township));
  });

  it('ranks townships and subdistricts together, departments apart, and counties and years apart', () => {
    const ranked = rankResults(
      [
        result('司法局', 95, 0, { unitKind: 'department', rankGroup: 'department' }),
        result('东湖街道', 70, 0, { unitKind: 'subdistrict' }),
        result('甲镇', 80),
        result('乙镇', 90, 0, { year: 2023 }),
        result('丙镇', 60, 0, { county: '别县' }),
      ],
      rubric,
    );
    expect(ranked.map((r) => [r.county, r.year, r.rankGroup, r.township, r.rank])).toEqual([
      ['临澜县', 2023, 'township', '乙镇', 1],
      ['临澜县', 2024, 'township', '甲镇', 1],
      ['临澜县', 2024, 'township', '东湖街道', 2],
      ['临澜县', 2024, 'department', '司法局', 1],
      ['别县', 2024, 'township', '丙镇', 1],
    ]);
  });

  it('never lets a tie favour a flagged copier, and says so', () => {
    // Prepare: equal totals and tie-breakers; 甲镇 is a known copier, 丙镇 awaits review, 乙镇 is clean.
    const copy = (role: 'copier' | 'unknown') => ({
      flags: [{ code: 'similar-to' as const, severity: 'error' as const, message: '', role, other: 'x.txt', similarity: 0.9 }],
    });
    // Act
    const ranked = rankResults([result('甲镇', 70, 4, copy('copier')), result('丙镇', 70, 4, copy('unknown')), result('乙镇', 70, 4)], rubric);
    // Assess
    expect(ranked.map((r) => r.township)).toEqual(['乙镇', '丙镇', '甲镇']);
    expect(ranked[1]!.rankNote).toContain('雷同');
    expect(ranked[2]!.rankNote).toContain('照搬他人报告在后');
  });

  it('ranks a unit whose kind is unknown in a group of its own, and says why', () => {
    const ranked = rankResults([result('甲镇', 70), result('某单位', 90, 0, { unitKind: null, rankGroup: 'other' })], rubric);
    expect(ranked.map((r) => [r.township, r.rankGroup, r.rank])).toEqual([
      ['甲镇', 'township', 1],
      ['某单位', 'other', 1],
    ]);
    expect(ranked[1]!.rankNote).toContain('类别未识别');
  });

  it('quota limits: the share rounded down, never below minCount, never above the group', () => {
    expect(quotaLimit(10, { maxShare: 0.2, minCount: 1 })).toBe(2);
    expect(quotaLimit(3, { maxShare: 0.2, minCount: 1 })).toBe(1);
    expect(quotaLimit(2, { maxShare: 0.4, minCount: 1 })).toBe(1);
    expect(quotaLimit(1, { maxShare: 0.2, minCount: 2 })).toBe(1);
    expect(quotaLimit(7, { maxShare: 0.4, minCount: 0 })).toBe(2);
  });

  it('a group of two to five units can still reach 优秀 and 良好 when its scores earn them (the bundled rubric)', () => {
    // Prepare: grades as the bands give them (优秀 ≥ 75, 良好 ≥ 55), before quotas.
    const graded = (name: string, total: number) => result(name, total, 0, { grade: total >= 75 ? '优秀' : total >= 55 ? '良好' : '合格' });
    for (const size of [2, 3, 4, 5]) {
      const group = ['甲', '乙', '丙', '丁', '戊'].slice(0, size).map((n, i) => graded(`${n}镇`, 90 - i * 8));
      // Act
      const grades = rankResults(group, rubric).map((r) => r.grade);
      // Assess
      expect(grades[0], `group of ${size}`).toBe('优秀');
      expect(grades, `group of ${size}`).toContain('良好');
    }
    // A department alone in its group, 61 points: 良好 (floor(1 × 40 %) would have made it unreachable).
    expect(
      rankResults(
        [graded('司法局', 61)].map((r) => ({ ...r, unitKind: 'department' as const, rankGroup: 'department' as const })),
        rubric,
      )[0]!.grade,
    ).toBe('良好');
  });

  it('in quota mode, moves grades above their quota down one grade in rank order', () => {
    const input = JSON.parse(JSON.stringify(rubric2024.rubric)) as RubricInput;
    input.grading = {
      mode: 'quota',
      bands: [
        { grade: '优秀', min: 85 },
        { grade: '良好', min: 70 },
        { grade: '合格', min: 60 },
        { grade: '不合格', min: 0 },
      ],
      quotas: [{ grade: '优秀', maxShare: 0.2 }],
    };
    const quota = parseRubric(input, 'quota').rubric;
    const results = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'].map((n, i) =>
      result(`${n}镇`, 95 - i, 0, { grade: 95 - i >= 85 ? '优秀' : '良好' }),
    );
    const ranked = rankResults(results, quota);
    expect(ranked.map((r) => r.grade)).toEqual(['优秀', '优秀', '良好', '良好', '良好', '良好', '良好', '良好', '良好', '良好']);
    expect(ranked[2]!.rankNote).toContain('名额已满');
  });

  it('ranks departments, county governments and units of unknown kind apart from the townships (fictional reports)', () => {
    // Prepare: every fixture of test/fixtures/units, filed under 临澜县 2024.
    const dir = join(ROOT, 'test/fixtures/units');
    const reports = readdirSync(dir).map((name) =>
      reportFromText(readFileSync(join(dir, name), 'utf8'), { key: name, location: { county: '临澜县', year: 2024 } }),
    );
    // Act
    const ranked = scoreAndRank(reports, rubric2024);
    // Assess
    const groups = new Map<string, string[]>();
    for (const r of ranked) groups.set(r.rankGroup, [...(groups.get(r.rankGroup) ?? []), r.township ?? '（未识别）']);
    expect(Object.fromEntries([...groups].map(([g, units]) => [g, [...units].sort()]))).toEqual({
      township: ['云岭镇', '青山镇'],
      department: ['临澜县司法局', '临澜县城管局', '澜东区教育局'],
      county: ['临澜县人民政府', '澜东区人民政府'],
      other: ['（未识别）'],
    });
    expect(ranked.every((r) => r.county === '临澜县' && r.year === 2024)).toBe(true);
  });
});
