import type { Fact } from '../../schemas/report.ts';
import type { Flag } from '../../schemas/score.ts';
import { fold } from '../text/fold.ts';
import { evidenceOf, type ScoringContext, type ScoringSentence } from './context.ts';

/**
 * Figures that contradict each other inside one report, each an `inconsistent-figures` flag citing the sentences:
 * a rate that does not follow from its own counts (受理40余起、成功28起、成功率93%), a percentage over 100, a part
 * larger than its whole (执法人员15人，其中持证18人), one rate stated with two values, and a heading's year that is
 * neither the year reported on nor the next.
 */

interface Located {
  fact: Fact;
  sentence: ScoringSentence;
}

function locate(ctx: ScoringContext): Located[] {
  return ctx.sentences.flatMap((sentence) => sentence.facts.map((fact) => ({ fact, sentence })));
}

/** The range a figure may stand for: 40余 is 40 or more, 约40 is within 10 %. */
function range(fact: Fact): [number, number] {
  switch (fact.qualifier) {
    case 'atLeast':
      return [fact.value, fact.value * 1.5 + 1];
    case 'atMost':
      return [0, fact.value];
    case 'about':
      return [fact.value * 0.9, fact.value * 1.1];
    default:
      return [fact.value, fact.value];
  }
}

const GROWTH = /(增长|增加|提高|提升|上升|下降|减少|降低|同比|环比|超额|完成率|达标率)[^,，。;；]{0,6}$/u;

function rateChecks(ctx: ScoringContext, located: readonly Located[]): Flag[] {
  const flags: Flag[] = [];
  for (const check of ctx.rubric.consistency) {
    // The counts a rate is computed from come before it in the same section, nearest first: one pass, remembering the
    // last numerator of the section and the last denominator seen before it.
    let section = -1;
    let lastDenominator: Located | undefined;
    let numerator: Located | undefined;
    let numeratorsDenominator: Located | undefined;
    for (const rate of located) {
      if (rate.sentence.section !== section) {
        section = rate.sentence.section;
        lastDenominator = numerator = numeratorsDenominator = undefined;
      }
      if (rate.fact.metric === check.denominator) lastDenominator = rate;
      if (rate.fact.metric === check.numerator) {
        numerator = rate;
        numeratorsDenominator = lastDenominator;
      }
      if (rate.fact.metric !== check.rate || rate.fact.unit !== '%') continue;
      const denominator = numeratorsDenominator;
      if (!numerator || !denominator || denominator.fact.value === 0) continue;
      const [numLow, numHigh] = range(numerator.fact);
      const [denLow, denHigh] = range(denominator.fact);
      const lowest = (numLow / denHigh) * 100;
      const highest = Math.min(100, (numHigh / denLow) * 100);
      const stated = rate.fact.value;
      if (stated + check.tolerance < lowest || stated - check.tolerance > highest) {
        const implied = Math.round((numerator.fact.value / denominator.fact.value) * 1000) / 10;
        const sentences = uniqueSentences([denominator.sentence, numerator.sentence, rate.sentence]);
        flags.push({
          code: 'inconsistent-figures',
          severity: 'warning',
          message: `比率与其数据不符：${denominator.fact.context}${denominator.fact.text}、${numerator.fact.context}${numerator.fact.text}，按此计算约为 ${implied}%${denominator.fact.qualifier === 'atLeast' ? '（分母为“余”时更低）' : ''}，报告却写 ${rate.fact.text}`,
          evidence: sentences.map((s) => evidenceOf(ctx, s)),
        });
      }
    }
  }
  return flags;
}

function uniqueSentences(sentences: readonly ScoringSentence[]): ScoringSentence[] {
  const seen = new Set<number>();
  return sentences.filter((s) => (seen.has(s.index) ? false : (seen.add(s.index), true)));
}

function percentOver100(ctx: ScoringContext, located: readonly Located[]): Flag[] {
  return located
    .filter(({ fact }) => fact.unit === '%' && fact.value > 100 && !GROWTH.test(fold(fact.context)))
    .map(({ fact, sentence }) => ({
      code: 'inconsistent-figures' as const,
      severity: 'warning' as const,
      message: `百分比超过 100%：${fact.context}${fact.text}`,
      evidence: [evidenceOf(ctx, sentence)],
    }));
}

/** "共有执法人员15人，其中持证18人": the part after 其中 cannot exceed the whole before it. */
function partsOverWhole(ctx: ScoringContext, located: readonly Located[]): Flag[] {
  const flags: Flag[] = [];
  located.forEach((part, i) => {
    if (!/^其中/u.test(fold(part.fact.context))) return;
    const whole = located[i - 1];
    if (!whole || whole.sentence.index !== part.sentence.index || whole.fact.unit !== part.fact.unit || whole.fact.unit === '%') return;
    const [, wholeHigh] = range(whole.fact);
    if (part.fact.value > wholeHigh) {
      flags.push({
        code: 'inconsistent-figures',
        severity: 'warning',
        message: `部分大于整体：${whole.fact.context}${whole.fact.text}，${part.fact.context}${part.fact.text}`,
        evidence: [evidenceOf(ctx, part.sentence)],
      });
    }
  });
  return flags;
}

/** One rate given twice with different values (95 % here, 98 % there). Counts may differ by scope; rates should not. */
function twoValues(ctx: ScoringContext, located: readonly Located[]): Flag[] {
  // Grouped by metric and by the rate's own word: 参考率 100% and 合格率 98.6% are two rates of one metric.
  // Only what the report says was achieved: plans state targets, and "由上年的70.8%提高到100%" states history.
  const byMetric = new Map<string, Located[]>();
  for (const entry of located) {
    if (!entry.fact.metric || entry.fact.unit !== '%') continue;
    if (entry.sentence.part === 'plans' || /上年|去年|同比|上一年|由[^,，。]{0,8}$/u.test(fold(entry.fact.context))) continue;
    const rateWord = /([\u4e00-\u9fa5]{1,4}率)[^,，。;；]{0,6}$/u.exec(fold(entry.fact.context))?.[1] ?? '';
    const key = `${entry.fact.metric}|${rateWord}`;
    byMetric.set(key, [...(byMetric.get(key) ?? []), entry]);
  }
  const flags: Flag[] = [];
  for (const [key, entries] of byMetric) {
    const metric = key.split('|')[0] ?? key;
    const distinct = [...new Set(entries.map((e) => e.fact.value))];
    const first = entries[0];
    // Two statements conflict only when no value satisfies both (97.4% and "95%以上" agree).
    const other = entries.find((e) => {
      if (!first) return false;
      const [a0, a1] = range(first.fact);
      const [b0, b1] = range(e.fact);
      return a1 + 0.5 < b0 || b1 + 0.5 < a0;
    });
    if (distinct.length < 2 || !first || !other) continue;
    const name = ctx.rubric.metrics.find((m) => m.id === metric)?.name ?? metric;
    flags.push({
      code: 'inconsistent-figures',
      severity: 'warning',
      message: `同一指标“${name}”前后数值不一：${first.fact.text} 与 ${other.fact.text}`,
      evidence: uniqueSentences([first.sentence, other.sentence]).map((s) => evidenceOf(ctx, s)),
    });
  }
  return flags;
}

/** A section heading dated neither the year reported on nor the next (plans) is usually last year's text reused. */
function headingYears(ctx: ScoringContext): Flag[] {
  const year = ctx.report.meta.year;
  if (year === null) return [];
  const flags: Flag[] = [];
  for (const heading of ctx.headings) {
    const section = ctx.report.sections[heading.section];
    if (!section || section.level > 2) continue;
    for (const match of heading.folded.matchAll(/(20\d{2})\s*年(?![-—~至])/gu)) {
      const said = Number(match[1]);
      const expected = section.part === 'plans' ? year + 1 : year;
      const allowed = section.part === 'plans' ? [year, year + 1] : [year];
      if (!allowed.includes(said)) {
        flags.push({
          code: 'wrong-year',
          severity: 'warning',
          message: `标题“${heading.text}”写的是 ${said} 年，本报告所属年度为 ${year} 年（此处应为 ${expected} 年）`,
          part: section.part,
          evidence: [evidenceOf(ctx, heading)],
        });
      }
    }
  }
  return flags;
}

export function consistencyFlags(ctx: ScoringContext): Flag[] {
  const located = locate(ctx);
  return [...rateChecks(ctx, located), ...percentOver100(ctx, located), ...partsOverWhole(ctx, located), ...twoValues(ctx, located), ...headingYears(ctx)];
}
