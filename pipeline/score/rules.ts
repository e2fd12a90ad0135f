import type { ReportPart } from '../../schemas/report.ts';
import { PART_LABELS } from '../../schemas/report.ts';
import type { Rule } from '../../schemas/rubric.ts';
import type { Evidence } from '../../schemas/score.ts';
import { subjectOf, unquoted, yearOf } from '../normalize/facts.ts';
import { fold, hanCount } from '../text/fold.ts';
import { splitSentences } from '../text/sentences.ts';
import {
  candidates,
  evidenceOf,
  matches,
  matchesBySentence,
  memo,
  patternOf,
  type ScoringContext,
  type ScoringSentence,
  type SentenceMatch,
} from './context.ts';
import { followThroughItems, planItemsOf } from './follow-through.ts';
import { contentBigrams, partItems, sharedCount } from './items.ts';
import { assignedFacts, DEFAULT_ACHIEVEMENT_PARTS, unpaidReason } from './ledger.ts';
import { bandPoints, round2 } from './numbers.ts';
import { isZeroStatement } from './zero.ts';

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

/**
 * How well a sentence supports a phrase it matches, so the best one is cited first: the length of what matched
 * (应急预案 says more than 预案, 矛盾纠纷调处化解中心 more than 矛调中心), a figure beside the match (in its clause: a
 * figure elsewhere in a long sentence supports something else), the match naming a document (《…工作要点》); the
 * document's order among equals.
 */
function support(sentence: ScoringSentence, found: readonly SentenceMatch[]): number {
  const longest = found.reduce((max, m) => Math.max(max, m.end - m.start), 0);
  const figureNear = sentence.facts.some((f) => found.some((m) => sameClause(sentence.folded, f.offset - sentence.offset, m)));
  const namesDocument = found.some((m) => insideTitleMarks(sentence.folded, m));
  return Math.min(3, longest / 3) + (figureNear ? 1.5 : 0) + (namesDocument ? 1 : 0);
}

/** Whether a match lies inside 《…》. */
function insideTitleMarks(folded: string, m: SentenceMatch): boolean {
  const open = folded.lastIndexOf('《', m.start);
  return open >= 0 && folded.lastIndexOf('》', m.start) < open && folded.indexOf('》', m.end) >= 0;
}

const CLAUSE_BREAK = /[，,；;：:。]/u;

function sameClause(folded: string, at: number, m: SentenceMatch): boolean {
  const between = at < m.start ? folded.slice(at, m.start) : folded.slice(m.end, at);
  return between.length <= 16 && !CLAUSE_BREAK.test(between);
}

/** The matches of a pattern in a sentence that are dated to the report's year (or not dated at all). */
function inReportYear(ctx: ScoringContext, sentence: ScoringSentence, found: readonly SentenceMatch[]): SentenceMatch[] {
  const year = ctx.report.meta.year;
  if (year === null) return [...found];
  const plain = unquoted(sentence.folded);
  return found.filter((m) => {
    const dated = yearOf(plain.slice(0, m.end), year);
    return dated === undefined || dated === year;
  });
}

const NOT_DONE_AFTER = /^[^，,。；;]{0,12}?(?:尚未|未能|没有|未)(?:形成|开展|建立|落实|实现|完成|配备|覆盖|建成|启动)/u;
const NOT_DONE_BEFORE = /(?:尚未|未能|没有|未)(?:开展|建立|形成|实现|建成|配备|启动)[^，,。；;]{0,6}$/u;

/** A match its own clause says was not done ("案卷评查尚未形成固定安排", "尚未建立…机制"). */
function negated(folded: string, m: SentenceMatch): boolean {
  return NOT_DONE_AFTER.test(folded.slice(m.end)) || NOT_DONE_BEFORE.test(folded.slice(Math.max(0, m.start - 12), m.start));
}

/**
 * The matches that speak of this unit's own work: a clause opened by 全县/县级 or 全市/上级 reports the county's or a
 * higher body's record ("全县一审行政诉讼案件57件，行政机关负责人出庭应诉率100%" in a county department's report).
 */
function ownMatches(ctx: ScoringContext, sentence: ScoringSentence, found: readonly SentenceMatch[]): SentenceMatch[] {
  const countyIsUnit = ctx.report.meta.unitKind === 'county';
  return found.filter((m) => {
    const subject = subjectOf(sentence.folded.slice(0, m.start));
    return subject === 'unit' || subject === 'village' || (subject === 'county' && countyIsUnit);
  });
}

const poolSets = new WeakMap<readonly ScoringSentence[], Set<ScoringSentence>>();

/** A candidate pool as a set, made once per pool (pools are memoised per context and parts). */
function poolSet(pool: readonly ScoringSentence[]): Set<ScoringSentence> {
  let set = poolSets.get(pool);
  if (!set) {
    set = new Set(pool);
    poolSets.set(pool, set);
  }
  return set;
}

const phrasePools = new WeakMap<ScoringContext, Map<string, ScoringSentence[]>>();

/** The sentences a phrases rule may cite: memoised per parts and figure requirement, so its set (poolSet) is made once too. */
function phrasePool(ctx: ScoringContext, rule: RuleOf<'phrases'>): ScoringSentence[] {
  const parts = rule.parts ?? DEFAULT_ACHIEVEMENT_PARTS;
  return memo(phrasePools, ctx, `${parts.join(',')}|${rule.requireFigure ? 'figure' : ''}`, () =>
    candidates(ctx, parts).filter((s) => !rule.requireFigure || s.facts.length > 0),
  );
}

interface PhraseHit {
  sentence: ScoringSentence;
  strength: number;
}

/** Sentences of the pool a phrase matches, best supported first (document order among equals). */
function phraseHits(ctx: ScoringContext, rule: RuleOf<'phrases'>, source: string, pool: readonly ScoringSentence[]): PhraseHit[] {
  const bySentence = matchesBySentence(ctx, source);
  const inPool = poolSet(pool);
  const hits: PhraseHit[] = [];
  for (const [index, found] of bySentence) {
    const sentence = ctx.sentences[index]!;
    if (!inPool.has(sentence)) continue;
    const own = ownMatches(ctx, sentence, found).filter((m) => !negated(sentence.folded, m));
    const kept = rule.sameYear ? inReportYear(ctx, sentence, own) : own;
    if (kept.length > 0) hits.push({ sentence, strength: support(sentence, kept) });
  }
  return hits.sort((a, b) => b.strength - a.strength || a.sentence.index - b.sentence.index);
}

function phrases(ctx: ScoringContext, rule: RuleOf<'phrases'>, max: number): RuleOutcome {
  const cap = Math.min(rule.cap ?? max, max);
  if (rule.scope === 'headings') {
    const found = ctx.headings.find((h) => (!rule.parts || rule.parts.includes(h.part)) && rule.phrases.some((p) => matches(ctx.compiled, p, h.folded)));
    if (!found) return { score: 0, note: '各级标题中未见相关表述', evidence: [] };
    return { score: Math.min(cap, rule.pointsPerHit), note: '标题中有相关部分', evidence: [evidenceOf(ctx, found)] };
  }
  const pool = phrasePool(ctx, rule);
  const scope = rule.parts ? `（${partNames(rule.parts)}）` : '';
  if (rule.match === 'near') {
    const anchors = phraseHits(ctx, rule, rule.phrases[0] ?? '', pool);
    const hits = anchors.filter((h) => nearGroup(ctx, rule, h.sentence)).slice(0, Math.max(1, Math.ceil(cap / rule.pointsPerHit)));
    const score = Math.min(cap, hits.length * rule.pointsPerHit);
    return {
      score,
      note:
        hits.length === 0
          ? `未见在 ${rule.window} 字内同时出现的全部要素${scope}`
          : `${hits.length} 处同时出现全部要素 × ${fmt(rule.pointsPerHit)} 分${score < hits.length * rule.pointsPerHit ? `，封顶 ${fmt(cap)} 分` : ''}`,
      evidence: hits.map((h) => evidenceOf(ctx, h.sentence)),
    };
  }
  const hitsPerPhrase = rule.phrases.map((p) => phraseHits(ctx, rule, p, pool));
  const strength = new Map<number, number>();
  for (const hits of hitsPerPhrase) for (const h of hits) strength.set(h.sentence.index, Math.max(strength.get(h.sentence.index) ?? 0, h.strength));
  const bestFirst = (indices: Iterable<number>) => [...new Set(indices)].sort((a, b) => (strength.get(b) ?? 0) - (strength.get(a) ?? 0) || a - b);
  const phraseSentences = hitsPerPhrase.map((hits) => hits.map((h) => h.sentence.index));
  if (rule.match === 'all') {
    if (phraseSentences.some((h) => h.length === 0)) {
      const missing = rule.phrases.filter((_, i) => (phraseSentences[i]?.length ?? 0) === 0);
      return { score: 0, note: `缺少：${missing.join('；')}${scope}`, evidence: [] };
    }
    const assignment = matchPhrasesToSentences(phraseSentences);
    const used = bestFirst(rule.phrases.map((_, i) => assignment.get(i) ?? phraseSentences[i]?.[0] ?? 0));
    return { score: Math.min(cap, rule.pointsPerHit), note: '全部要素均有表述', evidence: used.map((i) => evidenceOf(ctx, ctx.sentences[i]!)) };
  }
  const assignment = matchPhrasesToSentences(phraseSentences, rule.perSentence);
  const hits = assignment.size;
  const sentences = bestFirst(assignment.values());
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

/** Why a figure-paid indicator got nothing: no figure at all, or only figures that are not the unit's own, or of another year, or already paid another indicator. */
function unpaidNote(ctx: ScoringContext, rule: Rule, none: string): string {
  const why = unpaidReason(ctx, rule);
  return why ? `${none}（${why}）` : none;
}

function metricName(ctx: ScoringContext, id: string): string {
  return ctx.rubric.metrics.find((m) => m.id === id)?.name ?? id;
}

function metric(ctx: ScoringContext, rule: RuleOf<'metric'>): RuleOutcome {
  const name = metricName(ctx, rule.metric);
  const use = assignedFacts(ctx).get(rule);
  if (!use) return { score: 0, note: unpaidNote(ctx, rule, `未给出“${name}”的数据`), evidence: [] };
  const points = bandPoints(use.fact.value, rule.bands);
  return { score: points, note: `“${name}”为 ${use.fact.text}，按分档得 ${fmt(points)} 分`, evidence: [evidenceOf(ctx, use.sentence)] };
}

function disclosure(ctx: ScoringContext, rule: RuleOf<'disclosure'>): RuleOutcome {
  const use = assignedFacts(ctx).get(rule);
  if (use) {
    const note = use.viaPattern || !use.fact.metric ? `给出了具体数字：${use.fact.text}` : `披露了“${metricName(ctx, use.fact.metric)}”：${use.fact.text}`;
    return { score: rule.points, note, evidence: [evidenceOf(ctx, use.sentence)] };
  }
  // Only a sentence that states a zero (未发生, 未制发, 无, 0件, 为零…) about the matter discloses a zero.
  const pool = candidates(ctx, rule.parts ?? DEFAULT_ACHIEVEMENT_PARTS);
  for (const source of rule.zeroPatterns) {
    const bySentence = matchesBySentence(ctx, source);
    const zero = pool.find((s) => (bySentence.get(s.index) ?? []).some((m) => isZeroStatement(s.folded, m)));
    if (zero) return { score: rule.points, note: '明确说明为零（如“未发生”“未制发”），视为披露', evidence: [evidenceOf(ctx, zero)] };
  }
  return { score: 0, note: unpaidNote(ctx, rule, '未给出数字，也未明确说明为零'), evidence: [] };
}

/** Whether a part is there: its own section(s), or (for items often reported elsewhere) a long enough paragraph. */
export function partPresence(ctx: ScoringContext, part: ReportPart): { han: number; evidence: Evidence | null; viaFallback: boolean } {
  const found = memo(partCache, ctx, part, () => locatePart(ctx, part));
  return { han: found.han, evidence: found.anchor ? evidenceOf(ctx, found.anchor) : null, viaFallback: found.viaFallback };
}

interface PartLocation {
  han: number;
  /** What is cited for the part: its heading, its first sentence, or the fallback paragraph's sentence. */
  anchor: { text: string; offset: number; section: number } | null;
  viaFallback: boolean;
}

/** Where each part is, found once per report: the part-present rules and the missing-part flags both ask. */
const partCache = new WeakMap<ScoringContext, Map<ReportPart, PartLocation>>();

function locatePart(ctx: ScoringContext, part: ReportPart): PartLocation {
  // A heading with nothing under it is not the part: an empty 不足 heading (or one whose text went elsewhere, as a
  // mis-read PDF can do) must not count as present.
  const han = ctx.partContent.get(part) ?? 0;
  const section = han > 0 ? ctx.report.sections.findIndex((s) => s.part === part && s.level > 0) : -1;
  if (section >= 0) {
    const heading = ctx.headings.find((h) => h.section === section);
    const first = ctx.sentences.find((s) => s.section === section) ?? ctx.sentences.find((s) => s.part === part);
    return { han, anchor: heading ?? first ?? null, viaFallback: false };
  }
  for (const fallback of ctx.rubric.partFallbacks.filter((f) => f.part === part)) {
    for (const [sectionIndex, s] of ctx.report.sections.entries()) {
      for (const paragraph of s.paragraphs) {
        if (hanCount(paragraph.text) < fallback.minChars) continue;
        const folded = fold(paragraph.text);
        if (fallback.paragraphPatterns.some((p) => matches(ctx.compiled, p, folded))) {
          const sentence = splitSentences(paragraph.text, paragraph.offset).find((span) =>
            fallback.paragraphPatterns.some((p) => matches(ctx.compiled, p, fold(span.text))),
          );
          const cited = sentence ?? { text: paragraph.text, offset: paragraph.offset };
          return { han: hanCount(paragraph.text), anchor: { ...cited, section: sectionIndex }, viaFallback: true };
        }
      }
    }
  }
  return { han: 0, anchor: null, viaFallback: false };
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
    const specific = items.find(
      (item) => /\d|[“"《]|村|社区/u.test(item.folded) || (ctx.report.meta.township !== null && item.folded.includes(ctx.report.meta.township)),
    );
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
    evidence: items.slice(0, 6).map((item) =>
      evidenceOf(ctx, {
        text: item.cite.text.length > 120 ? `${item.cite.text.slice(0, 120)}…` : item.cite.text,
        offset: item.cite.offset,
        section: item.section,
      }),
    ),
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
