import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedReport, ReportPart } from '../../../schemas/report.ts';
import { NormalizedReport as NormalizedReportSchema } from '../../../schemas/report.ts';
import { scopeOf, UNSPECIFIED_COUNTY } from '../../../schemas/report.ts';
import { readDocDate, readMeta } from '../../../pipeline/normalize/meta.ts';
import { parseReport } from '../../../pipeline/parse.ts';
import { isCountyName } from '../../../pipeline/text/gazetteer.ts';
import { haveSeeds, reportFromText, ROOT, rubric2024, SAMPLES_DIR, sampleText, seedText, SEED_FILES } from '../../helpers/reports.ts';

const topLevelParts = (report: NormalizedReport): Set<ReportPart> => new Set(report.sections.filter((s) => s.level > 0).map((s) => s.part));

describe.skipIf(!haveSeeds)('normalizeReport() on the five real seed reports', () => {
  // Expected from reading each report: which statutory parts it has a section for.
  // Expected from reading each report: where its unit is named, the county it names (if any), the county the
  // gazetteer gives for a name unique in the country, and which statutory parts it has a section for.
  const expected: Record<string, { year: number; county: string | null; hint: string | null; from: string; parts: ReportPart[]; absent: ReportPart[] }> = {
    双柳树镇: {
      year: 2024,
      county: null,
      hint: '潢川县',
      from: 'title',
      parts: ['leadership', 'measures', 'shortcomings', 'rectification', 'plans'],
      absent: [],
    },
    均口镇: { year: 2023, county: '建宁县', hint: '建宁县', from: 'issuer', parts: ['measures', 'shortcomings', 'plans'], absent: ['leadership'] },
    渤海镇: {
      year: 2024,
      county: '怀柔区',
      hint: null,
      from: 'issuer',
      parts: ['measures', 'rectification', 'shortcomings', 'leadership', 'plans'],
      absent: [],
    },
    明通镇: {
      year: 2024,
      county: '城口县',
      hint: '城口县',
      from: 'opening',
      parts: ['measures', 'leadership', 'shortcomings', 'plans'],
      absent: ['rectification'],
    },
    沙窝镇: { year: 2023, county: '新县', hint: null, from: 'title', parts: ['measures', 'shortcomings', 'plans'], absent: ['leadership'] },
  };
  for (const [township, want] of Object.entries(expected)) {
    it(`${township}: unit, kind, year, county and the statutory parts it has`, () => {
      const report = reportFromText(seedText(township));
      expect(report.meta.township).toBe(township);
      expect(report.meta.unitKind).toBe('township');
      expect(report.meta.unitSource).toBe(want.from);
      expect(report.meta.year).toBe(want.year);
      expect(report.meta.county).toBe(want.county);
      expect(report.meta.countyHint).toBe(want.hint);
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

  it('双柳树镇: the county is never invented — null, and the scope says where it is ranked', () => {
    // Its opening has "县委、县政府和县依法治县办": 和县 is a real county, but here it is "和 + 县依法治县办".
    const report = reportFromText(seedText('双柳树镇'));
    expect(report.meta.county).toBeNull();
    expect(report.scope).toEqual({ county: UNSPECIFIED_COUNTY, year: 2024 });
    expect(report.warnings.map((w) => w.code)).toContain('scope-unspecified:county');
    const filed = reportFromText(seedText('双柳树镇'), { location: { county: '潢川县', year: 2024 } });
    expect(filed.scope).toEqual({ county: '潢川县', year: 2024 });
    expect(filed.warnings.map((w) => w.code).filter((c) => c.startsWith('meta-mismatch') || c.startsWith('scope-'))).toEqual([]);
  });

  it('均口镇 filed under another county keeps that scope and says the text disagrees', () => {
    const report = reportFromText(seedText('均口镇'), { location: { county: '泰宁县', year: 2024 } });
    expect(report.scope).toEqual({ county: '泰宁县', year: 2024 });
    expect(report.meta).toMatchObject({ county: '建宁县', year: 2023 });
    expect(report.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['meta-mismatch:county', 'meta-mismatch:year']));
  });

  it('no county outside the gazetteer is ever read from the text of a seed or a sample', async () => {
    const names = [
      ...Object.values(SEED_FILES).map((f) => join(ROOT, '..', 'shared', 'seeds', f)),
      ...readdirSync(SAMPLES_DIR)
        .filter((f) => /\.(txt|docx)$/u.test(f))
        .map((f) => join(SAMPLES_DIR, f)),
    ];
    for (const path of names) {
      const outcome = await parseReport({ key: path, bytes: readFileSync(path) }, rubric2024.rubric.metrics);
      if (!outcome.ok) throw new Error(outcome.failure.message);
      const county = outcome.report.meta.county;
      expect(county === null || isCountyName(county), `${path}: ${county}`).toBe(true);
    }
  });

  it('双柳树镇: the 行政调解 figures come out with metric, qualifier and offset', () => {
    const report = reportFromText(seedText('双柳树镇'));
    const mediation = report.facts.filter((f) => f.metric?.startsWith('mediation.'));
    expect(mediation.map((f) => [f.metric, f.value, f.qualifier])).toEqual(
      expect.arrayContaining([
        ['mediation.cases', 40, 'atLeast'],
        ['mediation.success', 28, 'exact'],
        ['mediation.success_rate', 93, 'exact'],
      ]),
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
    for (const name of [
      '法治政府建设年度报告2024.txt',
      '临澜县司法局2024年法治政府建设工作情况的报告.docx',
      '澜滨街道2024年法治政府建设情况报告.docx',
      '河湾镇2024年法治政府建设情况报告.txt',
      '龙口乡2024年法治政府建设工作总结.txt',
      '望江镇2024年法治政府建设情况报告.docx',
    ]) {
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
    // Its full name; 临澜县 is fictional, so the text's county counts only when the scope vouches for it.
    expect(parsed.get('临澜县司法局2024年法治政府建设工作情况的报告.docx')!.meta).toMatchObject({
      township: '临澜县司法局',
      unitKind: 'department',
      county: null,
      docNumber: '临司发〔2025〕6号',
      docDate: '2025-01-24',
    });
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
    expect(report.sections.map((s) => s.part)).toEqual([
      'other',
      'measures',
      'measures',
      'measures',
      'measures',
      'measures',
      'shortcomings',
      'shortcomings',
      'plans',
      'plans',
      'plans',
    ]);
  });

  it('leaves the title block and the closing (特此报告, date) out of the sections', () => {
    const body = report.sections.flatMap((s) => s.paragraphs.map((p) => p.text)).join('\n');
    expect(body).not.toContain('特此报告');
    expect(body).not.toContain('2025年2月10日');
    expect(report.meta).toMatchObject({ township: '东岭镇', county: null, year: 2024, docDate: '2025-02-10' });
    expect(reportFromText(text, { location: { county: '临澜县' } }).meta.county).toBe('临澜县');
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
    expect(untitled.sections.map((s) => [s.part, s.partBasis])).toEqual([
      ['other', 'none'],
      ['measures', 'content'],
      ['shortcomings', 'content'],
      ['plans', 'content'],
    ]);
  });
});

describe('unit, kind and year of every kind of filer (fictional reports in test/fixtures/units/)', () => {
  const fixture = (name: string, location?: { county?: string; year?: number }) =>
    reportFromText(readFileSync(join(ROOT, 'test/fixtures/units', name), 'utf8'), { key: name, ...(location ? { location } : {}) });
  const cases: [string, { unit: string; filed: string; kind: string | null; year: number; from: string | null }][] = [
    // 县司法局 in the title; the 落款 gives its county.
    ['county-justice-bureau.txt', { unit: '临澜县司法局', filed: '临澜县司法局', kind: 'department', year: 2024, from: 'title' }],
    // A district bureau, the city before the district dropped.
    ['district-education-bureau.txt', { unit: '澜东区教育局', filed: '澜东区教育局', kind: 'department', year: 2024, from: 'title' }],
    ['county-government.txt', { unit: '临澜县人民政府', filed: '临澜县人民政府', kind: 'county', year: 2024, from: 'title' }],
    // "XX区2023年度…": a district reporting as a whole; 《纲要（2021—2025年）》 in the opening is not its year.
    ['district-government.txt', { unit: '澜东区人民政府', filed: '澜东区人民政府', kind: 'county', year: 2023, from: 'title' }],
    // Only the title has the year; the plans speak of 2025 three times.
    ['year-only-in-title.txt', { unit: '县城管局', filed: '临澜县城管局', kind: 'department', year: 2024, from: 'title' }],
    // Title, opening and first heading in one line, as a PDF or a pasted text gives them.
    ['flattened-opening.txt', { unit: '云岭镇', filed: '云岭镇', kind: 'township', year: 2024, from: 'title' }],
    // Named only in 《…》; the year inside 《…》 does not count, the body's does (with a warning).
    ['unit-only-quoted.txt', { unit: '青山镇', filed: '青山镇', kind: 'township', year: 2024, from: 'quoted' }],
    ['unit-unknown.txt', { unit: '', filed: '', kind: null, year: 2024, from: null }],
  ];
  for (const [name, want] of cases) {
    it(`${name}: ${want.unit || '(no unit)'} · ${want.kind ?? 'kind unknown'} · ${want.year}`, () => {
      const report = fixture(name);
      expect(report.meta.township ?? '').toBe(want.unit);
      expect(report.meta.unitKind).toBe(want.kind);
      expect(report.meta.year).toBe(want.year);
      expect(report.meta.unitSource).toBe(want.from);
      // Filed under 临澜县: a department named "县…局" gets the county's name.
      expect(fixture(name, { county: '临澜县' }).meta.township ?? '').toBe(want.filed);
    });
  }

  it('warns when the year comes from the body, and when the kind is unknown', () => {
    expect(fixture('unit-only-quoted.txt').warnings.map((w) => w.code)).toContain('meta-inferred:year');
    expect(fixture('unit-unknown.txt').warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['meta-missing:township', 'meta-missing:unitKind']));
    expect(fixture('year-only-in-title.txt').warnings.map((w) => w.code)).not.toContain('meta-inferred:year');
  });

  it('reads 成文日期 from the 落款', () => {
    expect(fixture('county-justice-bureau.txt').meta.docDate).toBe('2025-01-20');
    expect(fixture('district-government.txt').meta.docDate).toBeNull();
  });
});

describe('readMeta() on single lines', () => {
  const meta = (title: string, opening: string[] = [], extra: Partial<Parameters<typeof readMeta>[0]> = {}) =>
    readMeta({ titleBlock: [title], opening, ...extra }).meta;

  it('never takes a phrase for a county: 坚决落实县委…, 认真落实县委全面依法治县委员会', () => {
    const m = meta('东岭镇2024年法治政府建设情况报告', [
      '2024年，东岭镇坚决落实县委、县政府决策部署，认真落实县委全面依法治县委员会工作要点，现将有关情况报告如下：',
    ]);
    expect(m).toMatchObject({ township: '东岭镇', county: null });
  });

  it('strips the city and keeps the county of a department: 晋城市陵川县教育局', () => {
    expect(meta('晋城市陵川县教育局关于2024年度法治政府建设工作情况的报告')).toMatchObject({
      township: '陵川县教育局',
      unitKind: 'department',
      county: '陵川县',
      year: 2024,
    });
    expect(meta('陵川县人民政府办公室2024年法治政府建设情况报告')).toMatchObject({ township: '陵川县人民政府办公室', unitKind: 'department' });
    expect(meta('中共陵川县委 陵川县人民政府关于2024年法治政府建设情况的报告')).toMatchObject({
      township: '陵川县人民政府',
      unitKind: 'county',
      county: '陵川县',
    });
  });

  it('never takes "现将我镇" or 各乡镇 for a unit, but takes the kind from 我局', () => {
    const m = meta('2024年法治政府建设情况报告', ['现将我镇2024年法治政府建设情况报告如下：各乡镇要认真落实。']);
    expect(m.township).toBeNull();
    expect(m.unitKind).toBe('township');
    expect(meta('2024年法治政府建设情况报告', ['现将我局2024年法治政府建设情况报告如下：']).unitKind).toBe('department');
  });

  it('never takes the year inside 《…》 or the end of a range, from the title or the opening', () => {
    expect(meta('贯彻《法治政府建设实施纲要（2021-2025年）》情况报告', ['2024年，东岭镇深入推进法治政府建设。']).year).toBe(2024);
    expect(meta('法治政府建设情况报告', ['根据《法治政府建设实施纲要(2021-2025年)》要求，现将2024年度法治政府建设情况汇报如下：']).year).toBe(2024);
  });

  it('reads 成文日期 in digits or Chinese numerals, with or without the day', () => {
    expect(readDocDate(['临澜县司法局', '2025年1月20日'])).toBe('2025-01-20');
    expect(readDocDate(['二〇二五年一月十五日'])).toBe('2025-01-15');
    expect(readDocDate(['2025年3月'])).toBe('2025-03');
    expect(readDocDate(['全年受理纠纷60件，2024年12月31日前全部办结，当事人均表示满意，群众满意度明显提高。'])).toBeNull();
  });
});

describe('scopeOf()', () => {
  it('a report normalised before scopes existed takes its scope from its upload key, not from its text', () => {
    // Prepare: a 1.0-era report whose text county was a phrase; it was uploaded to reports/2024/临澜县/.
    const report = reportFromText(sampleText('石门镇2024年法治政府建设工作报告.txt'), { key: 'reports/2024/临澜县/石门镇.txt' });
    const { scope: _scope, ...old } = { ...report, meta: { ...report.meta, county: '认真落实县' } };
    // Act / Assess
    expect(scopeOf(old)).toEqual({ county: '临澜县', year: 2024 });
    expect(scopeOf({ meta: { county: null, year: 2023 } })).toEqual({ county: UNSPECIFIED_COUNTY, year: 2023 });
  });
});
