import { describe, expect, it } from 'vitest';
import type { RubricInput } from '../../../schemas/rubric.ts';
import { scoreReport } from '../../../pipeline/score/index.ts';
import { reportFromText } from '../../helpers/reports.ts';
import { miniRubric, source } from '../../helpers/rubric.ts';

type IndicatorInput = RubricInput['dimensions'][number]['indicators'][number];

/** A short fictional report with every statutory part, figures, and a few traps for the rules. */
const REPORT = [
  '临澜县东岭镇2024年法治政府建设情况报告',
  '2024年，东岭镇坚持以习近平法治思想为指导，扎实推进法治政府建设，现将有关情况报告如下：',
  '一、2024年推进法治政府建设的主要举措和成效',
  '（一）健全依法决策机制',
  '镇党委会全年专题研究法治建设3次，重大行政决策严格履行公众参与、专家论证、风险评估、合法性审查、集体讨论决定程序。',
  '镇法律顾问全年审查合同18份，合法性审查覆盖率100%。',
  '（二）化解矛盾纠纷',
  '全年受理矛盾纠纷60件，成功调解57件，调解成功率95%。全年未发生行政诉讼案件。',
  '开展普法宣传活动12场，受教育群众3000余人次。',
  '开展普法宣传活动12场，受教育群众3000余人次。',
  '二、党政主要负责人履行推进法治建设第一责任人职责情况',
  '镇党委书记、镇长带头学法，全年主持会前学法4次，年终述法并接受评议，对重大信访积案亲自过问、亲自督办，推动3件积案依法化解，' +
    '镇长出庭应诉1次，做到重要工作亲自部署、重大问题亲自过问，法治建设纳入各村年度考核并占5%的权重。',
  '三、存在的不足和原因',
  '一是执法人员偏少，主要是编制紧张；二是山区村普法覆盖不足，原因是交通不便；三是法律顾问参与决策不够，由于经费有限。',
  '四、2025年工作安排',
  '一是增加执法人员，2025年6月前新增持证人员2名；二是在6个山区村开展流动普法课堂12场；三是提高法律顾问参与决策经费。',
].join('\n');

function score(indicators: IndicatorInput[], extra: Partial<RubricInput> = {}, text = REPORT, options: Parameters<typeof reportFromText>[1] = {}) {
  const loaded = miniRubric(indicators, extra);
  const report = reportFromText(text, options);
  return { result: scoreReport(report, loaded), report };
}
const indicator = (id: string, max: number, rule: IndicatorInput['rule']): IndicatorInput => ({ id, name: id, max, source, rule });
const only = (result: ReturnType<typeof score>['result']) => result.dimensions[0]!.indicators[0]!;

describe('rule: part-present', () => {
  it('awards points for a part long enough, partial points for a short one, none for a missing one', () => {
    const { result } = score([
      indicator('measures', 2, { kind: 'part-present', part: 'measures', minChars: 50, points: 2 }),
      indicator('plans', 2, { kind: 'part-present', part: 'plans', minChars: 500, points: 2, partialPoints: 1 }),
      indicator('rectification', 2, { kind: 'part-present', part: 'rectification', points: 2 }),
    ]);
    expect(result.dimensions[0]!.indicators.map((i) => i.score)).toEqual([2, 1, 0]);
    expect(result.dimensions[0]!.indicators[0]!.evidence[0]!.text).toBe('2024年推进法治政府建设的主要举措和成效');
  });

  it('counts a statutory item reported inside another part through the rubric fallback', () => {
    const withoutSection = REPORT.replace('二、党政主要负责人履行推进法治建设第一责任人职责情况\n', '');
    const rule = indicator('leadership', 1, { kind: 'part-present', part: 'leadership', points: 1 });
    expect(only(score([rule], {}, withoutSection).result).score).toBe(0);
    const fallback = { partFallbacks: [{ part: 'leadership' as const, paragraphPatterns: ['亲自过问'], minChars: 50 }] };
    const scored = only(score([rule], fallback, withoutSection).result);
    expect(scored.score).toBe(1);
    expect(scored.note).toContain('未单列');
  });
});

describe('rule: phrases', () => {
  it('earns once per phrase, from distinct sentences only', () => {
    // 公众参与 and 专家论证 sit in the same sentence: one sentence, one hit.
    const { result } = score([indicator('steps', 3, { kind: 'phrases', phrases: ['公众参与', '专家论证', '合法性审查覆盖率'], pointsPerHit: 1 })]);
    expect(only(result).score).toBe(2);
    expect(new Set(only(result).evidence.map((e) => e.offset)).size).toBe(2);
  });

  it('caps the points, and counts a repeated sentence once', () => {
    const { result } = score([indicator('publicity', 3, { kind: 'phrases', phrases: ['普法宣传活动'], pointsPerHit: 2, cap: 1.5 })]);
    expect(only(result).score).toBe(1.5);
    expect(only(result).evidence).toHaveLength(1);
  });

  it('looks only in the parts named, and can require a figure in the sentence', () => {
    const inPlans = score([indicator('x', 1, { kind: 'phrases', phrases: ['流动普法课堂'], pointsPerHit: 1, parts: ['measures'] })]).result;
    expect(only(inPlans).score).toBe(0);
    const figure = score([indicator('x', 1, { kind: 'phrases', phrases: ['未发生行政诉讼'], pointsPerHit: 1, requireFigure: true })]).result;
    expect(only(figure).score).toBe(0);
  });

  it('matches near (all phrases within a window) and all (every phrase somewhere)', () => {
    const near = score([indicator('x', 1, { kind: 'phrases', match: 'near', window: 30, phrases: ['书记', '带头学法'], pointsPerHit: 1 })]).result;
    expect(only(near).score).toBe(1);
    const farApart = score([indicator('x', 1, { kind: 'phrases', match: 'near', window: 10, phrases: ['书记', '考核'], pointsPerHit: 1 })]).result;
    expect(only(farApart).score).toBe(0);
    const all = score([indicator('x', 1, { kind: 'phrases', match: 'all', phrases: ['述法', '出庭应诉', '不存在的词'], pointsPerHit: 1 })]).result;
    expect(only(all).score).toBe(0);
    expect(only(all).note).toContain('不存在的词');
  });

  it('can look at headings instead of sentences', () => {
    const { result } = score([indicator('x', 1, { kind: 'phrases', scope: 'headings', phrases: ['存在的不足'], pointsPerHit: 1 })]);
    expect(only(result).evidence[0]!.text).toBe('存在的不足和原因');
  });
});

describe('rule: metric', () => {
  it('scores the best band any figure of the metric reaches', () => {
    const bands = [
      { min: 97, points: 2 },
      { min: 90, points: 1 },
    ];
    const { result } = score([indicator('rate', 2, { kind: 'metric', metric: 'mediation.success_rate', bands })]);
    expect(only(result).score).toBe(1);
    expect(only(result).evidence[0]!.text).toContain('调解成功率95%');
  });

  it('gives nothing when the report has no figure for the metric', () => {
    const { result } = score([indicator('lost', 1, { kind: 'metric', metric: 'lawsuit.lost', bands: [{ min: 0, points: 1 }] })]);
    expect(only(result).score).toBe(0);
  });
});

describe('rule: disclosure', () => {
  it('counts a figure, or an explicit zero', () => {
    const figure = score([indicator('x', 1, { kind: 'disclosure', metrics: ['mediation.cases'], points: 1 })]).result;
    expect(only(figure).score).toBe(1);
    const zero = score([indicator('x', 1, { kind: 'disclosure', metrics: ['lawsuit.lost'], zeroPatterns: ['未发生[^。]{0,6}行政诉讼'], points: 1 })]).result;
    expect(only(zero).score).toBe(1);
    expect(only(zero).evidence[0]!.text).toBe('全年未发生行政诉讼案件。');
    const none = score([indicator('x', 1, { kind: 'disclosure', metrics: ['lawsuit.lost'], points: 1 })]).result;
    expect(only(none).score).toBe(0);
  });
});

describe('rule: specificity', () => {
  it('bands the figures per thousand characters of a part', () => {
    const { result } = score([
      indicator('x', 2, {
        kind: 'specificity',
        parts: ['leadership'],
        bands: [
          { min: 100, points: 2 },
          { min: 5, points: 1 },
        ],
      }),
    ]);
    expect(only(result).score).toBe(1);
    expect(only(result).note).toMatch(/每千字 [\d.]+ 个/u);
  });
});

describe('rule: distinct-items', () => {
  it('counts 一是…二是… items, their causes, and timed plans', () => {
    const { result } = score([
      indicator('short', 4.5, {
        kind: 'distinct-items',
        part: 'shortcomings',
        minItems: 3,
        points: 2,
        causePatterns: ['原因|主要是|由于'],
        causePoints: 1.5,
        specificPoints: 1,
      }),
      indicator('plan', 2.5, {
        kind: 'distinct-items',
        part: 'plans',
        minItems: 3,
        points: 1,
        timedPatterns: ['\\d+\\s*(场|名)|\\d{4}年\\d{1,2}月'],
        timedPoints: 1.5,
      }),
    ]);
    const [short, plan] = result.dimensions[0]!.indicators;
    expect(short!.score).toBe(4.5);
    expect(short!.note).toContain('列出 3 条');
    expect(plan!.score).toBe(2);
    expect(plan!.note).toContain('2 条有时间或数量要求');
  });
});

describe('rule: metadata', () => {
  const rule = indicator('submitted', 3, { kind: 'metadata', field: 'submittedAt', deadline: '03-01', points: 3, latePoints: 1.5, graceDays: 7 });
  it.each([
    [undefined, 0, '未提供'],
    ['2025-02-28', 3, '不晚于'],
    ['2025-03-05', 1.5, '逾期'],
    ['2025-04-01', 0, '晚于截止日期'],
  ])('submitted %s → %d points', (submittedAt, points, note) => {
    const { result } = score([rule], {}, REPORT, submittedAt ? { submission: { submittedAt } } : {});
    expect(only(result).score).toBe(points);
    expect(only(result).note).toContain(note);
  });
});

describe('rule: cross-part', () => {
  it('checks each shortcoming has a matching plan', () => {
    const { result } = score([indicator('x', 1, { kind: 'cross-part', from: 'shortcomings', to: 'plans', points: 1, minShared: 2 })]);
    expect(only(result).score).toBeGreaterThan(0.6);
    expect(only(result).evidence.length).toBeGreaterThan(0);
  });
});

describe('dimension and rubric caps', () => {
  it('caps an indicator at its max and a dimension at its max', () => {
    const loaded = miniRubric([
      indicator('a', 1, { kind: 'phrases', phrases: ['法治'], pointsPerHit: 5 }),
      indicator('b', 1, { kind: 'phrases', phrases: ['调解'], pointsPerHit: 5 }),
    ]);
    const input = structuredClone(loaded.rubric) as unknown as RubricInput;
    input.dimensions[0]!.max = 1.5;
    input.max = 1.5;
    const result = scoreReport(reportFromText(REPORT), miniRubric(input.dimensions[0]!.indicators, { max: 1.5, dimensions: input.dimensions }));
    expect(result.dimensions[0]!.indicators.map((i) => i.score)).toEqual([1, 1]);
    expect(result.dimensions[0]!.score).toBe(1.5);
    expect(result.total).toBe(1.5);
  });
});
