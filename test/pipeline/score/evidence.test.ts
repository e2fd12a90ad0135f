import { describe, expect, it } from 'vitest';
import type { IndicatorScore, ScoreResult } from '../../../schemas/score.ts';
import { buildContext } from '../../../pipeline/score/context.ts';
import { scoreReport } from '../../../pipeline/score/index.ts';
import { reportFromText, rubric2024 } from '../../helpers/reports.ts';

/**
 * The false awards and missed content of issue 10, each on fictional text written for the test (the seeds carry the
 * same cases in the evidence audit, test/golden/evidence). A township report and a county department's report, each
 * with all statutory parts, into which one sentence at a time is put.
 */

function township(measures: string[], { year = 2024, leadership = [] as string[] } = {}): string {
  return [
    `临澜县东岭镇${year}年法治政府建设情况报告`,
    `${year}年，东岭镇坚持以习近平法治思想为指导，扎实推进法治政府建设，现将有关情况报告如下：`,
    `一、${year}年推进法治政府建设的主要举措和成效`,
    '（一）依法决策和依法行政',
    ...measures,
    `二、${year}年党政主要负责人履行推进法治建设第一责任人职责情况`,
    '镇党委书记、镇长认真履行推进法治建设第一责任人职责，做到重要工作亲自部署、重大问题亲自过问、重点环节亲自协调，年终述职中进行了述法，对执法队伍建设亲自督办。',
    ...leadership,
    `三、${year}年推进法治政府建设存在的不足和原因`,
    '一是执法人员偏少，原因是编制紧张；二是山区村普法覆盖不足，原因是交通不便；三是法律顾问参与决策不够，原因是经费有限。',
    `四、${year + 1}年工作安排`,
    `一是${year + 1}年6月前新增持证执法人员2名；二是在6个山区村开展流动普法课堂12场；三是提高法律顾问参与决策经费。`,
  ].join('\n');
}

const score = (text: string): ScoreResult => scoreReport(reportFromText(text), rubric2024);
const indicator = (result: ScoreResult, id: string): IndicatorScore => {
  const found = [...result.dimensions.flatMap((d) => d.indicators), ...result.bonus.indicators].find((i) => i.id === id);
  if (!found) throw new Error(`no indicator ${id}`);
  return found;
};
const penalty = (result: ScoreResult, id: string) => result.penalties.find((p) => p.id === id)!;
const factsOf = (text: string) => buildContext(reportFromText(text), rubric2024).facts;

describe('a figure belongs to a metric only when the clause says who did what', () => {
  it('"执法人员调整为15人" is not a 普法 audience; the leaflets handed out are the reach', () => {
    const result = score(township(['今年镇执法中队人员调整为12人，其中持有执法证7人。', '开展普法宣传活动12场，发放宣传资料3000余份。']));
    const reach = indicator(result, 'D7.reach');
    expect(reach.score).toBe(1);
    expect(reach.evidence[0]!.text).toContain('发放宣传资料3000余份');
    expect(factsOf(township(['今年镇执法中队人员调整为12人，其中持有执法证7人。'])).find((f) => f.text === '12人')?.metric).not.toBe('publicity.persons');
  });

  it('the number of legal advisers (3名) is not the matters they handled; their services are', () => {
    const headcountOnly = score(township(['镇政府聘请2名执业律师作为全镇9个村的法律顾问。']));
    expect(indicator(headcountOnly, 'D3.adviser_matters').score).toBe(0);
    const withMatters = score(township(['镇政府聘请2名执业律师作为全镇9个村的法律顾问，全年为低保户提供免费法律服务21起。']));
    expect(indicator(withMatters, 'D3.adviser_matters').score).toBe(2);
    expect(indicator(withMatters, 'D3.adviser_matters').note).toContain('21起');
  });

  it("public lectures (法治讲座) are 普法 events, not leaders' law study; 领导干部学法 is", () => {
    const result = score(township(['在集市和村部举办法治讲座45次，听众3500余人次。', '全年组织领导干部集中学法5次。']));
    expect(indicator(result, 'D2.study_count').note).toContain('5次');
    expect(indicator(result, 'D2.study_count').evidence[0]!.text).toContain('领导干部集中学法5次');
    expect(indicator(result, 'D7.events').note).toContain('45次');
    const lecturesOnly = score(township(['在集市和村部举办法治讲座45次，听众3500余人次。']));
    expect(indicator(lecturesOnly, 'D2.study_count').score).toBe(0);
  });

  it("a county-wide 败诉 does not cost a county department; a township's own 败诉 costs it", () => {
    const department = [
      '临澜县司法局2024年法治政府建设工作情况的报告',
      '2024年，县司法局坚持以习近平法治思想为指导，现将有关情况报告如下：',
      '一、2024年推进法治政府建设的主要举措和成效',
      '（一）发挥行政复议主渠道作用。全年收到行政复议申请96件，受理88件。全县一审行政诉讼案件57件，行政机关负责人出庭应诉率100%，败诉3件，败诉率5.3%。',
      '二、局主要负责人履行推进法治建设第一责任人职责情况',
      '局党组书记、局长认真履行推进法治建设第一责任人职责，主持召开局党组会议专题研究法治建设工作6次，落实局党组会议会前学法12次。',
      '三、存在的不足和原因',
      '一是乡镇执法监督力量薄弱，原因是编制不足；二是复议纠错率偏高，原因是事前培训不够；三是备案审查深度不够，原因是审查人员少。',
      '四、2025年推进法治政府建设的主要安排',
      '一是2025年6月底前每个司法所至少配备2名专职人员；二是组织专题培训2次；三是建立外聘专家库。',
    ].join('\n');
    const result = scoreReport(reportFromText(department), rubric2024);
    expect(result.unitKind).toBe('department');
    expect(penalty(result, 'P.lawsuits_lost').points).toBe(0);
    expect(indicator(result, 'D5.litigation').note).toContain('全县');

    const own = score(township(['全年发生1件行政诉讼败诉案件，分管副镇长出庭应诉。']));
    expect(penalty(own, 'P.lawsuits_lost').points).toBe(1);
    expect(penalty(own, 'P.lawsuits_lost').evidence[0]!.text).toContain('1件行政诉讼败诉案件');
  });

  it('one fact pays one indicator: a petition count pays 信访, not also 投诉热线', () => {
    const result = score(township(['全年受理群众信访事项64件。']));
    expect(indicator(result, 'D5.petition').score).toBe(1);
    expect(indicator(result, 'D6.complaints').score).toBe(0);
    // One contract-review figure of the adviser pays the review count or the adviser's matters, not both.
    const one = score(township(['镇法律顾问全年审核各类合同29件。']));
    expect(indicator(one, 'D3.review_count').score + indicator(one, 'D3.adviser_matters').score).toBe(2);
    const two = score(township(['乡政府法律顾问全年审查合同12件，出具法律意见4份。']));
    expect(indicator(two, 'D3.review_count').score + indicator(two, 'D3.adviser_matters').score).toBe(4);
  });

  it('a figure dated another year does not count for this one (由上年的70.8%提高到100%)', () => {
    const facts = factsOf(township(['执法人员持证率由上年的70.8%提高到100%。']));
    expect(facts.find((f) => f.text === '70.8%')?.year).toBe(2023);
    expect(facts.find((f) => f.text === '100%')?.year).toBeUndefined();
    const result = score(township(['执法人员持证率由上年的70.8%提高到100%。']));
    expect(indicator(result, 'D4.cert_rate').note).toContain('100%');
  });
});

describe('zero statements, and only they, earn "explicit zero"', () => {
  it.each([
    ['本年度未制发行政规范性文件。', 'D3.normative'],
    ['全年未发生行政复议案件。', 'D5.reconsideration'],
    ['全年无行政诉讼案件。', 'D5.litigation'],
    ['行政复议案件0件。', 'D5.reconsideration'],
    ['行政诉讼案件为零。', 'D5.litigation'],
  ])('%s → %s', (sentence, id) => {
    const result = score(township([sentence]));
    expect(indicator(result, id).score, indicator(result, id).note).toBeGreaterThan(0);
    expect(indicator(result, id).evidence[0]!.text).toBe(sentence);
  });

  it('"明确说明为零" is not written on a sentence that states no zero (规范性文件合法性前置)', () => {
    const result = score(township(['坚持规范性文件合法性审核前置，统一登记、统一编号。']));
    expect(indicator(result, 'D3.normative').score).toBe(0);
  });

  it('"没有发生…被人民法院判决撤销" is not zero lawsuits', () => {
    const result = score(township(['全年没有发生行政决策被人民法院判决撤销的情形。']));
    expect(indicator(result, 'D5.litigation').score).toBe(0);
  });

  it('集体讨论率100% is not 合法性审查全覆盖', () => {
    const result = score(township(['重大事项坚持集体讨论和合法性审查，集体讨论率达到100%。']));
    expect(indicator(result, 'D3.review_coverage').score).toBe(0);
    const covered = score(township(['以镇政府名义制发的文件全部经过合法性审查，审查覆盖率100%。']));
    expect(indicator(covered, 'D3.review_coverage').score).toBe(3);
  });
});

describe('years and honours', () => {
  it('a 2021 honour earns no 2024 bonus; an honour of the year does', () => {
    const old = score(township(['东岭镇曾荣获2021年度市级法治建设先进单位，同时，河口社区获得了市民主法治示范社区称号。']));
    expect(indicator(old, 'B.demonstration').score).toBe(0);
    const now = score(township(['江湾社区获评市级民主法治示范社区。']));
    expect(indicator(now, 'B.demonstration').score).toBe(1.5);
  });
});

describe('evidence is the sentence that carries the fact', () => {
  it('a slogan heading is not cited; the sentence about the 镇人大 is', () => {
    const text = township([
      '党委领导、政府负责、人大政协监督、部门协同的普法工作机制运行情况。镇党委会每季度听取法治建设汇报。镇人大主席团对镇执法中队的执法行为提出了监督意见，镇政府随即整改。',
    ]);
    const npc = indicator(score(text), 'D6.npc');
    expect(npc.score).toBe(1);
    expect(npc.evidence).toHaveLength(1);
    expect(npc.evidence[0]!.text).toContain('镇人大主席团对镇执法中队的执法行为提出了监督意见');
  });

  it('a run-in heading is not cited, the sentence under it is ("2.合法性审查全覆盖。…")', () => {
    const result = score(township(['2.合法性审查全覆盖。以镇政府名义制发的文件一律先审后议，合法性审查覆盖率100%。']));
    const coverage = indicator(result, 'D3.review_coverage');
    expect(coverage.score).toBe(3);
    expect(coverage.evidence[0]!.text).toContain('覆盖率100%');
    expect(coverage.evidence.every((e) => e.text !== '2.合法性审查全覆盖。')).toBe(true);
  });

  it("the best supporting sentence comes first (the emergency plan, not a decision's 化解预案)", () => {
    const result = score(township(['3项决策均开展社会稳定风险评估，中风险事项制定了化解预案。', '修订《东岭镇突发事件总体应急预案》，开展应急演练4次。']));
    expect(indicator(result, 'D8.plan').evidence[0]!.text).toContain('突发事件总体应急预案');
  });

  it('evidence says where to look: part, heading and paragraph, never a character offset', () => {
    const result = score(
      township(['全年排查调处矛盾纠纷312件，调解成功304件，调解成功率97.4%。', '（二）普法宣传', '开展普法宣传活动12场。', '发放宣传资料3000余份。']),
    );
    expect(indicator(result, 'D5.mediation_rate').evidence[0]!.location).toBe('一、（一）第1段');
    expect(indicator(result, 'D7.reach').evidence[0]!.location).toBe('一、（二）第2段');
    expect(indicator(result, 'D1.measures').evidence[0]!.location).toBe('一、标题');
    for (const d of result.dimensions) for (const i of d.indicators) expect(i.note).not.toMatch(/第\s*\d+\s*字/u);
  });
});

describe('a statutory part counts as present only with content', () => {
  it('an empty 不足 heading is flagged missing, as if there were none', () => {
    const text = township(['全年调解矛盾纠纷60件。']).replace(/一是执法人员偏少[^\n]*\n/u, '');
    const result = score(text);
    expect(result.flags.filter((f) => f.code === 'missing-part').map((f) => f.part)).toContain('shortcomings');
    expect(indicator(result, 'D1.shortcomings').score).toBe(0);
  });

  it('plans written as item headings are content ("（一）2025年6月底前…" with nothing under it)', () => {
    const text = township(['全年调解矛盾纠纷60件。']).replace(
      /一是2025年6月前[^\n]*/u,
      '（一）2025年6月底前新增持证执法人员2名\n（二）在6个山区村开展流动普法课堂12场\n（三）提高法律顾问参与重大决策的经费保障水平',
    );
    const result = score(text);
    expect(result.flags.map((f) => f.part)).not.toContain('plans');
    expect(indicator(result, 'D1.plans').note).not.toContain('（0 字）');
  });
});

describe('plainly worded content is found', () => {
  it.each([
    ['本年度未制发行政规范性文件。', 'D3.normative'],
    ['全年审查文件27件、合同31件。', 'D3.review_count'],
    ['镇矛盾纠纷调解中心全年受理群众来访。', 'D5.centre'],
    ['3项重大行政决策事项在决策前均开展了风险评估。', 'D3.five_steps'],
  ])('%s → %s', (sentence, id) => {
    const result = score(township([sentence]));
    expect(indicator(result, id).score, indicator(result, id).note).toBeGreaterThan(0);
    expect(indicator(result, id).evidence[0]!.text).toBe(sentence);
  });
});

describe('keyword stuffing is a list of keywords, not a concrete statement', () => {
  it('no flag on an honest sentence touching several indicators ("培养“法律明白人”52名，XX社区被评为…示范社区")', () => {
    const honest = township([
      '培养“法律明白人”52名，江湾社区被评为市级民主法治示范社区，建成公共法律服务工作站1个。',
      '深化“枫桥经验”，镇矛盾纠纷调处化解中心、综治中心和人民调解委员会联动，全年调解纠纷80件。',
    ]);
    const result = score(honest);
    expect(result.flags.map((f) => f.code)).not.toContain('keyword-stuffing');
    expect(indicator(result, 'D7.literate').score).toBe(1);
  });

  it('a bare list of rubric keywords is still flagged and earns nothing', () => {
    const stuffed = township(['我镇全面落实述法、法律明白人、民主法治示范村、公共法律服务站、枫桥经验、权责清单、执法公示等工作，取得实效。']);
    const result = score(stuffed);
    expect(result.flags.map((f) => f.code)).toContain('keyword-stuffing');
    expect(indicator(result, 'D6.power_list').score).toBe(0);
  });
});
