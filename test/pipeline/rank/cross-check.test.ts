import { describe, expect, it } from 'vitest';
import { scoreAndRank } from '../../../pipeline/batch.ts';
import { crossCheck } from '../../../pipeline/rank/index.ts';
import { decodeSignature, encodeSignature, reportSignature } from '../../../pipeline/rank/similarity.ts';
import { scoreReport } from '../../../pipeline/score/index.ts';
import { reportFromText, rubric2024, sampleText } from '../../helpers/reports.ts';

/** Two honest reports share the usual opening formula and nothing else. */
const OPENING = '2024年，在县委、县政府的坚强领导下，{镇}坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神和习近平法治思想，增强“四个意识”、坚定“四个自信”、做到“两个维护”，现将有关情况报告如下：';

function honest(township: string, body: string[]): string {
  return [`临澜县${township}2024年法治政府建设情况报告`, OPENING.replace('{镇}', township), '一、2024年推进法治政府建设的主要举措和成效', ...body, '二、存在的不足和原因', `一是${township}执法力量偏少，主要是编制紧张。`].join('\n');
}

const EAST = honest('东岭镇', [
  '镇党委会全年专题研究法治建设3次，重大行政决策严格履行公众参与、专家论证、风险评估、合法性审查、集体讨论决定程序，全年审查合同18份。',
  '全年受理矛盾纠纷60件，成功调解57件，调解成功率95%，东岭村和南坡村的土地纠纷通过调委会联合调处全部化解。',
  '开展“法律进山村”流动课堂12场，受教育群众3000余人次，培育法律明白人40名，在东岭集市设立普法摊位。',
]);
const WEST = honest('西坪乡', [
  '乡政府聘请两名律师担任法律顾问，全年出具法律意见书11份，参与处理征地补偿争议4起，协助修订村规民约9部。',
  '综合行政执法队承接赋权事项31项，全年立案查处违法建设7起，开展案卷评查2次，执法人员持证率达到100%。',
  '依托乡综治中心建立“茶馆调解室”，由老党员和乡贤轮流值守，全年接待群众来访220人次，排查化解婚姻家庭纠纷26件。',
]);

describe('cross-report checks', () => {
  it('flags a report copied from a neighbour with names and a few figures changed, both ways', () => {
    const original = reportFromText(sampleText('青石镇2024年度法治政府建设工作情况的报告.txt'), { key: 'qingshi.txt', location: { county: '临澜县' } });
    const copy = reportFromText(
      sampleText('青石镇2024年度法治政府建设工作情况的报告.txt').replaceAll('青石', '松林').replace(/\d+件/u, '31件').replace(/\d+次/u, '7次'),
      { key: 'songlin.txt', location: { county: '临澜县' } },
    );
    const other = reportFromText(EAST, { key: 'east.txt' });
    const results = scoreAndRank([original, copy, other], rubric2024);
    const similar = (key: string) => results.find((r) => r.source === key)!.flags.filter((f) => f.code === 'similar-to');
    expect(similar('qingshi.txt').map((f) => f.other)).toEqual(['songlin.txt']);
    expect(similar('songlin.txt').map((f) => f.other)).toEqual(['qingshi.txt']);
    expect(similar('songlin.txt')[0]!.similarity).toBeGreaterThan(0.8);
    expect(similar('songlin.txt')[0]!.evidence!.length).toBeGreaterThan(0);
    expect(similar('east.txt')).toEqual([]);
    // Every 青石 became 松林, so nothing tells who copied whom: both are penalised by similarity × 30.
    expect(similar('songlin.txt')[0]!.role).toBe('unknown');
    const copyPenalty = results.find((r) => r.source === 'songlin.txt')!.penalties.find((p) => p.id === 'P.copy')!;
    expect(copyPenalty.points).toBeCloseTo(Math.min(30, similar('songlin.txt')[0]!.similarity! * 30), 2);
  });

  it('tells the copy from the original when the copy still carries the original name', () => {
    const original = reportFromText(sampleText('青石镇2024年度法治政府建设工作情况的报告.txt'), { key: 'qingshi.txt', location: { county: '临澜县' } });
    const copy = reportFromText(sampleText('桃源镇2024年度法治政府建设工作情况的报告.txt'), { key: 'taoyuan.txt', location: { county: '临澜县' } });
    const results = scoreAndRank([original, copy], rubric2024);
    const flag = (key: string) => results.find((r) => r.source === key)!.flags.find((f) => f.code === 'similar-to')!;
    expect(flag('taoyuan.txt').role).toBe('copier');
    expect(flag('qingshi.txt').role).toBe('source');
    const penalty = (key: string) => results.find((r) => r.source === key)!.penalties.find((p) => p.id === 'P.copy')!.points;
    expect(penalty('taoyuan.txt')).toBeGreaterThan(20);
    expect(penalty('qingshi.txt')).toBe(0);
  });

  it('does not flag two honest reports that share the usual opening formula', () => {
    const results = scoreAndRank([reportFromText(EAST, { key: 'east.txt' }), reportFromText(WEST, { key: 'west.txt' })], rubric2024);
    expect(results.flatMap((r) => r.flags.filter((f) => f.code === 'similar-to'))).toEqual([]);
  });

  it('flags a report copied from the same unit last year, and reports which of last year plans were carried out', () => {
    const last = reportFromText(sampleText('2023/河湾镇2023年法治政府建设情况报告.txt'), { key: 'hewan-2023.txt', location: { county: '临澜县' } });
    const now = reportFromText(sampleText('河湾镇2024年法治政府建设情况报告.txt'), { key: 'hewan-2024.txt', location: { county: '临澜县' } });
    const [result] = crossCheck([{ report: now, result: scoreReport(now, rubric2024) }], rubric2024, { previousYear: [last] });
    const flag = result!.flags.find((f) => f.code === 'similar-to');
    expect(flag?.other).toBe('hewan-2023.txt');
    expect(flag?.message).toContain('上一年度');
    expect(result!.followThrough?.previousSource).toBe('hewan-2023.txt');
    expect(result!.followThrough!.planned).toBeGreaterThan(0);
  });

  it('is idempotent: checking twice gives the same flags and totals', () => {
    const reports = [reportFromText(EAST, { key: 'east.txt' }), reportFromText(WEST, { key: 'west.txt' })];
    const entries = reports.map((report) => ({ report, result: scoreReport(report, rubric2024) }));
    const once = crossCheck(entries, rubric2024);
    const twice = crossCheck(reports.map((report, i) => ({ report, result: once[i]! })), rubric2024);
    expect(JSON.stringify(twice)).toBe(JSON.stringify(once));
  });

  it('round-trips a copy signature through its stored form', () => {
    const signature = reportSignature(reportFromText(EAST));
    const decoded = decodeSignature(encodeSignature(signature));
    expect(decoded.reportId).toBe(signature.reportId);
    expect(decoded.paragraphs.map((p) => [p.offset, p.section, p.weight, [...p.minhash]])).toEqual(signature.paragraphs.map((p) => [p.offset, p.section, p.weight, [...p.minhash]]));
  });
});
