import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedReport } from '../../../schemas/report.ts';
import { ScoreResult } from '../../../schemas/score.ts';
import { scoreReport } from '../../../pipeline/score/index.ts';
import { fold } from '../../../pipeline/text/fold.ts';
import { figuresOf } from '../../../pipeline/text/numerals.ts';
import { parseFiles } from '../../../pipeline/batch.ts';
import { readFileSync } from 'node:fs';
import { haveSeeds, reportFromText, rubric2024, SAMPLES_DIR, seedText, SEED_FILES } from '../../helpers/reports.ts';
import { miniRubric, source } from '../../helpers/rubric.ts';

let samples: NormalizedReport[] = [];
beforeAll(async () => {
  const names = readdirSync(SAMPLES_DIR).filter((n) => /\.(txt|docx)$/u.test(n));
  const { reports } = await parseFiles(
    names.map((n) => ({ key: n, bytes: readFileSync(join(SAMPLES_DIR, n)) })),
    rubric2024,
  );
  samples = reports;
});

const seeds = (): NormalizedReport[] => (haveSeeds ? Object.keys(SEED_FILES).map((t) => reportFromText(seedText(t), { key: t })) : []);

describe('scoreReport() with the 2024 rubric', () => {
  it('cites, for every point, sentences that are really in the report at the offsets given', () => {
    for (const report of [...samples, ...seeds()]) {
      const result = scoreReport(report, rubric2024);
      const indicators = [...result.dimensions.flatMap((d) => d.indicators), ...result.bonus.indicators];
      for (const indicator of indicators) {
        if (indicator.score > 0 && !indicator.id.startsWith('D1.submitted') && !indicator.id.startsWith('D1.published')) {
          expect(indicator.evidence.length, `${report.source.key} ${indicator.id}`).toBeGreaterThan(0);
        }
        for (const evidence of indicator.evidence) {
          const cited = evidence.text.endsWith('…') ? evidence.text.slice(0, -1) : evidence.text;
          expect(report.text.slice(evidence.offset, evidence.offset + cited.length), `${report.source.key} ${indicator.id}`).toBe(cited);
        }
      }
    }
  });

  it('paragraphs marked copied earn nothing and are never cited; the rest of the report still earns', () => {
    // Prepare: 望江镇, with its 主要举措 paragraphs marked as copied from another report.
    const report = samples.find((r) => r.meta.township === '望江镇')!;
    // Copied from another unit (null: every sentence is copied, figures or not).
    const copied = new Map(report.sections.filter((s) => s.part === 'measures').flatMap((s) => s.paragraphs.map((p) => [p.offset, null] as const)));
    // Act
    const whole = scoreReport(report, rubric2024);
    const voided = scoreReport(report, rubric2024, { copied });
    // Assess
    const cited = (r: ScoreResult) => [...r.dimensions.flatMap((d) => d.indicators), ...r.bonus.indicators].flatMap((i) => i.evidence);
    const inCopied = (offset: number) =>
      report.sections.some((s) => s.part === 'measures' && s.paragraphs.some((p) => offset >= p.offset && offset < p.offset + p.text.length));
    expect(cited(whole).some((e) => inCopied(e.offset))).toBe(true);
    expect(cited(voided).filter((e) => inCopied(e.offset))).toEqual([]);
    expect(voided.total).toBeLessThan(whole.total - 30);
    // The parts that were not copied (第一责任人, 不足, 下一年度安排) still earn their points.
    expect(voided.dimensions.find((d) => d.id === 'D9')!.score).toBe(whole.dimensions.find((d) => d.id === 'D9')!.score);
  });

  it('a sentence copied from last year’s own report that states a figure last year’s did not is scored as usual; calendar years do not count', () => {
    // Prepare: 望江镇's 主要举措 marked copied from its own report of last year, whose paragraphs stated none of these figures.
    const report = samples.find((r) => r.meta.township === '望江镇')!;
    const measures = report.sections.filter((s) => s.part === 'measures').flatMap((s) => s.paragraphs);
    const withoutFigures = new Map(measures.map((p) => [p.offset, new Set<string>()] as const));
    // Act
    const whole = scoreReport(report, rubric2024);
    const updated = scoreReport(report, rubric2024, { copied: withoutFigures });
    // Assess: a metric indicator cites a sentence with a figure, so it keeps its points; wording-only ones lose.
    const metric = (r: ScoreResult, id: string) => r.dimensions.flatMap((d) => d.indicators).find((i) => i.id === id)!.score;
    expect(metric(updated, 'D5.mediation_cases')).toBe(metric(whole, 'D5.mediation_cases'));
    expect(metric(whole, 'D5.mediation_cases')).toBeGreaterThan(0);
    // …citing a sentence of a paragraph marked copied, so the test is not passing by citing something else.
    expect(updated.dimensions.flatMap((d) => d.indicators).find((i) => i.id === 'D5.mediation_cases')!.evidence[0]!.part).toBe('measures');
    expect(updated.total).toBeLessThan(whole.total);
    expect(figuresOf(fold('2024年开展普法宣传活动14场，覆盖3.5万人次'))).toEqual(new Set(['14', '3.5']));
  });

  it('gives byte-identical JSON for the same report and rubric, and a valid ScoreResult', () => {
    const report = samples[0]!;
    const first = JSON.stringify(scoreReport(report, rubric2024));
    const again = JSON.stringify(scoreReport(structuredClone(report), rubric2024));
    expect(again).toBe(first);
    expect(() => ScoreResult.parse(JSON.parse(first))).not.toThrow();
  });

  it('keeps every dimension within its max and the total within 0–100', () => {
    for (const report of [...samples, ...seeds()]) {
      const result = scoreReport(report, rubric2024);
      for (const d of result.dimensions) {
        expect(d.score).toBeLessThanOrEqual(d.max);
        expect(d.score).toBeCloseTo(
          Math.min(
            d.max,
            d.indicators.reduce((s, i) => s + i.score, 0),
          ),
          5,
        );
      }
      expect(result.total).toBeGreaterThanOrEqual(0);
      expect(result.total).toBeLessThanOrEqual(100);
    }
  });

  it.skipIf(!haveSeeds)('flags 双柳树镇 for its 行政调解 figures (40余起, 28起 → 93%), citing both sentences', () => {
    const result = scoreReport(reportFromText(seedText('双柳树镇')), rubric2024);
    const flag = result.flags.find((f) => f.code === 'inconsistent-figures');
    expect(flag?.message).toContain('93%');
    expect(flag?.evidence?.map((e) => e.text).join('')).toContain('受理行政调解案件40余起');
    expect(flag?.evidence?.map((e) => e.text).join('')).toContain('成功化解28起');
    expect(result.penalties.find((p) => p.id === 'P.inconsistent')?.points).toBe(2);
  });

  it('does not flag a rate that follows from its counts (渤海镇 121 件, 119 件, 98.3%)', () => {
    const text = seedTextOr('渤海镇', '全年共调解矛盾纠纷121件，其中调解成功119件，调解成功率达98.3%。');
    const result = scoreReport(reportFromText(text), rubric2024);
    expect(result.flags.filter((f) => f.code === 'inconsistent-figures')).toEqual([]);
  });
});

function seedTextOr(township: string, fallback: string): string {
  if (haveSeeds) return seedText(township);
  return ['临澜县东岭镇2024年法治政府建设情况报告', '一、主要举措和成效', `${fallback}${'全镇依法行政工作有序推进，各项制度得到落实。'.repeat(20)}`].join('\n');
}

const BASE = [
  '临澜县东岭镇2024年法治政府建设情况报告',
  '一、2024年推进法治政府建设的主要举措和成效',
  '全年受理矛盾纠纷60件，成功调解57件，调解成功率95%。镇法律顾问审查合同18份，合法性审查覆盖率100%。' +
    '镇村干部依法行政意识逐步增强，法治建设工作有序开展。'.repeat(8),
  '二、党政主要负责人履行推进法治建设第一责任人职责情况',
  '镇党委书记、镇长带头学法，全年主持会前学法4次，年终述法，对重大事项亲自部署、亲自督办，推动各项工作落实到位。' +
    '主要负责人定期听取法治建设工作汇报并研究解决具体问题。'.repeat(4),
  '三、存在的不足和原因',
  '一是执法人员偏少，主要是编制紧张；二是山区村普法覆盖不足，原因是交通不便；三是法律顾问参与决策不够，由于经费有限，难以聘请更多专业力量参与重大事项论证。',
  '四、2025年工作安排',
  '一是增加执法人员，2025年6月前新增持证人员2名；二是在6个山区村开展流动普法课堂12场；三是提高法律顾问参与决策经费。',
].join('\n');

describe('penalties', () => {
  const part = { id: 'p', name: 'p', max: 1, source, rule: { kind: 'part-present' as const, part: 'measures' as const, points: 1 } };

  it('missing parts: a deduction each, a flag with the part, and a total cap when two are missing', () => {
    const loaded = miniRubric([{ ...part, max: 100, rule: { kind: 'phrases', phrases: ['.'], pointsPerHit: 100 } }], {
      penalties: [
        {
          id: 'P.missing',
          name: '缺项',
          max: 12,
          source,
          rule: { kind: 'missing-part', parts: ['measures', 'leadership', 'shortcomings', 'plans'], pointsEach: 3, capTotalAt: 59, capWhenMissing: 2 },
        },
      ],
    });
    const full = scoreReport(reportFromText(BASE), loaded);
    expect(full.flags.filter((f) => f.code === 'missing-part')).toEqual([]);
    expect(full.total).toBe(100);
    const noShortcomings = BASE.split('\n')
      .filter((l) => !l.startsWith('三、') && !l.startsWith('一是执法'))
      .join('\n');
    const one = scoreReport(reportFromText(noShortcomings), loaded);
    expect(one.flags.filter((f) => f.code === 'missing-part').map((f) => f.part)).toEqual(['shortcomings']);
    expect(one.total).toBe(97);
    const two = scoreReport(
      reportFromText(
        noShortcomings
          .split('\n')
          .filter((l) => !l.startsWith('二、') && !l.startsWith('镇党委书记'))
          .join('\n'),
      ),
      loaded,
    );
    expect(two.total).toBe(59);
    expect(two.totalCap).toBe(59);
  });

  it('no figures, boilerplate, template leftovers, perfunctory self-critique, lost lawsuits', () => {
    const loaded = miniRubric([{ ...part, max: 40, rule: { kind: 'phrases', phrases: ['.'], pointsPerHit: 40 } }], {
      penalties: [
        { id: 'figures', name: '缺数据', max: 8, source, rule: { kind: 'no-figures', minPer1000Chars: 5, points: 5, perEmptySection: 1 } },
        { id: 'boiler', name: '套话', max: 4, source, rule: { kind: 'boilerplate', phrases: ['高度重视', '扎实推进'], bands: [{ min: 5, points: 2 }] } },
        { id: 'template', name: '模板', max: 6, source, rule: { kind: 'template-leftovers', patterns: ['XX镇', '20XX'], pointsEach: 2 } },
        {
          id: 'perfunctory',
          name: '形式',
          max: 3,
          source,
          rule: { kind: 'perfunctory', part: 'shortcomings', minChars: 150, genericPatterns: ['不够'], points: 3 },
        },
        { id: 'lost', name: '败诉', max: 4, source, rule: { kind: 'metric', metric: 'lawsuit.lost', pointsPerUnit: 1 } },
      ],
    });
    const poor = [
      'XX镇20XX年法治政府建设工作总结',
      '一、主要工作',
      '我镇高度重视法治政府建设，扎实推进依法行政，高度重视普法宣传，扎实推进矛盾化解，高度重视队伍建设。'.repeat(4),
      '全年行政诉讼败诉2件。',
      '二、党政主要负责人履行第一责任人职责情况',
      '主要负责人高度重视，扎实推进各项工作，认真履行第一责任人职责，亲自部署重要工作。'.repeat(3),
      '三、存在的不足',
      '学习不够深入。',
      '四、下一步打算',
      '继续扎实推进法治政府建设各项工作，进一步提升依法行政水平，切实加强干部队伍建设。',
    ].join('\n');
    const result = scoreReport(reportFromText(poor), loaded);
    const points = Object.fromEntries(result.penalties.map((p) => [p.id, p.points]));
    // 5 for the density, 1 for the 第一责任人 section without a single figure.
    expect(points).toEqual({ figures: 6, boiler: 2, template: 2, perfunctory: 3, lost: 2 });
    expect(result.flags.map((f) => f.code)).toEqual(expect.arrayContaining(['no-figures', 'boilerplate', 'template-leftover', 'perfunctory']));
    expect(result.total).toBe(40 - 15);
  });
});

describe('anti-gaming', () => {
  it('a sentence that is little more than rubric keywords earns nothing and is flagged', () => {
    const loaded = miniRubric([
      { id: 'a', name: 'a', max: 1, source, rule: { kind: 'phrases', phrases: ['会前学法'], pointsPerHit: 1 } },
      { id: 'b', name: 'b', max: 1, source, rule: { kind: 'phrases', phrases: ['述法'], pointsPerHit: 1 } },
      { id: 'c', name: 'c', max: 1, source, rule: { kind: 'phrases', phrases: ['法律顾问'], pointsPerHit: 1 } },
    ]);
    const stuffed = `${BASE.replace(/会前学法|述法|法律顾问/gu, '依法办事')}\n会前学法、述法、法律顾问、会前学法。`;
    const result = scoreReport(reportFromText(stuffed), loaded);
    expect(result.total).toBe(0);
    expect(result.flags.map((f) => f.code)).toContain('keyword-stuffing');
  });
});
