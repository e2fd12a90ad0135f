import type { RubricInput } from '../../schemas/rubric.ts';
import { parseRubric, type LoadedRubric } from '../../pipeline/score/rubric.ts';

/** A one-dimension rubric around the given indicators, for testing one rule kind at a time. */
export function miniRubric(indicators: RubricInput['dimensions'][number]['indicators'], extra: Partial<RubricInput> = {}): LoadedRubric {
  const max = indicators.reduce((sum, i) => sum + i.max, 0);
  const input: RubricInput = {
    id: 'test',
    version: '1.0.0',
    title: '测试细则',
    year: 2024,
    max,
    metrics: [
      { id: 'mediation.success_rate', name: '调解成功率', patterns: ['成功率'], units: ['%'] },
      { id: 'mediation.success', name: '调解成功件数', patterns: ['调解成功', '成功调解', '成功化解'], units: ['件', '起'] },
      { id: 'mediation.cases', name: '调解件数', patterns: ['调解', '受理'], units: ['件', '起'] },
      { id: 'lawsuit.lost', name: '败诉件数', patterns: ['败诉'], units: ['件', '起'] },
    ],
    dimensions: [{ id: 'D', name: '测试维度', max, sources: [{ doc: '测试', verified: 'V' }], indicators }],
    grading: {
      mode: 'absolute',
      bands: [
        { grade: '好', min: max / 2 },
        { grade: '差', min: 0 },
      ],
    },
    consistency: [{ rate: 'mediation.success_rate', numerator: 'mediation.success', denominator: 'mediation.cases', tolerance: 2 }],
    ...extra,
  };
  return parseRubric(input, 'mini');
}

export const source = { doc: '测试', verified: 'V' as const };
