import { z } from 'zod';
import { ReportPart } from './report.ts';

/**
 * Rubric: a scoring-rules/<year>.json file. Office staff edit these by hand, so every field carries a description
 * (editors show it through rubric.schema.json) and every check fails with the JSON path of what is wrong.
 */

/** A regular expression written as a JSON string; checked to compile so a typo fails at load, not mid-run. */
const Pattern = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'u');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `不是有效的正则表达式 (invalid regular expression): ${(error as Error).message}` });
    }
  })
  .describe('正则表达式（JavaScript 语法，按字符匹配；全角/半角已统一为半角）· a regular expression, matched on width-folded text');

const Points = z.number().min(0).max(100);
const Parts = z
  .array(ReportPart)
  .min(1)
  .describe('只在这些部分中找证据 · only sentences in these report parts count (measures/leadership/shortcomings/rectification/plans/other)');

/** Where a rule comes from: the official document and clause, and how sure we are of it (criteria.md's tags). */
export const SourceRef = z
  .object({
    doc: z.string().min(1).describe('依据文件，如《法治政府建设实施纲要（2021－2025年）》'),
    clause: z.string().optional().describe('条款或章节，如“第五章（十五）”'),
    verified: z.enum(['V', 'P', 'U']).describe('V 已核对原文 · P 部分核对/二手来源 · U 未核对（须在 notes 中说明，不得作为官方规定呈现）'),
  })
  .strict();
export type SourceRef = z.infer<typeof SourceRef>;

/**
 * Whose figures a metric counts (see FactSubject in report.ts): unit 本单位 · village 所辖村（社区） · county 全县
 * （对县直部门而言是全县的数字，不是本部门的；县政府自己的报告中视同本单位） · higher 市、省或上级.
 */
export const MetricSubject = z.enum(['unit', 'village', 'county', 'higher']);

export const Metric = z
  .object({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9_.-]*$/)
      .describe('指标编号，如 mediation.success_rate'),
    name: z.string().min(1).describe('中文名称，如“调解成功率”'),
    patterns: z
      .array(Pattern)
      .min(1)
      .describe('数字前同一分句（或同一顿号列举）中出现这些词语时，该数字归入本指标；数字前没有时，看数字后同一分句中的中心词（如“1件行政诉讼败诉案件”）'),
    units: z.array(z.string()).default([]).describe('允许的单位（如 ["%"] 或 ["件","起"]）；空表示不限'),
    actions: z
      .array(Pattern)
      .default([])
      .describe(
        '谁做了什么：该句从开头到数字所在分句末尾须出现这些词之一（如法律顾问的事项须有“法律顾问|律师”，领导干部学法须有“党委|班子|干部|会前”）；空表示不限',
      ),
    exclude: z.array(Pattern).default([]).describe('数字所在分句出现这些词时不归入本指标（如“执法人员|调整为”不是普法受众人数）'),
    subjects: z
      .array(MetricSubject)
      .min(1)
      .default(['unit', 'village'])
      .describe('计入哪些主体的数字：unit 本单位、village 所辖村（社区）、county 全县、higher 上级；默认本单位和所辖村'),
    pays: z.number().int().min(1).default(1).describe('同一个数字最多为几个指标得分：默认 1（一个事实只得一次分）'),
  })
  .strict();
export type Metric = z.infer<typeof Metric>;

const Band = z
  .object({
    min: z.number().optional().describe('下限（含）'),
    max: z.number().optional().describe('上限（不含）'),
    points: Points,
  })
  .strict();

export const PartPresentRule = z
  .object({
    kind: z.literal('part-present'),
    part: ReportPart,
    minChars: z.number().int().min(0).default(0).describe('该部分至少多少字才算“有”'),
    points: Points,
    partialPoints: Points.default(0).describe('有该部分但字数不足时的得分'),
  })
  .strict();

export const PhrasesRule = z
  .object({
    kind: z.literal('phrases'),
    match: z.enum(['any', 'all', 'near']).default('any').describe('any 任一命中 · all 全部命中 · near 全部出现在 window 字以内'),
    phrases: z.array(Pattern).min(1),
    window: z.number().int().positive().default(60).describe('near 模式下词语之间的最大距离（字）'),
    pointsPerHit: Points.describe('每个不同句子（all/near：每组）得分'),
    perSentence: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('一个句子最多计几个要点：默认 1（防止一句话堆砌关键词）；列举式要求（如“三项制度”“五个程序”）可设为要点个数'),
    cap: Points.optional().describe('本规则最高得分；缺省为指标满分'),
    parts: Parts.optional(),
    requireFigure: z.boolean().default(false).describe('句子必须含有数字才算（防止空泛表述得分）'),
    scope: z
      .enum(['sentences', 'headings'])
      .default('sentences')
      .describe('sentences 在正文句子中找 · headings 在各级标题中找（用于结构性要素，如“其他需要报告的情况”）'),
    sameYear: z.boolean().default(false).describe('命中处所述年份须为报告所属年度（用于荣誉等：“荣获2021年度…先进乡镇”不计入2024年度）'),
  })
  .strict();

export const MetricRule = z
  .object({
    kind: z.literal('metric'),
    metric: z.string().describe('指标目录中的编号'),
    bands: z.array(Band).min(1).describe('按数值分档得分，取最高一档'),
    parts: Parts.optional(),
  })
  .strict();

export const DisclosureRule = z
  .object({
    kind: z.literal('disclosure'),
    metrics: z.array(z.string()).default([]).describe('给出这些指标的任何数字即算披露'),
    patterns: z.array(Pattern).default([]).describe('句子命中这些词且含数字也算披露'),
    zeroPatterns: z.array(Pattern).default([]).describe('明确的零披露，如“未发生行政诉讼”“无行政复议”'),
    points: Points,
    parts: Parts.optional(),
  })
  .strict();

export const SpecificityRule = z
  .object({
    kind: z.literal('specificity'),
    parts: Parts,
    minChars: z.number().int().min(0).default(0).describe('这些部分合计至少多少字才评'),
    bands: z.array(Band).min(1).describe('每千字数字个数的分档'),
  })
  .strict();

export const DistinctItemsRule = z
  .object({
    kind: z.literal('distinct-items'),
    part: ReportPart,
    minItems: z.number().int().min(1).describe('至少几条（如“一是…二是…三是…”）才得满分'),
    points: Points.describe('条数达到 minItems 的得分；不足按比例'),
    causePatterns: z.array(Pattern).default([]).describe('说明原因的词（原因|主要是|由于）'),
    causePoints: Points.default(0).describe('逐条说明原因的得分（按比例）'),
    specificPoints: Points.default(0).describe('至少一条含具体事项（地名、数字、具体流程）的得分'),
    timedPatterns: z.array(Pattern).default([]).describe('有时间或数量要求的措施（如 20XX年X月、X次）'),
    timedPoints: Points.default(0),
  })
  .strict();

export const MetadataRule = z
  .object({
    kind: z.literal('metadata'),
    field: z.enum(['submittedAt', 'publishedAt']).describe('submittedAt 报送日期 · publishedAt 公开日期（须同时有网址）'),
    deadline: z
      .string()
      .regex(/^\d{2}-\d{2}$/)
      .describe('截止日期 MM-DD，所属年度的次年'),
    points: Points.describe('按期得分'),
    latePoints: Points.default(0).describe('逾期 graceDays 天内的得分'),
    graceDays: z.number().int().min(0).default(7),
  })
  .strict();

export const CrossPartRule = z
  .object({
    kind: z.literal('cross-part'),
    from: ReportPart.describe('例如 shortcomings'),
    to: ReportPart.describe('例如 plans'),
    points: Points.describe('from 部分的每一条在 to 部分都有对应时得满分，按比例'),
    minShared: z.number().int().min(1).default(2).describe('两条之间至少共有几个双字词才算对应'),
  })
  .strict();

export const FollowThroughRule = z
  .object({
    kind: z.literal('follow-through'),
    points: Points.describe('上年“下一年度安排”各条在本年“主要举措”中落实的比例 × 分值；无上年报告时记 0 并注明'),
  })
  .strict();

export const Rule = z.discriminatedUnion('kind', [
  PartPresentRule,
  PhrasesRule,
  MetricRule,
  DisclosureRule,
  SpecificityRule,
  DistinctItemsRule,
  MetadataRule,
  CrossPartRule,
  FollowThroughRule,
]);
export type Rule = z.infer<typeof Rule>;
export type RuleKind = Rule['kind'];

export const Indicator = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    name: z.string().min(1),
    max: Points,
    source: SourceRef,
    enabled: z.boolean().default(true).describe('false 时不计分（保留定义，便于下一年启用）'),
    rule: Rule,
  })
  .strict();
export type Indicator = z.infer<typeof Indicator>;

export const Dimension = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    name: z.string().min(1),
    max: Points.describe('本维度满分（权重）'),
    sources: z.array(SourceRef).min(1).describe('本维度依据的官方文件'),
    indicators: z.array(Indicator).min(1),
  })
  .strict();
export type Dimension = z.infer<typeof Dimension>;

export const PenaltyRule = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('missing-part'),
      parts: z.array(ReportPart).min(1),
      pointsEach: Points,
      /** With this many statutory parts missing, the total is capped (e.g. 2 missing → at most 59, 不合格). */
      capTotalAt: z.number().optional(),
      capWhenMissing: z.number().int().min(1).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('no-figures'),
      minPer1000Chars: z.number().positive().describe('每千字至少几个数字'),
      points: Points,
      perEmptySection: Points.default(0).describe('每个无任何数字的实质性部分另扣'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('boilerplate'),
      phrases: z.array(Pattern).min(1).describe('空话套话'),
      bands: z.array(Band).min(1).describe('每千字套话次数的扣分分档'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('template-leftovers'),
      patterns: z.array(Pattern).min(1).describe('模板残留，如 XX镇|20XX|××'),
      pointsEach: Points,
      wrongYear: z.boolean().default(true).describe('标题或小标题中的年度与所属年度不符'),
      otherTownships: z.boolean().default(true).describe('出现同县其他乡镇的名称（作为本单位）'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('perfunctory'),
      part: ReportPart,
      minChars: z.number().int().positive(),
      genericPatterns: z.array(Pattern).default([]),
      points: Points,
    })
    .strict(),
  z
    .object({
      kind: z.literal('flag'),
      flag: z.string().describe('按标记扣分，如 inconsistent-figures、similar-to'),
      pointsEach: Points.describe('每个标记扣分；similar-to 按相似度 × scale 计'),
      scaleBySimilarity: z.boolean().default(false).describe('true 时扣分 = 相似度 × pointsEach（用于雷同）'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('metric'),
      metric: z.string().describe('指标目录中的编号，如 lawsuit.lost（败诉）'),
      pointsPerUnit: Points.describe('数值每 1 扣几分'),
    })
    .strict(),
]);
export type PenaltyRule = z.infer<typeof PenaltyRule>;

export const Penalty = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    name: z.string().min(1),
    max: Points.describe('最多扣几分'),
    source: SourceRef,
    enabled: z.boolean().default(true),
    rule: PenaltyRule,
  })
  .strict();
export type Penalty = z.infer<typeof Penalty>;

export const GradeBand = z.object({ grade: z.string().min(1), min: z.number() }).strict();

export const GradeQuota = z
  .object({
    grade: z.string(),
    maxShare: z.number().min(0).max(1).describe('该等次最多占本组单位的比例，如 优秀 0.2（向下取整）'),
    minCount: z.number().int().min(0).default(1).describe('无论本组多小，至少可有几个单位评为该等次（默认 1：2–5 个单位的组也能评上优秀、良好，只要分数达到）'),
  })
  .strict();

export const Grading = z
  .object({
    mode: z.enum(['absolute', 'quota']).describe('absolute 按分数段 · quota 在同一县、同一年度、同一排名组内按名额'),
    bands: z.array(GradeBand).min(1).describe('从高到低；absolute 模式下的分数线，quota 模式下的最低分'),
    quotas: z.array(GradeQuota).default([]).describe('quota 模式：某等次最多占比（向下取整，但不少于 minCount 个），如 优秀 0.2'),
    rationale: z.string().optional().describe('为什么是这些分数线和名额，怎样校准的（写给审核细则的人）'),
  })
  .strict();
export type Grading = z.infer<typeof Grading>;

export const Veto = z
  .object({
    when: z
      .string()
      .regex(/^(flag|finding):[a-z0-9-]+$/)
      .describe('flag:<标记>（如 flag:missing-part）或 finding:<县里录入的督察发现>（如 finding:serious-inspection-finding）'),
    minCount: z.number().int().min(1).default(1).describe('该标记至少出现几次'),
    capGrade: z.string().describe('等次最高为'),
    reason: z.string(),
  })
  .strict();

/** A statutory item reported inside another part still counts (e.g. 第一责任人 written under 主要举措). */
export const PartFallback = z
  .object({
    part: ReportPart,
    paragraphPatterns: z.array(Pattern).min(1).describe('没有独立部分时，段落命中这些词'),
    minChars: z.number().int().min(0).describe('且该段至少这么多字，也算有该部分'),
  })
  .strict();

export const Similarity = z
  .object({
    threshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.6)
      .describe('一份报告的正文有多大比例见于另一份时标记为雷同（标准套语已先排除，见 pipeline/rank/standard-formulae.json）'),
    shingle: z.number().int().min(2).max(12).default(5).describe('字符片段长度'),
  })
  .strict();

export const ConsistencyCheck = z
  .object({
    rate: z.string().describe('比率指标，如 mediation.success_rate'),
    numerator: z.string().describe('分子指标，如 mediation.success'),
    denominator: z.string().describe('分母指标，如 mediation.cases'),
    tolerance: z.number().min(0).default(2).describe('允许误差（百分点）'),
  })
  .strict();

export const Rubric = z
  .object({
    $schema: z.string().optional(),
    id: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .describe('评分细则编号，如 fazhi-2024'),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/)
      .describe('版本号（修改细则时递增）'),
    title: z.string().min(1),
    year: z.number().int().describe('适用的报告所属年度'),
    max: z.number().positive().default(100),
    notes: z.array(z.string()).default([]).describe('说明，含标注为 [U]（未核对）的依据'),
    metrics: z.array(Metric).default([]),
    dimensions: z.array(Dimension).min(1),
    penalties: z.array(Penalty).default([]),
    bonus: z
      .object({ max: Points, indicators: z.array(Indicator) })
      .strict()
      .default({ max: 0, indicators: [] })
      .describe('加分项，单独封顶'),
    grading: Grading,
    veto: z.array(Veto).default([]),
    partFallbacks: z.array(PartFallback).default([]),
    ranking: z
      .object({
        tieBreakers: z.array(z.string()).default([]).describe('总分相同时依次比较这些维度的得分（维度编号）'),
      })
      .strict()
      .default({ tieBreakers: [] }),
    similarity: Similarity.default({ threshold: 0.6, shingle: 5 }),
    consistency: z.array(ConsistencyCheck).default([]),
    antiGaming: z
      .object({
        maxKeywordShare: z.number().min(0).max(1).default(0.75).describe('涉及 3 个及以上指标的句子，评分关键词占其汉字的比例超过该值，视为堆砌关键词，不得分'),
        listKeywordShare: z.number().min(0).max(1).default(0.5).describe('涉及 listIndicators 个及以上指标的句子（罗列式），关键词占比超过该值即视为堆砌'),
        listIndicators: z.number().int().min(2).default(4),
        maxTemplateRepeats: z.number().int().min(1).default(2).describe('去掉关键词和数字后句式相同的句子超过该数目，视为套用模板批量堆砌，均不得分'),
        minSentenceChars: z.number().int().min(0).default(8).describe('少于该字数的句子不作为证据'),
      })
      .strict()
      .default({ maxKeywordShare: 0.75, listKeywordShare: 0.5, listIndicators: 4, maxTemplateRepeats: 2, minSentenceChars: 8 }),
  })
  .strict()
  .superRefine((rubric, ctx) => {
    const metricIds = new Set(rubric.metrics.map((m) => m.id));
    const dimensionSum = rubric.dimensions.reduce((sum, d) => sum + d.max, 0);
    if (Math.abs(dimensionSum - rubric.max) > 1e-9) {
      ctx.addIssue({
        code: 'custom',
        path: ['dimensions'],
        message: `各维度满分之和为 ${dimensionSum}，应等于总分 ${rubric.max} (dimension weights must sum to max)`,
      });
    }
    const seen = new Set<string>();
    rubric.dimensions.forEach((dimension, d) => {
      const enabledSum = dimension.indicators.filter((i) => i.enabled).reduce((sum, i) => sum + i.max, 0);
      if (enabledSum + 1e-9 < dimension.max) {
        ctx.addIssue({
          code: 'custom',
          path: ['dimensions', d, 'indicators'],
          message: `维度“${dimension.name}”各指标满分之和 ${enabledSum} 小于维度满分 ${dimension.max}，该维度永远拿不到满分`,
        });
      }
      dimension.indicators.forEach((indicator, i) => {
        const path = ['dimensions', d, 'indicators', i];
        if (seen.has(indicator.id)) ctx.addIssue({ code: 'custom', path: [...path, 'id'], message: `指标编号重复: ${indicator.id}` });
        seen.add(indicator.id);
        checkRuleMetrics(indicator.rule, metricIds, [...path, 'rule'], ctx);
      });
    });
    rubric.bonus.indicators.forEach((indicator, i) => checkRuleMetrics(indicator.rule, metricIds, ['bonus', 'indicators', i, 'rule'], ctx));
    rubric.consistency.forEach((check, i) => {
      for (const field of ['rate', 'numerator', 'denominator'] as const) {
        if (!metricIds.has(check[field])) {
          ctx.addIssue({ code: 'custom', path: ['consistency', i, field], message: `指标目录中没有 ${check[field]}` });
        }
      }
    });
    rubric.penalties.forEach((penalty, i) => {
      if (penalty.rule.kind === 'metric' && !metricIds.has(penalty.rule.metric)) {
        ctx.addIssue({ code: 'custom', path: ['penalties', i, 'rule', 'metric'], message: `指标目录（metrics）中没有 ${penalty.rule.metric}` });
      }
    });
    const dimensionIds = new Set(rubric.dimensions.map((d) => d.id));
    rubric.ranking.tieBreakers.forEach((id, i) => {
      if (!dimensionIds.has(id)) ctx.addIssue({ code: 'custom', path: ['ranking', 'tieBreakers', i], message: `没有编号为 ${id} 的维度` });
    });
    const grades = new Set(rubric.grading.bands.map((b) => b.grade));
    rubric.grading.bands.forEach((band, i) => {
      const previous = rubric.grading.bands[i - 1];
      if (previous && previous.min <= band.min) {
        ctx.addIssue({ code: 'custom', path: ['grading', 'bands', i, 'min'], message: '等次须按分数从高到低排列' });
      }
    });
    rubric.grading.quotas.forEach((quota, i) => {
      if (!grades.has(quota.grade)) {
        ctx.addIssue({ code: 'custom', path: ['grading', 'quotas', i, 'grade'], message: `等次“${quota.grade}”不在 bands 中` });
      }
    });
    rubric.veto.forEach((veto, i) => {
      if (!grades.has(veto.capGrade)) {
        ctx.addIssue({ code: 'custom', path: ['veto', i, 'capGrade'], message: `等次“${veto.capGrade}”不在 grading.bands 中` });
      }
    });
  });
export type Rubric = z.infer<typeof Rubric>;
/** The rubric as written in the JSON file (before defaults are applied). */
export type RubricInput = z.input<typeof Rubric>;

function checkRuleMetrics(rule: Rule, metricIds: Set<string>, path: (string | number)[], ctx: z.RefinementCtx): void {
  const named = rule.kind === 'metric' ? [rule.metric] : rule.kind === 'disclosure' ? rule.metrics : [];
  for (const id of named) {
    if (!metricIds.has(id)) {
      ctx.addIssue({ code: 'custom', path: [...path, 'metric'], message: `指标目录（metrics）中没有 ${id}` });
    }
  }
}
