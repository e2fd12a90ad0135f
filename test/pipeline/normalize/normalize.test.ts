import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedReport, ReportPart } from '../../../schemas/report.ts';
import { NormalizedReport as NormalizedReportSchema } from '../../../schemas/report.ts';
import { parseReport } from '../../../pipeline/parse.ts';
import { haveSeeds, reportFromText, rubric2024, SAMPLES_DIR, seedText } from '../../helpers/reports.ts';

const topLevelParts = (report: NormalizedReport): Set<ReportPart> => new Set(report.sections.filter((s) => s.level > 0).map((s) => s.part));

describe.skipIf(!haveSeeds)('normalizeReport() on the five real seed reports', () => {
  // Expected from reading each report: which statutory parts it has a section for.
  const expected: Record<string, { year: number; county: string | null; parts: ReportPart[]; absent: ReportPart[] }> = {
    双柳树镇: { year: 2024, county: null, parts: ['leadership', 'measures', 'shortcomings', 'rectification', 'plans'], absent: [] },
    均口镇: { year: 2023, county: '建宁县', parts: ['measures', 'shortcomings', 'plans'], absent: ['leadership'] },
    渤海镇: { year: 2024, county: '怀柔区', parts: ['measures', 'rectification', 'shortcomings', 'leadership', 'plans'], absent: [] },
    明通镇: { year: 2024, county: '城口县', parts: ['measures', 'leadership', 'shortcomings', 'plans'], absent: ['rectification'] },
    沙窝镇: { year: 2023, county: '新县', parts: ['measures', 'shortcomings', 'plans'], absent: ['leadership'] },
  };
  for (const [township, want] of Object.entries(expected)) {
    it(`${township}: unit, year, county and the statutory parts it has`, () => {
      const report = reportFromText(seedText(township));
      expect(report.meta.township).toBe(township);
      expect(report.meta.unitKind).toBe('township');
      expect(report.meta.year).toBe(want.year);
      expect(report.meta.county).toBe(want.county);
      const parts = new Set(report.sections.filter((s) => s.level > 0).map((s) => s.part));
      for (const part of want.parts) expect(parts, `${township} should have ${part}`).toContain(part);
      for (const part of want.absent) expect(parts, `${township} should not have ${part}`).not.toContain(part);
      expect(() => NormalizedReportSchema.parse(report)).not.toThrow();
    });
  }

  it('沙窝镇: reads 文号 and 签发人 from the title block, and joins the line broken mid-word', () => {
    const report = reportFromText(seedText('沙窝镇'));
    expect(report.meta.docNumber).toBe('沙政文〔2024〕17号');
    expect(report.meta.signer).toBe('刘兵');
    expect(report.meta.issuer).toBe('新县沙窝镇人民政府');
    expect(report.text).toContain('习近平法治思想，及时传达');
    // Its measures are titled by task (健全依法行政制度体系…), recognised by position before the 不足 part.
    expect(report.sections.filter((s) => s.level === 1 && s.part === 'measures').map((s) => s.partBasis)).toEqual(['position', 'position', 'position']);
  });

  it('双柳树镇: the county is never invented — null with a warning', () => {
    const report = reportFromText(seedText('双柳树镇'));
    expect(report.meta.county).toBeNull();
    expect(report.warnings.map((w) => w.code)).toContain('meta-missing:county');
  });

  it('双柳树镇: the 行政调解 figures come out with metric, qualifier and offset', () => {
    const report = reportFromText(seedText('双柳树镇'));
    const mediation = report.facts.filter((f) => f.metric?.startsWith('mediation.'));
    expect(mediation.map((f) => [f.metric, f.value, f.qualifier])).toEqual(
      expect.arrayContaining([['mediation.cases', 40, 'atLeast'], ['mediation.success', 28, 'exact'], ['mediation.success_rate', 93, 'exact']]),
    );
    for (const fact of report.facts) expect(report.text.slice(fact.offset, fact.offset + fact.text.length)).toBe(fact.text);
  });

  it('明通镇: no title block, so the township comes from the first paragraph and the title is null with a warning', () => {
    const report = reportFromText(seedText('明通镇'));
    expect(report.meta.title).toBeNull();
    expect(report.warnings.map((w) => w.code)).toContain('meta-missing:title');
  });
});

describe('normalizeReport() on the project samples', () => {
  const parsed = new Map<string, NormalizedReport>();
  beforeAll(async () => {
    for (const name of ['法治政府建设年度报告2024.txt', '临澜县司法局2024年法治政府建设工作情况的报告.docx', '澜滨街道2024年法治政府建设情况报告.docx', '河湾镇2024年法治政府建设情况报告.txt', '龙口乡2024年法治政府建设工作总结.txt', '望江镇2024年法治政府建设情况报告.docx']) {
      const outcome = await parseReport({ key: name, bytes: readFileSync(join(SAMPLES_DIR, name)) }, rubric2024.rubric.metrics);
      if (!outcome.ok) throw new Error(`${name}: ${outcome.failure.message}`);
      parsed.set(name, outcome.report);
    }
  });

  it('finds a township named only in the first paragraph', () => {
    const report = parsed.get('法治政府建设年度报告2024.txt')!;
    expect(report.meta.township).toBe('柳溪乡');
    expect(report.meta.year).toBe(2024);
  });

  it('tells a county department and a subdistrict from a township', () => {
    expect(parsed.get('临澜县司法局2024年法治政府建设工作情况的报告.docx')!.meta).toMatchObject({ township: '司法局', unitKind: 'department', county: '临澜县', docNumber: '临司发〔2025〕6号' });
    expect(parsed.get('澜滨街道2024年法治政府建设情况报告.docx')!.meta).toMatchObject({ township: '澜滨街道', unitKind: 'subdistrict' });
  });

  it('keeps Word heading styles as the outline of a .docx', () => {
    const report = parsed.get('望江镇2024年法治政府建设情况报告.docx')!;
    expect(report.source.format).toBe('docx');
    expect(topLevelParts(report)).toEqual(new Set(['measures', 'leadership', 'rectification', 'shortcomings', 'plans', 'other']));
    expect(report.sections.some((s) => s.level === 2 && s.heading.length > 0)).toBe(true);
  });

  it('notices a missing 第一责任人 part and a missing 不足 part', () => {
    expect(topLevelParts(parsed.get('河湾镇2024年法治政府建设情况报告.txt')!)).not.toContain('leadership');
    expect(topLevelParts(parsed.get('龙口乡2024年法治政府建设工作总结.txt')!)).not.toContain('shortcomings');
  });
});

describe('outline', () => {
  const text = [
    '临澜县东岭镇2024年法治政府建设情况报告',
    '2024年，东岭镇坚持依法行政，现将有关情况报告如下：',
    '一、2024年推进法治政府建设的主要举措和成效',
    '（一）健全依法决策机制',
    '全年召开党委会研究法治工作3次，重大决策全部经过合法性审查。',
    '1.规范文件管理。全年审查文件12件。',
    '（1）建立台账。对审查意见逐条登记，形成闭环管理制度。',
    '（二）落实清单制度。全镇班子成员年终述法，做到述法全覆盖，述法内容报县委依法治县办备案。',
    '二、存在的不足和原因',
    '一是执法力量不足，主要是编制少；二是宣传形式单一，原因是经费有限。',
    '三、2025年工作安排',
    '一是加强培训。2025年6月前完成全员轮训。',
    '二是完善制度。年内修订议事规则。',
    '特此报告。',
    '2025年2月10日',
  ].join('\n');
  const report = reportFromText(text);

  it('nests 一、 （一） 1. （1） and 一是, and reads run-in heads', () => {
    expect(report.sections.map((s) => [s.level, s.number, s.heading, s.headingSource])).toEqual([
      [0, '', '', 'preamble'],
      [1, '一', '2024年推进法治政府建设的主要举措和成效', 'marker'],
      [2, '（一）', '健全依法决策机制', 'marker'],
      [3, '1', '规范文件管理', 'marker'],
      [4, '（1）', '建立台账', 'marker'],
      [2, '（二）', '落实清单制度', 'marker'],
      [1, '二', '存在的不足和原因', 'marker'],
      [5, '一是', '', 'marker'],
      [1, '三', '2025年工作安排', 'marker'],
      [5, '一是', '加强培训', 'marker'],
      [5, '二是', '完善制度', 'marker'],
    ]);
  });

  it('tags parts from headings, and sub-sections inherit them', () => {
    expect(report.sections.map((s) => s.part)).toEqual(['other', 'measures', 'measures', 'measures', 'measures', 'measures', 'shortcomings', 'shortcomings', 'plans', 'plans', 'plans']);
  });

  it('leaves the title block and the closing (特此报告, date) out of the sections', () => {
    const body = report.sections.flatMap((s) => s.paragraphs.map((p) => p.text)).join('\n');
    expect(body).not.toContain('特此报告');
    expect(body).not.toContain('2025年2月10日');
    expect(report.meta).toMatchObject({ township: '东岭镇', county: '临澜县', year: 2024 });
  });

  it('gives untitled reports parts from their content', () => {
    const untitled = reportFromText(
      [
        '2024年，西坪乡认真贯彻落实上级部署，扎实推进法治政府建设，现将有关情况报告如下。',
        '全年开展普法宣传12场，调解矛盾纠纷45件，成功调解43件，班子成员集中学法6次，审查合同9份，各项工作有序推进并取得实效。乡党委每季度听取一次法治建设工作汇报，乡长带头参加庭审旁听，全乡十二个村全部配备法律顾问，村规民约全部完成合法性审查。',
        '但是，我乡法治建设仍存在一些不足，主要表现在执法人员偏少，法律顾问作用发挥不够，原因是编制紧张、经费有限。',
        '2025年，我乡将继续加强执法队伍建设，力争持证率达到100%，并组织全体干部参加学法考试，完善法律顾问工作机制。',
      ].join('\n'),
    );
    expect(untitled.sections.map((s) => [s.part, s.partBasis])).toEqual([['other', 'none'], ['measures', 'content'], ['shortcomings', 'content'], ['plans', 'content']]);
  });
});
