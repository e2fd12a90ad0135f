import { describe, expect, it } from 'vitest';
import { compileMetrics, extractFacts, subjectOf, tagMetric, unquoted, yearOf } from '../../../pipeline/normalize/facts.ts';
import { rubric2024 } from '../../helpers/reports.ts';

const metrics = compileMetrics(rubric2024.rubric.metrics);
const factsOf = (text: string, offset = 0) => extractFacts([{ text, offset, section: 0 }], metrics);
const brief = (text: string) => factsOf(text).map((f) => [f.value, f.unit, f.qualifier]);

describe('extractFacts()', () => {
  it('reads Arabic figures with 余 as "at least", each with the clause before it', () => {
    const facts = factsOf('通过发放宣传资料20000余份、悬挂标语30余条、开设法治讲堂10余场等形式开展宣传。');
    expect(facts.map((f) => [f.value, f.unit, f.qualifier, f.context])).toEqual([
      [20000, '份', 'atLeast', '通过发放宣传资料'],
      [30, '条', 'atLeast', '悬挂标语'],
      [10, '场', 'atLeast', '开设法治讲堂'],
    ]);
  });

  it('reads Chinese numerals: 十余场, 两万余人次, 两百万余元, 百分之百', () => {
    expect(brief('开展送法下乡十余场，受教育群众两万余人次。')).toEqual([
      [10, '场', 'atLeast'],
      [20000, '人次', 'atLeast'],
    ]);
    expect(brief('涉及金额两百万余元。')).toEqual([[2_000_000, '元', 'atLeast']]);
    expect(brief('重大决策合法性审查覆盖率达到百分之百。')).toEqual([[100, '%', 'exact']]);
  });

  it('reads 万 as a multiplier and 约/近/超过/不足/以上 as qualifiers', () => {
    expect(brief('发放彩页2万余张。')).toEqual([[20000, '张', 'atLeast']]);
    expect(brief('投资近10万元扩建综治中心。')).toEqual([[100000, '元', 'about']]);
    expect(brief('培训超过500人次，其中不足3次的补训，开展讲座80次以上。')).toEqual([
      [500, '人次', 'atLeast'],
      [3, '次', 'atMost'],
      [80, '次', 'atLeast'],
    ]);
  });

  it('ties a figure to a metric when the catalogue recognises the words before it', () => {
    const facts = factsOf('2024年共受理行政调解案件40余起，成功化解28起，调解成功率达到93%。');
    expect(facts.map((f) => [f.value, f.metric])).toEqual([
      [40, 'mediation.cases'],
      [28, 'mediation.success'],
      [93, 'mediation.success_rate'],
    ]);
  });

  it('skips years, dates, document numbers, quoted names, ordinals and slogans', () => {
    const text =
      '根据《法治政府建设实施纲要（2021-2025年）》和城府办发〔2024〕53号文件，2024年1-11月依托“141”体系，在“3.15”开展宣传，' +
      '增强“四个意识”，落实八项规定和“三项制度”，学习党的二十大精神，第3名，一起因土地流转引发的纠纷。';
    expect(factsOf(text)).toEqual([]);
  });

  it('keeps offsets into the original text, full-width digits included', () => {
    const paragraph = '执法人员１５人，其中持证８人。';
    const facts = factsOf(paragraph, 50);
    expect(facts.map((f) => [f.value, f.text])).toEqual([
      [15, '１５人'],
      [8, '８人'],
    ]);
    for (const fact of facts) expect(paragraph.slice(fact.offset - 50, fact.offset - 50 + fact.text.length)).toBe(fact.text);
  });

  it('keeps a bare figure only where the words make it a score or a rate', () => {
    expect(brief('平均综合成绩99.2，今年以来成绩保持前列；110伏变电站；拨打12345热线。')).toEqual([[99.2, '', 'exact']]);
  });

  it('lets the items of an enumeration share its verb, but not the words of a counted item before', () => {
    const facts = factsOf('全年审查文件41件、合同67件；组织党委会学法9次、机关干部学法考试41人次、旁听行政案件庭审3人次。');
    expect(facts.map((f) => [f.text, f.metric])).toEqual([
      ['41件', 'legal_review.count'],
      ['67件', 'legal_review.count'],
      ['9次', 'law_study.sessions'],
      ['41人次', 'law_study.exam_persons'],
      ['3人次', null],
    ]);
  });

  it('reads the head noun after a figure ("1件行政诉讼败诉案件" is a lost case)', () => {
    expect(factsOf('全年发生1件行政诉讼败诉案件。').map((f) => f.metric)).toEqual(['lawsuit.lost']);
  });

  it("requires who did what: an adviser headcount is no matter handled, a public lecture no leaders' study", () => {
    const facts = factsOf('配备了3名律师担任法律顾问，法律顾问全年出具法律意见书31份；开展法治讲座80次，执法人员调整为15人。');
    expect(facts.map((f) => [f.text, f.metric])).toEqual([
      ['3名', 'legal_adviser.count'],
      ['31份', 'legal_adviser.matters'],
      ['80次', 'publicity.events'],
      ['15人', null],
    ]);
  });

  it('records whose figure it is and the year a sentence dates it to', () => {
    const facts = extractFacts(
      [{ text: '全县一审行政诉讼案件57件，败诉3件。我镇荣获了2021年度先进乡镇3个。持证率由上年的70.8%提高到100%。', offset: 0, section: 0 }],
      metrics,
      2024,
    );
    expect(facts.map((f) => [f.text, f.subject, f.year])).toEqual([
      ['57件', 'county', undefined],
      ['3件', 'county', undefined],
      ['3个', 'unit', 2021],
      ['70.8%', 'unit', 2023],
      ['100%', 'unit', undefined],
    ]);
  });
});

describe('tagMetric()', () => {
  it('tags by the catalogue it is given, not by another catalogue compiled before it', () => {
    // Prepare
    const clause = { lead: '', before: '化解矛盾纠纷', after: '', sentence: '化解矛盾纠纷12件' };
    const withoutMediation = compileMetrics(rubric2024.rubric.metrics.filter((m) => !m.id.startsWith('mediation.')));
    // Act
    const full = tagMetric(clause, '件', metrics);
    const reduced = tagMetric(clause, '件', withoutMediation);
    // Assess
    expect(full).toBe('mediation.cases');
    expect(reduced).not.toBe('mediation.cases');
  });
});

describe('unquoted()', () => {
  it('blanks what is inside quotes and title marks, keeping the marks and every offset', () => {
    // Prepare
    const text = '印发《2024年工作方案》，2023年“12345”热线受理“”件';
    // Act
    const plain = unquoted(text);
    // Assess
    expect(plain).toBe('印发《         》，2023年“     ”热线受理“”件');
    expect(plain.length).toBe(text.length);
  });

  it('blanks at most 80 characters after a mark that is never closed, and reads marks again after them', () => {
    // Prepare: an opening quote left open, then a quoted name after the 80 characters it may cover.
    const text = `据“${'年'.repeat(100)}《2023年方案》`;
    // Act
    const plain = unquoted(text);
    // Assess
    expect(plain.slice(0, 82)).toBe(`据“${' '.repeat(80)}`);
    expect(plain.slice(82, 102)).toBe('年'.repeat(20));
    expect(plain.slice(102)).toBe('《       》');
  });
});

describe('subjectOf() and yearOf()', () => {
  it('takes the subject from the clause that opens with a scope word, not from an object', () => {
    expect(subjectOf('全县持证执法人员')).toBe('county');
    expect(subjectOf('参加全县执法培训')).toBe('unit');
    expect(subjectOf('办结市联席办转办信访案件')).toBe('unit');
    expect(subjectOf('2024年，全市开展普法活动')).toBe('higher');
    expect(subjectOf('每个村(社区)培养法律明白人')).toBe('village');
    expect(subjectOf('全县一审行政诉讼案件57件,负责人出庭应诉率100%,败诉')).toBe('county');
  });

  it('reads a scope word after the time words and spaces that open a clause, and only at its start', () => {
    // Prepare: clauses led by a space, a full-width space, a year and month, 截至…, 其中 and 同时; and clauses whose
    // scope word comes later, after words that open no subject.
    const led = [' 全县办理', '\u3000村级调解', '2024年3月全市', '截至2024年底，各村', '其中全区', '同时我镇'];
    const later = ['组织全县', '开展村级', '向上级报送', '会同全市'];
    // Act
    const subjects = [...led, ...later].map((before) => subjectOf(before));
    // Assess
    expect(subjects).toEqual(['county', 'village', 'higher', 'village', 'county', 'unit', 'unit', 'unit', 'unit', 'unit']);
  });

  it('dates by the last year named, not by comparisons or ranges', () => {
    expect(yearOf('较2023年增长', 2024)).toBeUndefined();
    expect(yearOf('根据2021-2025年规划，全年开展', 2024)).toBeUndefined();
    expect(yearOf('2025年1月年终述职中，镇领导班子成员', 2024)).toBe(2025);
    expect(yearOf('持证率由上年的', 2024)).toBe(2023);
  });
});
