import { describe, expect, it } from 'vitest';
import type { SubmissionInfo } from '../../../schemas/report.ts';
import type { ScoreResult } from '../../../schemas/score.ts';
import { scoreAndRank } from '../../../pipeline/batch.ts';
import { crossCheck, MAX_COPY_MATCHES, planCrossCheck, rescoreCopied } from '../../../pipeline/rank/index.ts';
import { decodeSignature, encodeSignature, FORMULAE_VERSION, reportSignature } from '../../../pipeline/rank/similarity.ts';
import { scoreReport } from '../../../pipeline/score/index.ts';
import { reportFromText, rubric2024, sampleText } from '../../helpers/reports.ts';
import { nearDuplicateReports } from '../../../bench/synthetic.ts';

/** Two honest reports share the usual opening formula and nothing else. */
const OPENING =
  '2024年，在县委、县政府的坚强领导下，{镇}坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神和习近平法治思想，增强“四个意识”、坚定“四个自信”、做到“两个维护”，现将有关情况报告如下：';

function honest(township: string, body: string[]): string {
  return [
    `临澜县${township}2024年法治政府建设情况报告`,
    OPENING.replace('{镇}', township),
    '一、2024年推进法治政府建设的主要举措和成效',
    ...body,
    '二、存在的不足和原因',
    `一是${township}执法力量偏少，主要是编制紧张。`,
  ].join('\n');
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

const QINGSHI = sampleText('青石镇2024年度法治政府建设工作情况的报告.txt');
const COUNTY = { county: '临澜县', year: 2024 };

/** 青石镇's report as another township would copy it: every 青石 renamed, a few figures changed, its own 成文日期. */
function copyOfQingshi(township: string, docDate: string): string {
  const stem = township.replace(/镇$/u, '');
  return QINGSHI.replaceAll('青石', stem).replace(/\d+件/u, '31件').replace(/\d+次/u, '7次').replace('2025年2月12日', docDate);
}

const report = (text: string, key: string, submission?: SubmissionInfo) =>
  reportFromText(text, { key, location: COUNTY, ...(submission ? { submission } : {}) });
const byKey = (results: readonly ScoreResult[], key: string): ScoreResult => results.find((r) => r.source === key)!;
const similar = (result: ScoreResult) => result.flags.filter((f) => f.code === 'similar-to');
const copyPoints = (result: ScoreResult): number => result.penalties.find((p) => p.id === 'P.copy')!.points;

describe('cross-report checks: copies', () => {
  it('a copied pair with different 成文日期: the earlier is not penalised and ranks above; the copier loses share × 15, at most 10', () => {
    // Prepare
    const original = report(QINGSHI, 'qingshi.txt');
    const copy = report(copyOfQingshi('松林镇', '2025年3月1日'), 'songlin.txt');
    // Act
    const results = scoreAndRank([copy, original, report(EAST, 'east.txt')], rubric2024);
    // Assess
    const [flagO] = similar(byKey(results, 'qingshi.txt'));
    const [flagC] = similar(byKey(results, 'songlin.txt'));
    expect(flagO).toMatchObject({ role: 'source', other: 'songlin.txt' });
    expect(flagC).toMatchObject({ role: 'copier', other: 'qingshi.txt' });
    expect(flagC!.message).toContain('成文日期');
    expect(flagC!.similarity).toBeGreaterThan(0.8);
    expect(flagC!.evidence!.length).toBeGreaterThan(0);
    expect(copyPoints(byKey(results, 'qingshi.txt'))).toBe(0);
    expect(copyPoints(byKey(results, 'songlin.txt'))).toBeCloseTo(Math.min(10, flagC!.similarity! * 15), 2);
    expect(byKey(results, 'qingshi.txt').rank).toBeLessThan(byKey(results, 'songlin.txt').rank!);
    expect(similar(byKey(results, 'east.txt'))).toEqual([]);
    expect(byKey(results, 'qingshi.txt').pending ?? []).toEqual([]);
  });

  it('the paragraphs a copier copied earn it nothing and are never cited; the original keeps every point', () => {
    // Prepare
    const original = report(QINGSHI, 'qingshi.txt');
    const copy = report(copyOfQingshi('松林镇', '2025年3月1日'), 'songlin.txt');
    const aloneCopy = scoreAndRank([report(copyOfQingshi('松林镇', '2025年3月1日'), 'songlin.txt')], rubric2024)[0]!;
    const aloneOriginal = scoreAndRank([report(QINGSHI, 'qingshi.txt')], rubric2024)[0]!;
    // Act
    const results = scoreAndRank([copy, original], rubric2024);
    // Assess: the copier's points citing copied text are gone, with the reason in the indicator's note and the flag.
    const copier = byKey(results, 'songlin.txt');
    const indicators = copier.dimensions.flatMap((d) => d.indicators);
    const voided = indicators.filter((i) => i.note.includes('照搬他人或上年报告的段落不作为得分依据'));
    expect(voided.length).toBeGreaterThan(10);
    for (const indicator of voided)
      expect(indicator.score).toBeLessThan(aloneCopy.dimensions.flatMap((d) => d.indicators).find((x) => x.id === indicator.id)!.score);
    const dimensionsOf = (r: ScoreResult) => r.dimensions.reduce((sum, d) => sum + d.score, 0);
    expect(dimensionsOf(copier)).toBeLessThan(dimensionsOf(aloneCopy) - 30);
    expect(similar(copier)[0]!.message).toMatch(/照搬的段落不作为得分依据：\d+ 项指标共少得 [\d.]+ 分/u);
    // The original is scored exactly as if it were alone.
    expect(byKey(results, 'qingshi.txt').total).toBe(aloneOriginal.total);
    expect(byKey(results, 'qingshi.txt').dimensions).toEqual(aloneOriginal.dimensions);
  });

  it('the direction follows the dates, not the order or the names: the later-dated 青石镇 is the copier', () => {
    // Prepare: the 松林镇 text is dated a month before 青石镇's.
    const results = scoreAndRank([report(QINGSHI, 'qingshi.txt'), report(copyOfQingshi('松林镇', '2025年1月10日'), 'songlin.txt')], rubric2024);
    // Assess
    expect(similar(byKey(results, 'qingshi.txt'))[0]?.role).toBe('copier');
    expect(similar(byKey(results, 'songlin.txt'))[0]?.role).toBe('source');
  });

  it('equal 成文日期 and nothing else to tell: both flagged 请核实, nothing deducted, the deduction proposed for review', () => {
    // Prepare: every 青石 became 松林 and the date was kept.
    const original = report(QINGSHI, 'qingshi.txt');
    const copy = report(copyOfQingshi('松林镇', '2025年2月12日'), 'songlin.txt');
    const alone = scoreAndRank([report(QINGSHI, 'qingshi.txt')], rubric2024)[0]!;
    // Act
    const results = scoreAndRank([original, copy], rubric2024);
    // Assess
    for (const [key, other] of [
      ['qingshi.txt', 'songlin.txt'],
      ['songlin.txt', 'qingshi.txt'],
    ] as const) {
      const result = byKey(results, key);
      const [flag] = similar(result);
      expect(flag).toMatchObject({ role: 'unknown', other });
      expect(flag!.message).toContain('请核实');
      expect(flag!.message).toContain('成文日期相同');
      expect(copyPoints(result)).toBe(0);
      expect(result.pending).toEqual([expect.objectContaining({ id: `copy:${other}`, kind: 'copy-deduction', target: 'P.copy', other })]);
      // What confirming would cost: the copy penalty plus what the indicators resting on the copied paragraphs lose.
      const [item] = result.pending!;
      const penalty = Math.round(Math.min(10, flag!.similarity! * 15) * 100) / 100;
      const machine = (id: string) => result.dimensions.flatMap((d) => d.indicators).find((i) => i.id === id)!.score;
      const voided = item!.voided ?? [];
      expect(voided.length).toBeGreaterThan(10);
      expect(item!.points).toBeCloseTo(penalty + voided.reduce((sum, v) => sum + machine(v.indicator) - v.to, 0), 1);
      expect(item!.message).toContain('照搬段落所得');
    }
    expect(byKey(results, 'qingshi.txt').total).toBe(alone.total);
  });

  it('the receipt date decides when the dates are equal; the uploader’s own claimed date does not', () => {
    // Prepare: 松林镇 claims to have filed first, but the county received it later.
    const original = report(QINGSHI, 'qingshi.txt', { submittedAt: '2025-02-20' });
    const copy = report(copyOfQingshi('松林镇', '2025年2月12日'), 'songlin.txt', { submittedAt: '2025-02-26', claimedSubmittedAt: '2025-02-01' });
    // Act
    const results = scoreAndRank([original, copy], rubric2024);
    // Assess
    expect(similar(byKey(results, 'songlin.txt'))[0]).toMatchObject({ role: 'copier' });
    expect(similar(byKey(results, 'songlin.txt'))[0]!.message).toContain('报送（接收）时间');
    expect(similar(byKey(results, 'qingshi.txt'))[0]).toMatchObject({ role: 'source' });
  });

  it('the same unit’s report of last year comes first: it had the text, so it is the original whatever the dates say', () => {
    // Prepare: 青石镇's 2023 report already had these paragraphs; the 2024 copy is dated earlier than 青石镇's 2024 report.
    const lastYear = reportFromText(QINGSHI.replaceAll('2024年', '2023年').replace('2025年2月12日', '2024年2月1日'), {
      key: 'qingshi-2023.txt',
      location: { county: '临澜县', year: 2023 },
    });
    const original = report(QINGSHI, 'qingshi.txt');
    const copy = report(copyOfQingshi('松林镇', '2025年1月5日'), 'songlin.txt');
    const entries = [original, copy].map((r) => ({ report: r, result: scoreReport(r, rubric2024) }));
    // Act
    const results = crossCheck(entries, rubric2024, { previousYear: [lastYear] });
    // Assess
    const copier = similar(byKey(results, 'songlin.txt')).find((f) => f.other === 'qingshi.txt')!;
    expect(copier.role).toBe('copier');
    expect(copier.message).toContain('上一年度');
    expect(copier.message).toContain('成文日期显示相反');
    expect(similar(byKey(results, 'qingshi.txt')).find((f) => f.other === 'songlin.txt')?.role).toBe('source');
  });

  it('with equal dates and no receipt dates, the other unit’s name left in the copy decides', () => {
    // Prepare: 松林镇 renamed everything but "青石分平台", and kept 青石镇's date.
    const copy = report(QINGSHI.replaceAll('青石分平台', '@@').replaceAll('青石', '松林').replaceAll('@@', '青石分平台'), 'songlin.txt');
    // Act
    const results = scoreAndRank([report(QINGSHI, 'qingshi.txt'), copy], rubric2024);
    // Assess
    const [flag] = similar(byKey(results, 'songlin.txt'));
    expect(flag).toMatchObject({ role: 'copier' });
    expect(flag!.message).toContain('出现“青石镇”的名称');
    expect(similar(byKey(results, 'qingshi.txt'))[0]).toMatchObject({ role: 'source' });
    expect(byKey(results, 'songlin.txt').pending ?? []).toEqual([]);
  });

  it('tells the copy from the original in the samples: 桃源镇 is dated after 青石镇 and carries “青石分平台”', () => {
    const results = scoreAndRank(
      [report(QINGSHI, 'qingshi.txt'), report(sampleText('桃源镇2024年度法治政府建设工作情况的报告.txt'), 'taoyuan.txt')],
      rubric2024,
    );
    expect(similar(byKey(results, 'taoyuan.txt'))[0]?.role).toBe('copier');
    expect(similar(byKey(results, 'qingshi.txt'))[0]?.role).toBe('source');
    expect(copyPoints(byKey(results, 'taoyuan.txt'))).toBe(10);
    expect(copyPoints(byKey(results, 'qingshi.txt'))).toBe(0);
  });

  it('catches a ring: three units sharing one text in a county of four are all flagged (no majority discount)', () => {
    // Prepare: three of four reports share one text; the fourth is honest.
    const reports = [
      report(QINGSHI, 'qingshi.txt'),
      report(copyOfQingshi('松林镇', '2025年2月20日'), 'songlin.txt'),
      report(copyOfQingshi('竹溪镇', '2025年2月25日'), 'zhuxi.txt'),
      report(EAST, 'east.txt'),
    ];
    // Act
    const results = scoreAndRank(reports, rubric2024);
    // Assess
    expect(
      similar(byKey(results, 'qingshi.txt'))
        .map((f) => [f.other, f.role])
        .sort(),
    ).toEqual([
      ['songlin.txt', 'source'],
      ['zhuxi.txt', 'source'],
    ]);
    expect(
      similar(byKey(results, 'songlin.txt'))
        .map((f) => [f.other, f.role])
        .sort(),
    ).toEqual([
      ['qingshi.txt', 'copier'],
      ['zhuxi.txt', 'source'],
    ]);
    expect(
      similar(byKey(results, 'zhuxi.txt'))
        .map((f) => [f.other, f.role])
        .sort(),
    ).toEqual([
      ['qingshi.txt', 'copier'],
      ['songlin.txt', 'copier'],
    ]);
    expect(similar(byKey(results, 'east.txt'))).toEqual([]);
    expect(copyPoints(byKey(results, 'qingshi.txt'))).toBe(0);
    expect(copyPoints(byKey(results, 'zhuxi.txt'))).toBeGreaterThan(0);
    // One copy cluster of three, named on every flag of its members.
    const clusters = ['qingshi.txt', 'songlin.txt', 'zhuxi.txt'].flatMap((key) => similar(byKey(results, key)).map((f) => f.cluster));
    expect(new Set(clusters.map((c) => JSON.stringify(c)))).toEqual(new Set([JSON.stringify({ id: '临澜县·2024·雷同组1', size: 3 })]));
  });

  it('a text copied by 39 units: each report lists at most MAX_COPY_MATCHES matches and names one cluster of 40; the original alone is not penalised', () => {
    // Prepare: 青石镇 (dated 2025-02-12) and 39 copies dated later, one day apart.
    const stems =
      '松林 竹溪 梅岭 桂花 兰亭 柏树 杉木 枫林 柳塘 荷花 芦苇 菱角 莲池 茶山 桑园 麻田 稻香 麦场 豆冲 瓜洲 果园 花溪 草坪 苔石 藤桥 蓬莱 蒿坪 芷江 芸台 芙蓉 苇塘 萍乡 蕉岭 薇山 蔺田 菖蒲 茅坪 荻港 蓼滩'.split(
        ' ',
      );
    const copies = stems.map((stem, i) => report(copyOfQingshi(`${stem}镇`, `2025年${3 + Math.floor(i / 28)}月${1 + (i % 28)}日`), `${stem}.txt`));
    const reports = [report(QINGSHI, 'qingshi.txt'), ...copies];
    // Act
    const results = scoreAndRank(reports, rubric2024);
    // Assess
    expect(results).toHaveLength(40);
    for (const result of results) {
      const flags = similar(result);
      expect(flags.length, result.source).toBeGreaterThan(0);
      expect(flags.length, result.source).toBeLessThanOrEqual(MAX_COPY_MATCHES);
      expect(new Set(flags.map((f) => JSON.stringify(f.cluster))), result.source).toEqual(new Set([JSON.stringify({ id: '临澜县·2024·雷同组1', size: 40 })]));
      expect(flags[0]!.message, result.source).toContain('本报告与 39 份报告雷同');
      expect(result.pending ?? [], result.source).toEqual([]);
    }
    const original = byKey(results, 'qingshi.txt');
    expect(similar(original).every((f) => f.role === 'source')).toBe(true);
    expect(copyPoints(original)).toBe(0);
    for (const copy of copies) {
      const result = byKey(results, copy.source.key);
      // A copier lists the copies it made first: the original (dated earliest) is among them, and it pays share × 15.
      expect(
        similar(result).some((f) => f.role === 'copier' && f.other === 'qingshi.txt'),
        copy.source.key,
      ).toBe(true);
      expect(copyPoints(result), copy.source.key).toBeGreaterThan(0);
      expect(result.rank, copy.source.key).toBeGreaterThan(original.rank!);
    }
  });

  it('covers the whole scope: a copy whose text names another county is still compared with its neighbours', () => {
    // Prepare: the copy names 建宁县 in its title; both were filed under 临澜县.
    const copy = report(copyOfQingshi('松林镇', '2025年3月1日').replaceAll('临澜县', '建宁县'), 'songlin.txt');
    // Act
    const results = scoreAndRank([report(QINGSHI, 'qingshi.txt'), copy], rubric2024);
    // Assess
    expect(results.map((r) => r.county)).toEqual(['临澜县', '临澜县']);
    expect(similar(byKey(results, 'songlin.txt'))[0]?.role).toBe('copier');
    expect(byKey(results, 'songlin.txt').flags.some((f) => f.code === 'meta-mismatch')).toBe(true);
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
    expect(flag).toMatchObject({ other: 'hewan-2023.txt', role: 'copier' });
    expect(flag?.message).toContain('上一年度');
    expect(result!.penalties.find((p) => p.id === 'P.copy')!.points).toBeGreaterThan(0);
    expect(result!.followThrough?.previousSource).toBe('hewan-2023.txt');
    expect(result!.followThrough!.planned).toBeGreaterThan(0);
  });

  it('a sentence copied from last year with its figure updated is the unit’s own fact; one copied as it was earns nothing', () => {
    // Prepare: 河湾镇 2024 repeats its 2023 report almost word for word, but its 普法 events went from 12场 to 14场.
    const last = reportFromText(sampleText('2023/河湾镇2023年法治政府建设情况报告.txt'), { key: 'hewan-2023.txt', location: { county: '临澜县' } });
    const now = reportFromText(sampleText('河湾镇2024年法治政府建设情况报告.txt'), { key: 'hewan-2024.txt', location: { county: '临澜县' } });
    expect(last.text).toContain('普法宣传活动12场');
    expect(now.text).toContain('普法宣传活动14场');
    // Act
    const [result] = crossCheck([{ report: now, result: scoreReport(now, rubric2024) }], rubric2024, { previousYear: [last] });
    // Assess
    const indicator = (id: string) => result!.dimensions.flatMap((d) => d.indicators).find((i) => i.id === id)!;
    expect(indicator('D7.events').score).toBe(2);
    expect(indicator('D7.events').evidence[0]!.text).toContain('14场');
    const voided = result!.dimensions.flatMap((d) => d.indicators).filter((i) => i.note.includes('照搬他人或上年报告的段落不作为得分依据'));
    expect(voided.length).toBeGreaterThan(0);
    expect(voided.map((i) => i.id)).not.toContain('D7.events');
  });

  it('a figure changed in another unit’s copied text earns nothing: copying 青石镇 and changing its figures is still copying', () => {
    // Prepare: 桃源镇 copies 青石镇 (earlier 成文日期) and changes two figures.
    const original = report(QINGSHI, 'qingshi.txt');
    const copy = report(copyOfQingshi('桃源镇', '2025年3月20日'), 'taoyuan-copy.txt');
    expect(copy.text).toContain('31件');
    // Act
    const results = crossCheck(
      [original, copy].map((r) => ({ report: r, result: scoreReport(r, rubric2024) })),
      rubric2024,
    );
    // Assess: no indicator of the copier cites a copied paragraph, the one with 31件 included.
    const copier = byKey(results, 'taoyuan-copy.txt');
    expect(similar(copier)[0]).toMatchObject({ role: 'copier' });
    const cited = copier.dimensions.flatMap((d) => d.indicators).flatMap((i) => i.evidence);
    expect(cited.some((e) => e.text.includes('31件'))).toBe(false);
  });

  it('is idempotent: checking twice gives the same flags, pending decisions and totals', () => {
    const reports = [report(QINGSHI, 'qingshi.txt'), report(copyOfQingshi('松林镇', '2025年2月12日'), 'songlin.txt'), report(EAST, 'east.txt')];
    const entries = reports.map((r) => ({ report: r, result: scoreReport(r, rubric2024) }));
    const once = crossCheck(entries, rubric2024);
    const twice = crossCheck(
      reports.map((r, i) => ({ report: r, result: once[i]! })),
      rubric2024,
    );
    expect(JSON.stringify(twice)).toBe(JSON.stringify(once));
    expect(once.some((r) => (r.pending ?? []).length > 0)).toBe(true);
  });
});

describe('cross-report checks in two steps (planCrossCheck)', () => {
  it('lists one re-scoring per known copier and per pending copy with paragraphs of its own, and finishes as crossCheck does with them done elsewhere', () => {
    // Prepare: 松林镇 and 青石镇 share their text with nothing telling who copied (a pending deduction each); 东岭镇 is honest.
    const reports = [report(QINGSHI, 'qingshi.txt'), report(copyOfQingshi('松林镇', '2025年2月12日'), 'songlin.txt'), report(EAST, 'east.txt')];
    const entries = reports.map((r) => ({ report: r, result: scoreReport(r, rubric2024) }));
    // Act: the re-scorings done from structured clones, as a worker thread would receive them.
    const plan = planCrossCheck(entries, rubric2024);
    const rescored = plan.rescores.map((r) => {
      const [copy, rescore] = structuredClone([entries[r.entry]!.report, { copied: r.copied, indicators: r.indicators }]);
      return rescoreCopied(copy, rubric2024, rescore);
    });
    // Assess
    const finished = plan.finish(rescored);
    expect(plan.rescores.map((r) => reports[r.entry]!.source.key)).toEqual(['qingshi.txt', 'songlin.txt']);
    expect(finished.map((r) => (r.pending ?? []).filter((p) => p.kind === 'copy-deduction').length)).toEqual([1, 1, 0]);
    expect(JSON.stringify(finished)).toBe(JSON.stringify(crossCheck(entries, rubric2024)));
  });

  it('re-scores a report once for the same copied paragraphs, however many copies propose them', () => {
    // Prepare: 40 townships filing one text with their own names: each is a known copier or has pending copies, some
    // of which propose only paragraphs already known to be copied.
    const reports = nearDuplicateReports(40, 1).map((f) => report(f.text, f.name));
    const entries = reports.map((r) => ({ report: r, result: scoreReport(r, rubric2024) }));
    // Act
    const plan = planCrossCheck(entries, rubric2024);
    // Assess: no two re-scorings of one report with the same paragraphs (the same figures for each), and one per
    // report here, since every copy of the one text copied the same paragraphs.
    const asked = plan.rescores.map((r) => `${r.entry} ${JSON.stringify([...r.copied].sort(([a], [b]) => a - b).map(([o, f]) => [o, f && [...f].sort()]))}`);
    expect(new Set(asked).size).toBe(asked.length);
    expect(new Set(plan.rescores.map((r) => r.entry)).size).toBe(plan.rescores.length);
    const finished = plan.finish(plan.rescores.map((r) => rescoreCopied(entries[r.entry]!.report, rubric2024, r)));
    expect(finished.filter((r) => (r.pending ?? []).some((p) => p.kind === 'copy-deduction')).length).toBeGreaterThan(0);
  });

  it('re-scores only the indicators whose points cite the copied paragraphs, as a full scoring without them scores them', () => {
    // Prepare: a copy ring of 12 townships, and 青石镇 with two copies of it.
    const reports = [
      ...nearDuplicateReports(12, 1).map((f) => report(f.text, f.name)),
      report(QINGSHI, 'qingshi.txt'),
      report(copyOfQingshi('松林镇', '2025年3月1日'), 'songlin.txt'),
      report(copyOfQingshi('柏树镇', '2025年2月12日'), 'baishu.txt'),
    ];
    const entries = reports.map((r) => ({ report: r, result: scoreReport(r, rubric2024) }));
    // Act
    const plan = planCrossCheck(entries, rubric2024);
    // Assess: each re-scoring names the indicators citing a sentence inside one of its paragraphs, and scores them as
    // scoreReport does with those paragraphs copied.
    expect(plan.rescores.length).toBeGreaterThanOrEqual(10);
    for (const rescore of plan.rescores) {
      const { report: copier, result } = entries[rescore.entry]!;
      const spans = copier.sections.flatMap((s) => s.paragraphs).filter((p) => rescore.copied.has(p.offset));
      const citing = [...result.dimensions.flatMap((d) => d.indicators), ...result.bonus.indicators]
        .filter((i) => i.evidence.some((e) => spans.some((p) => e.offset >= p.offset && e.offset < p.offset + p.text.length)))
        .map((i) => i.id);
      expect(rescore.indicators).toEqual(citing);
      const full = scoreReport(copier, rubric2024, { copied: rescore.copied });
      const expected = [...full.dimensions.flatMap((d) => d.indicators), ...full.bonus.indicators].filter((i) => citing.includes(i.id));
      expect(rescoreCopied(copier, rubric2024, rescore)).toEqual(expected);
    }
  });

  it('finishes with the cited indicators re-scored exactly as with every indicator re-scored', () => {
    // Prepare
    const reports = [
      ...nearDuplicateReports(12, 1).map((f) => report(f.text, f.name)),
      report(QINGSHI, 'qingshi.txt'),
      report(copyOfQingshi('松林镇', '2025年3月1日'), 'songlin.txt'),
    ];
    const entries = reports.map((r) => ({ report: r, result: scoreReport(r, rubric2024) }));
    // Two plans of the same entries: finishing one adds to its flags.
    const [plan, twin] = [planCrossCheck(entries, rubric2024), planCrossCheck(entries, rubric2024)];
    const everyIndicator = twin.rescores.map((r) => {
      const full = scoreReport(entries[r.entry]!.report, rubric2024, { copied: r.copied });
      return [...full.dimensions.flatMap((d) => d.indicators), ...full.bonus.indicators];
    });
    // Act
    const cited = plan.finish(plan.rescores.map((r) => rescoreCopied(entries[r.entry]!.report, rubric2024, r)));
    // Assess: the same results, and copiers did lose points to their copied paragraphs (the comparison is not empty).
    expect(JSON.stringify(cited)).toBe(JSON.stringify(twin.finish(everyIndicator)));
    expect(cited.filter((r) => r.dimensions.some((d) => d.indicators.some((i) => i.pointsWithCopied !== undefined))).length).toBeGreaterThan(0);
  });

  it('refuses to finish with fewer re-scorings than it asked for', () => {
    const reports = [report(QINGSHI, 'qingshi.txt'), report(copyOfQingshi('松林镇', '2025年2月12日'), 'songlin.txt')];
    const plan = planCrossCheck(
      reports.map((r) => ({ report: r, result: scoreReport(r, rubric2024) })),
      rubric2024,
    );
    expect(() => plan.finish([])).toThrow(/2 re-scorings asked, 0 given/u);
  });
});

describe('cross-report checks: names of other units', () => {
  it('flags another unit’s name the gazetteer or the unit’s own title vouches for', () => {
    // Prepare: 西坪乡's report names 东岭镇 (stated in 东岭镇's own title) in its opening.
    const west = WEST.replace(OPENING.replace('{镇}', '西坪乡'), OPENING.replace('{镇}', '东岭镇'));
    // Act
    const results = scoreAndRank([report(EAST, 'east.txt'), report(west, 'west.txt')], rubric2024);
    // Assess
    expect(
      byKey(results, 'west.txt')
        .flags.filter((f) => f.code === 'template-leftover')
        .map((f) => f.other),
    ).toEqual(['东岭镇']);
    expect(byKey(results, 'east.txt').flags.filter((f) => f.code === 'template-leftover')).toEqual([]);
  });

  it('never penalises for a name guessed from prose: neither "现将我镇" nor a unit named only in another report’s opening', () => {
    // Prepare: 栖云镇 (not in the gazetteer) is named only in its own opening; 西坪乡's opening mentions 栖云镇.
    const qiyun = EAST.replace('临澜县东岭镇2024年法治政府建设情况报告', '2024年法治政府建设情况报告').replace(
      OPENING.replace('{镇}', '东岭镇'),
      '2024年，栖云镇深入推进法治政府建设，现将我镇2024年法治政府建设情况报告如下：',
    );
    const west = WEST.replace('现将有关情况报告如下：', '学习借鉴栖云镇做法，现将我镇2024年法治政府建设情况报告如下：');
    // Act
    const results = scoreAndRank([report(qiyun, 'qiyun.txt'), report(west, 'west.txt')], rubric2024);
    // Assess
    expect(byKey(results, 'qiyun.txt').township).toBe('栖云镇');
    expect(results.flatMap((r) => r.flags.filter((f) => f.code === 'template-leftover'))).toEqual([]);
    expect(results.map((r) => r.township)).not.toContain('现将我镇');
  });
});

describe('copy signatures', () => {
  it('round-trip through their stored form with the formulae version', () => {
    const signature = reportSignature(reportFromText(EAST));
    const decoded = decodeSignature(encodeSignature(signature));
    expect(decoded.reportId).toBe(signature.reportId);
    expect(decoded.formulae).toBe(FORMULAE_VERSION);
    expect(decoded.paragraphs.map((p) => [p.offset, p.section, p.weight, [...p.minhash]])).toEqual(
      signature.paragraphs.map((p) => [p.offset, p.section, p.weight, [...p.minhash]]),
    );
  });

  it('a signature stored before the formulae had a version is recomputed, not trusted', () => {
    // Prepare: an old "reportId:base64" signature that says nothing (no paragraphs) for a copied pair.
    const reports = [report(QINGSHI, 'qingshi.txt'), report(copyOfQingshi('松林镇', '2025年3月1日'), 'songlin.txt')];
    const stale = decodeSignature(`${reports[1]!.id}:`);
    expect(stale.formulae).toBe('');
    // Act
    const results = crossCheck(
      reports.map((r, i) => ({ report: r, result: scoreReport(r, rubric2024), ...(i === 1 ? { signature: stale } : {}) })),
      rubric2024,
    );
    // Assess
    expect(similar(byKey(results, 'songlin.txt'))[0]?.role).toBe('copier');
  });
});
