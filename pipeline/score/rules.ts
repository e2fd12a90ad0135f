import type { Fact, ReportPart } from '../../schemas/report.ts';
import { PART_LABELS } from '../../schemas/report.ts';
import type { Rule } from '../../schemas/rubric.ts';
import type { Evidence } from '../../schemas/score.ts';
import { fold, hanCount } from '../text/fold.ts';
import { splitSentences } from '../text/sentences.ts';
import { candidates, evidenceOf, matches, patternOf, sentencesMatching, type ScoringContext, type ScoringSentence } from './context.ts';
import { followThroughItems, planItemsOf } from './follow-through.ts';
import { contentBigrams, partItems, sharedCount } from './items.ts';
import { bandPoints, round2 } from './numbers.ts';

/**
 * One evaluator per rule kind. Each returns the points earned (before the indicator's cap), a note in Chinese that
 * says why, and the sentences that earned them. Points never come without evidence, except where the rule is about
 * an absence (0 points) or about upload metadata, which the note names.
 */

export interface RuleOutcome {
  score: number;
  note: string;
  evidence: Evidence[];
}

type RuleOf<K extends Rule['kind']> = Extract<Rule, { kind: K }>;

/** Where achievements are reported. Not plans, not 不足, and not 其他: text appended at the end cannot earn points. */
const DEFAULT_ACHIEVEMENT_PARTS: readonly ReportPart[] = ['measures', 'leadership', 'rectification'];
const fmt = (x: number): string => String(round2(x));
const partNames = (parts: readonly ReportPart[]): string => parts.map((p) => PART_LABELS[p]).join('、');

/**
 * Phrases in distinct sentences: a maximum matching between patterns and sentences (augmenting paths), where a
 * sentence may carry at most `perSentence` phrases. Returns phrase → sentence.
 */
function matchPhrasesToSentences(phraseHits: readonly number[][], perSentence = 1): Map<number, number> {
  // Each sentence offers `perSentence` slots; slot ids are sentence * perSentence + k.
  const slotOwner = new Map<number, number>();
  const tryAssign = (phrase: number, visited: Set<number>): boolean => {
    for (const sentence of phraseHits[phrase] ?? []) {
      for (let k = 0; k < perSentence; k++) {
        const slot = sentence * perSentence + k;
        if (visited.has(slot)) continue;
        visited.add(slot);
        const owner = slotOwner.get(slot);
        if (owner === undefined || tryAssign(owner, visited)) {
          slotOwner.set(slot, phrase);
          return true;
        }
      }
    }
    return false;
  };
  phraseHits.forEach((_, phrase) => tryAssign(phrase, new Set()));
  const byPhrase = new Map<number, number>();
  for (const [slot, phrase] of slotOwner) byPhrase.set(phrase, Math.floor(slot / perSentence));
  return byPhrase;
}

function phrases(ctx: ScoringContext, rule: RuleOf<'phrases'>, max: number): RuleOutcome {
  const cap = Math.min(rule.cap ?? max, max);
  if (rule.scope === 'headings') {
    const found = ctx.headings.find((h) => (!rule.parts || rule.parts.includes(h.part)) && rule.phrases.some((p) => matches(ctx.compiled, p, h.folded)));
    if (!found) return { score: 0, note: '各级标题中未见相关表述', evidence: [] };
    return { score: Math.min(cap, rule.pointsPerHit), note: '标题中有相关部分', evidence: [evidenceOf(ctx, found)] };
  }
  const pool = candidates(ctx, rule.parts ?? DEFAULT_ACHIEVEMENT_PARTS).filter((s) => !rule.requireFigure || s.facts.length > 0);
  const scope = rule.parts ? `（${partNames(rule.parts)}）` : '';
  if (rule.match === 'near') {
    const hits: ScoringSentence[] = [];
    for (const sentence of pool) {
      if (nearGroup(ctx, rule, sentence)) hits.push(sentence);
      if (hits.length * rule.pointsPerHit >= cap) break;
    }
    const score = Math.min(cap, hits.length * rule.pointsPerHit);
    return {
      score,
      note: hits.length === 0 ? `未见在 ${rule.window} 字内同时出现的全部要素${scope}` : `${hits.length} 处同时出现全部要素 × ${fmt(rule.pointsPerHit)} 分${score < hits.length * rule.pointsPerHit ? `，封顶 ${fmt(cap)} 分` : ''}`,
      evidence: hits.map((s) => evidenceOf(ctx, s)),
    };
  }
  const phraseHits = rule.phrases.map((p) => {
    const hits = sentencesMatching(ctx, p);
    return pool.filter((s) => hits.has(s.index)).map((s) => s.index);
  });
  if (rule.match === 'all') {
    if (phraseHits.some((h) => h.length === 0)) {
      const missing = rule.phrases.filter((_, i) => (phraseHits[i]?.length ?? 0) === 0);
      return { score: 0, note: `缺少：${missing.join('；')}${scope}`, evidence: [] };
    }
    const assignment = matchPhrasesToSentences(phraseHits);
    const used = [...new Set(rule.phrases.map((_, i) => assignment.get(i) ?? phraseHits[i]?.[0] ?? 0))].sort((a, b) => a - b);
    return { score: Math.min(cap, rule.pointsPerHit), note: '全部要素均有表述', evidence: used.map((i) => evidenceOf(ctx, ctx.sentences[i]!)) };
  }
  const assignment = matchPhrasesToSentences(phraseHits, rule.perSentence);
  const hits = assignment.size;
  const sentences = [...new Set(assignment.values())].sort((a, b) => a - b);
  const raw = hits * rule.pointsPerHit;
  const score = Math.min(cap, raw);
  const where = rule.perSentence === 1 ? '见于不同句子' : `（每句最多计 ${rule.perSentence} 个）`;
  const note = hits === 0 ? `未见相关表述${scope}` : `${hits} 个要点${where} × ${fmt(rule.pointsPerHit)} 分${raw > cap ? `，封顶 ${fmt(cap)} 分` : ''}`;
  return { score, note, evidence: sentences.map((i) => evidenceOf(ctx, ctx.sentences[i]!)) };
}

/**
 * All phrases within `window` characters of an occurrence of the first phrase in this sentence; the window may run
 * into the following sentences of the same section.
 */
function nearGroup(ctx: ScoringContext, rule: RuleOf<'phrases'>, sentence: ScoringSentence): boolean {
  // Sentences of a section are contiguous: walk forward from this one while the window lasts.
  let text = '';
  for (let i = sentence.index; i < ctx.sentences.length; i++) {
    const s = ctx.sentences[i]!;
    if (s.section !== sentence.section || s.offset >= sentence.offset + sentence.folded.length + rule.window) break;
    text += s.folded;
  }
  const positions = (source: string): number[] => [...text.matchAll(patternOf(ctx.compiled, source))].map((m) => m.index);
  const anchors = positions(rule.phrases[0] ?? '').filter((p) => p < sentence.folded.length);
  const others = rule.phrases.slice(1).map(positions);
  return anchors.some((anchor) => others.every((hits) => hits.some((p) => Math.abs(p - anchor) <= rule.window)));
}

function factsIn(ctx: ScoringContext, metric: string, parts: readonly ReportPart[] | undefined): { fact: Fact; sentence: ScoringSentence }[] {
  const out: { fact: Fact; sentence: ScoringSentence }[] = [];
  for (const sentence of ctx.sentences) {
    if (!sentence.eligible && sentence.ineligibleReason !== 'short') continue;
    if (parts && !parts.includes(sentence.part)) continue;
    for (const fact of sentence.facts) if (fact.metric === metric) out.push({ fact, sentence });
  }
  return out;
}

function metricName(ctx: ScoringContext, id: string): string {
  return ctx.rubric.metrics.find((m) => m.id === id)?.name ?? id;
}

function metric(ctx: ScoringContext, rule: RuleOf<'metric'>): RuleOutcome {
  const found = factsIn(ctx, rule.metric, rule.parts ?? DEFAULT_ACHIEVEMENT_PARTS);
  const name = metricName(ctx, rule.metric);
  if (found.length === 0) return { score: 0, note: `未给出“${name}”的数据`, evidence: [] };
  let best = found[0]!;
  let bestPoints = -1;
  for (const entry of found) {
    const points = bandPoints(entry.fact.value, rule.bands);
    if (points > bestPoints) {
      best = entry;
      bestPoints = points;
    }
  }
  return {
    score: bestPoints,
    note: `“${name}”为 ${best.fact.text}，按分档得 ${fmt(bestPoints)} 分`,
    evidence: [evidenceOf(ctx, best.sentence)],
  };
}

function disclosure(ctx: ScoringContext, rule: RuleOf<'disclosure'>): RuleOutcome {
  const parts = rule.parts ?? DEFAULT_ACHIEVEMENT_PARTS;
  for (const id of rule.metrics) {
    const found = factsIn(ctx, id, parts)[0];
    if (found) return { score: rule.points, note: `披露了“${metricName(ctx, id)}”：${found.fact.text}`, evidence: [evidenceOf(ctx, found.sentence)] };
  }
  const pool = candidates(ctx, parts);
  const anyOf = (patterns: readonly string[]) => {
    const sets = patterns.map((p) => sentencesMatching(ctx, p));
    return (s: ScoringSentence) => sets.some((hits) => hits.has(s.index));
  };
  const named = anyOf(rule.patterns);
  const withFigure = pool.find((s) => s.facts.length > 0 && named(s));
  if (withFigure) return { score: rule.points, note: '给出了具体数字', evidence: [evidenceOf(ctx, withFigure)] };
  const saysZero = anyOf(rule.zeroPatterns);
  const zero = pool.find(saysZero);
  if (zero) return { score: rule.points, note: '明确说明为零（无/未发生），视为披露', evidence: [evidenceOf(ctx, zero)] };
  return { score: 0, note: '未披露数字，也未说明为零', evidence: [] };
}

/** Whether a part is there: its own section(s), or (for items often reported elsewhere) a long enough paragraph. */
export function partPresence(ctx: ScoringContext, part: ReportPart): { han: number; evidence: Evidence | null; viaFallback: boolean } {
  const han = ctx.partHan.get(part) ?? 0;
  const section = ctx.report.sections.findIndex((s) => s.part === part && s.level > 0);
  if (section >= 0) {
    const heading = ctx.headings.find((h) => h.section === section);
    const first = ctx.sentences.find((s) => s.section === section) ?? ctx.sentences.find((s) => s.part === part);
    const anchor = heading ?? first;
    return { han, evidence: anchor ? evidenceOf(ctx, anchor) : null, viaFallback: false };
  }
  for (const fallback of ctx.rubric.partFallbacks.filter((f) => f.part === part)) {
    for (const [sectionIndex, s] of ctx.report.sections.entries()) {
      for (const paragraph of s.paragraphs) {
        const folded = fold(paragraph.text);
        if (hanCount(paragraph.text) >= fallback.minChars && fallback.paragraphPatterns.some((p) => matches(ctx.compiled, p, folded))) {
          const sentence = splitSentences(paragraph.text, paragraph.offset).find((span) =>
            fallback.paragraphPatterns.some((p) => matches(ctx.compiled, p, fold(span.text))),
          );
          const cited = sentence ?? { text: paragraph.text, offset: paragraph.offset };
          return { han: hanCount(paragraph.text), evidence: evidenceOf(ctx, { ...cited, section: sectionIndex }), viaFallback: true };
        }
      }
    }
  }
  return { han: 0, evidence: null, viaFallback: false };
}

function partPresent(ctx: ScoringContext, rule: RuleOf<'part-present'>): RuleOutcome {
  const presence = partPresence(ctx, rule.part);
  const label = PART_LABELS[rule.part];
  if (!presence.evidence) return { score: 0, note: `缺少“${label}”部分`, evidence: [] };
  const where = presence.viaFallback ? `未单列“${label}”，但正文中有专门段落（${presence.han} 字）` : `有“${label}”部分（${presence.han} 字）`;
  if (presence.han >= rule.minChars) return { score: rule.points, note: where, evidence: [presence.evidence] };
  return { score: rule.partialPoints, note: `${where}，少于 ${rule.minChars} 字`, evidence: [presence.evidence] };
}

function specificity(ctx: ScoringContext, rule: RuleOf<'specificity'>): RuleOutcome {
  const pool = ctx.sentences.filter((s) => rule.parts.includes(s.part));
  const han = pool.reduce((sum, s) => sum + s.han, 0);
  if (han === 0) return { score: 0, note: `没有“${partNames(rule.parts)}”部分`, evidence: [] };
  if (han < rule.minChars) return { score: 0, note: `“${partNames(rule.parts)}”仅 ${han} 字，少于 ${rule.minChars} 字`, evidence: [] };
  const withFigures = pool.filter((s) => s.facts.length > 0 && (s.eligible || s.ineligibleReason === 'short'));
  const figures = withFigures.reduce((sum, s) => sum + s.facts.length, 0);
  const density = (figures / han) * 1000;
  const score = bandPoints(density, rule.bands);
  return {
    score,
    note: `“${partNames(rule.parts)}”共 ${han} 字、${figures} 个数字，每千字 ${fmt(density)} 个`,
    evidence: withFigures.slice(0, 5).map((s) => evidenceOf(ctx, s)),
  };
}

function distinctItems(ctx: ScoringContext, rule: RuleOf<'distinct-items'>, max: number): RuleOutcome {
  const items = partItems(ctx, rule.part);
  const label = PART_LABELS[rule.part];
  if (items.length === 0) return { score: 0, note: `没有“${label}”部分或其中没有具体条目`, evidence: [] };
  const countShare = Math.min(1, items.length / rule.minItems);
  let score = rule.points * countShare;
  const notes = [`列出 ${items.length} 条（满分需 ${rule.minItems} 条）`];
  if (rule.causePoints > 0) {
    const withCause = items.filter((item) => rule.causePatterns.some((p) => matches(ctx.compiled, p, item.folded))).length;
    // Causes are often listed in a paragraph of their own ("这些问题的主要原因包括：一是…二是…").
    const causeParagraph = ctx.report.sections
      .flatMap((s) => (s.part === rule.part ? s.paragraphs : []))
      .find((p) => /原因(是|有|包括|在于|主要)/u.test(fold(p.text)));
    const listedCauses = causeParagraph ? (fold(causeParagraph.text).match(/[一二三四五六七八九十]是/gu) ?? []).length : 0;
    const causes = Math.min(items.length, Math.max(withCause, listedCauses));
    score += rule.causePoints * (causes / Math.max(items.length, rule.minItems));
    notes.push(`${causes} 条说明了原因`);
  }
  if (rule.specificPoints > 0) {
    const specific = items.find((item) => /\d|[“"《]|村|社区/u.test(item.folded) || (ctx.report.meta.township !== null && item.folded.includes(ctx.report.meta.township)));
    if (specific) {
      score += rule.specificPoints;
      notes.push('至少一条指向具体事项');
    } else notes.push('各条均为泛泛而谈');
  }
  if (rule.timedPoints > 0) {
    const timed = items.filter((item) => rule.timedPatterns.some((p) => matches(ctx.compiled, p, item.folded))).length;
    score += rule.timedPoints * Math.min(1, timed / rule.minItems);
    notes.push(`${timed} 条有时间或数量要求`);
  }
  return {
    score: Math.min(score, max),
    note: notes.join('；'),
    evidence: items.slice(0, 6).map((item) => evidenceOf(ctx, { text: item.cite.text.length > 120 ? `${item.cite.text.slice(0, 120)}…` : item.cite.text, offset: item.cite.offset, section: item.section })),
  };
}

function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function metadata(ctx: ScoringContext, rule: RuleOf<'metadata'>): RuleOutcome {
  const submission = ctx.report.submission;
  const year = ctx.report.meta.year;
  const what = rule.field === 'submittedAt' ? '报送日期' : '公开日期和网址';
  const date = rule.field === 'submittedAt' ? submission.submittedAt : submission.publishedUrl ? submission.publishedAt : undefined;
  if (!date) return { score: 0, note: `未提供${what}（来自上传信息，不从正文推测），记 0 分`, evidence: [] };
  if (year === null) return { score: 0, note: `报告年度不明，无法判断${what}是否按期`, evidence: [] };
  const day = date.slice(0, 10);
  const deadline = `${year + 1}-${rule.deadline}`;
  const source = rule.field === 'publishedAt' ? `（${submission.publishedUrl}）` : '';
  if (day <= deadline) return { score: rule.points, note: `${what} ${day}${source}，不晚于 ${deadline}`, evidence: [] };
  if (day <= addDays(deadline, rule.graceDays)) {
    return { score: rule.latePoints, note: `${what} ${day}${source}，逾期 ${rule.graceDays} 天以内（截止 ${deadline}）`, evidence: [] };
  }
  return { score: 0, note: `${what} ${day}${source}，晚于截止日期 ${deadline}`, evidence: [] };
}

function crossPart(ctx: ScoringContext, rule: RuleOf<'cross-part'>): RuleOutcome {
  const from = partItems(ctx, rule.from);
  // Plans are often bare headings ("（一）加强执法队伍建设"): items, not sentences, are what can answer a shortcoming.
  const target = partItems(ctx, rule.to).map((item) => ({ item, bigrams: contentBigrams(item.folded) }));
  if (from.length === 0 || target.length === 0) {
    return { score: 0, note: `缺少“${PART_LABELS[rule.from]}”或“${PART_LABELS[rule.to]}”部分`, evidence: [] };
  }
  const evidence: Evidence[] = [];
  let addressed = 0;
  for (const item of from) {
    const words = contentBigrams(item.folded);
    const answer = target.find((t) => sharedCount(words, t.bigrams) >= rule.minShared);
    if (answer) {
      addressed++;
      if (evidence.length < 6) evidence.push(evidenceOf(ctx, { ...answer.item.cite, section: answer.item.section }));
    }
  }
  return {
    score: rule.points * (addressed / from.length),
    note: `“${PART_LABELS[rule.from]}”${from.length} 条中 ${addressed} 条在“${PART_LABELS[rule.to]}”中有对应措施`,
    evidence,
  };
}

function followThrough(ctx: ScoringContext, rule: RuleOf<'follow-through'>): RuleOutcome {
  const previous = ctx.options.previous;
  if (!previous) return { score: 0, note: '未提供该单位上一年度报告，无法核对上年安排的落实情况，记 0 分', evidence: [] };
  const planned = planItemsOf(previous);
  if (planned.length === 0) return { score: 0, note: '上一年度报告中没有可核对的“下一年度安排”条目', evidence: [] };
  const items = followThroughItems(ctx, planned);
  const done = items.filter((i) => i.status === 'done');
  const partial = items.filter((i) => i.status === 'partial');
  // A partly met plan counts half; a plan too vague to check counts for nothing either way.
  return {
    score: rule.points * ((done.length + partial.length / 2) / planned.length),
    note: `上年安排 ${planned.length} 条：落实 ${done.length} 条、部分落实 ${partial.length} 条、明确未完成 ${items.filter((i) => i.status === 'not-done').length} 条、未提及 ${items.filter((i) => i.status === 'not-mentioned').length} 条、无法核对 ${items.filter((i) => i.status === 'unverifiable').length} 条`,
    evidence: [...done, ...partial].slice(0, 6).map((i) => i.evidence!),
  };
}

export function evaluateRule(ctx: ScoringContext, rule: Rule, max: number): RuleOutcome {
  switch (rule.kind) {
    case 'phrases':
      return phrases(ctx, rule, max);
    case 'metric':
      return metric(ctx, rule);
    case 'disclosure':
      return disclosure(ctx, rule);
    case 'part-present':
      return partPresent(ctx, rule);
    case 'specificity':
      return specificity(ctx, rule);
    case 'distinct-items':
      return distinctItems(ctx, rule, max);
    case 'metadata':
      return metadata(ctx, rule);
    case 'cross-part':
      return crossPart(ctx, rule);
    case 'follow-through':
      return followThrough(ctx, rule);
  }
}
