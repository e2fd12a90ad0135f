import type { Fact, NormalizedReport, ReportPart, Section } from '../../schemas/report.ts';
import type { Rubric, Rule } from '../../schemas/rubric.ts';
import type { Evidence } from '../../schemas/score.ts';
import { clauseAfter, compileMetrics, tagMetric, type CompiledMetric } from '../normalize/facts.ts';
import { fold, hanCount } from '../text/fold.ts';
import { splitSentences } from '../text/sentences.ts';
import type { LoadedRubric } from './rubric.ts';

/**
 * Everything the rules look at, prepared once per report: sentences with their part and section, facts re-tagged
 * with this rubric's metric catalogue (a report parsed under last year's rubric is scored with this year's metrics),
 * and which sentences may serve as evidence at all.
 */

export interface ScoringSentence {
  index: number;
  text: string;
  folded: string;
  offset: number;
  section: number;
  part: ReportPart;
  han: number;
  facts: Fact[];
  /** False for sentences that may not earn points: too short, a repeat, or a list of rubric keywords. */
  eligible: boolean;
  ineligibleReason?: 'short' | 'repeat' | 'keyword-stuffing';
}

export interface ScoringHeading {
  text: string;
  folded: string;
  offset: number;
  section: number;
  part: ReportPart;
}

export interface ScoreOptions {
  /** The same township's report of the previous year, for follow-through and copied-from-last-year checks. */
  previous?: NormalizedReport;
}

export interface CompiledRubric {
  metrics: CompiledMetric[];
  /** The phrase patterns (sources) of each phrases/disclosure rule: the "rubric keywords" of the stuffing check. */
  keywordGroups: string[][];
  patterns: Map<string, RegExp>;
}

const compiledCache = new WeakMap<Rubric, CompiledRubric>();

function phrasesOf(rule: Rule): string[] {
  if (rule.kind === 'phrases') return rule.phrases;
  if (rule.kind === 'disclosure') return rule.patterns;
  return [];
}

export function compileRubric(rubric: Rubric): CompiledRubric {
  const cached = compiledCache.get(rubric);
  if (cached) return cached;
  const indicators = [...rubric.dimensions.flatMap((d) => d.indicators), ...rubric.bonus.indicators];
  const compiled: CompiledRubric = {
    metrics: compileMetrics(rubric.metrics),
    keywordGroups: indicators.map((i) => phrasesOf(i.rule)).filter((g) => g.length > 0),
    patterns: new Map(),
  };
  compiledCache.set(rubric, compiled);
  return compiled;
}

/** A compiled, global, unicode regular expression for a rubric pattern, cached per rubric. */
export function patternOf(compiled: CompiledRubric, source: string): RegExp {
  let pattern = compiled.patterns.get(source);
  if (!pattern) {
    pattern = new RegExp(source, 'gu');
    compiled.patterns.set(source, pattern);
  }
  pattern.lastIndex = 0;
  return pattern;
}

export function matches(compiled: CompiledRubric, source: string, text: string): boolean {
  const pattern = patternOf(compiled, source);
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  return found;
}

export interface ScoringContext {
  report: NormalizedReport;
  loaded: LoadedRubric;
  rubric: Rubric;
  compiled: CompiledRubric;
  sentences: ScoringSentence[];
  headings: ScoringHeading[];
  facts: Fact[];
  sectionLabels: string[];
  /** Han characters per part, counted over paragraphs (headings excluded). */
  partHan: Map<ReportPart, number>;
  bodyHan: number;
  options: ScoreOptions;
  stuffed: ScoringSentence[];
  corpus: Corpus;
  hitCache: Map<string, ReadonlySet<number>>;
}

export function sectionLabel(section: Section): string {
  if (section.level === 0) return '开头';
  if (!section.number) return section.heading || '（无标题部分）';
  const separator = /^[一二三四五六七八九十]+$/u.test(section.number) ? '、' : /^\d+$/u.test(section.number) ? '. ' : '';
  return `${section.number}${separator}${section.heading}`;
}

/**
 * All sentences' folded text joined by a separator, so each pattern runs once per report instead of once per
 * sentence; matches are mapped back to sentences by offset.
 */
export interface Corpus {
  text: string;
  /** Start of each sentence in `text`. */
  starts: number[];
}

const SEPARATOR = '\u0000';

function sentenceAt(starts: readonly number[], at: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= at) low = mid;
    else high = mid - 1;
  }
  return low;
}

export interface SentenceMatch {
  sentence: number;
  /** Match position within the sentence's folded text. */
  start: number;
  end: number;
}

/** Every match of a global pattern, as (sentence, start, end). A match may not run across two sentences. */
export function corpusMatches(corpus: Corpus, sentences: readonly { folded: string }[], pattern: RegExp): SentenceMatch[] {
  const out: SentenceMatch[] = [];
  pattern.lastIndex = 0;
  for (const match of corpus.text.matchAll(pattern)) {
    if (match[0].length === 0) continue;
    const first = sentenceAt(corpus.starts, match.index);
    const base = corpus.starts[first] ?? 0;
    if (!match[0].includes(SEPARATOR)) {
      out.push({ sentence: first, start: match.index - base, end: match.index - base + match[0].length });
      continue;
    }
    // A match across sentences is not a match; the sentences it spans are searched one by one instead.
    const last = sentenceAt(corpus.starts, match.index + match[0].length - 1);
    for (let k = first; k <= last; k++) {
      for (const inner of (sentences[k]?.folded ?? '').matchAll(pattern)) {
        if (inner[0].length > 0) out.push({ sentence: k, start: inner.index, end: inner.index + inner[0].length });
      }
    }
  }
  pattern.lastIndex = 0;
  return out;
}

/**
 * How much of each sentence is rubric keywords (share of its Han characters), how many indicators' keywords it
 * touches, and its skeleton (keywords blanked out): a sentence made of keywords is not evidence.
 */
function keywordProfiles(
  corpus: Corpus,
  sentences: readonly ScoringSentence[],
  compiled: CompiledRubric,
  hitCache: Map<string, ReadonlySet<number>>,
): { share: number; indicators: number; skeleton: string }[] {
  const covered = new Uint8Array(corpus.text.length);
  const indicators = new Uint16Array(sentences.length);
  for (const group of compiled.keywordGroups) {
    const hitSentences = new Set<number>();
    for (const source of group) {
      const hits = new Set<number>();
      for (const m of corpusMatches(corpus, sentences, patternOf(compiled, source))) {
        const base = corpus.starts[m.sentence] ?? 0;
        covered.fill(1, base + m.start, base + m.end);
        hits.add(m.sentence);
        hitSentences.add(m.sentence);
      }
      // The phrases rules ask for the same patterns: one scan serves both.
      hitCache.set(source, hits);
    }
    for (const i of hitSentences) indicators[i] = (indicators[i] ?? 0) + 1;
  }
  return sentences.map((sentence, i) => {
    const base = corpus.starts[i] ?? 0;
    let han = 0;
    let hanCovered = 0;
    let skeleton = '';
    for (let k = 0; k < sentence.folded.length; k++) {
      const code = sentence.folded.charCodeAt(k);
      const isHanChar = code >= 0x4e00 && code <= 0x9fff;
      const isCovered = covered[base + k] === 1;
      if (isHanChar) {
        han++;
        if (isCovered) hanCovered++;
      }
      if (isCovered) {
        if (!skeleton.endsWith('□')) skeleton += '□';
      } else if (isHanChar) skeleton += sentence.folded[k];
    }
    return { share: han === 0 ? 0 : hanCovered / han, indicators: indicators[i] ?? 0, skeleton };
  });
}

export function buildContext(report: NormalizedReport, loaded: LoadedRubric, options: ScoreOptions = {}): ScoringContext {
  const rubric = loaded.rubric;
  const compiled = compileRubric(rubric);
  const foldedText = fold(report.text);
  const facts = report.facts.map((fact) => ({
    ...fact,
    metric: tagMetric(fold(fact.context), fact.unit, compiled.metrics, clauseAfter(foldedText, fact.offset + fact.text.length)),
  }));
  const sentences: ScoringSentence[] = [];
  const headings: ScoringHeading[] = [];
  const partHan = new Map<ReportPart, number>();
  const seen = new Set<string>();
  const stuffed: ScoringSentence[] = [];
  const skeletons = new Map<string, ScoringSentence[]>();
  let factIndex = 0;
  const sortedFacts = [...facts].sort((a, b) => a.offset - b.offset);
  report.sections.forEach((section, sectionIndex) => {
    if (section.heading) {
      const headingOffset = report.text.indexOf(section.heading, section.offset);
      headings.push({
        text: section.heading,
        folded: fold(section.heading),
        offset: headingOffset >= 0 ? headingOffset : section.offset,
        section: sectionIndex,
        part: section.part,
      });
    }
    for (const paragraph of section.paragraphs) {
      partHan.set(section.part, (partHan.get(section.part) ?? 0) + hanCount(paragraph.text));
      for (const span of splitSentences(paragraph.text, paragraph.offset)) {
        const folded = fold(span.text);
        const end = span.offset + span.text.length;
        const own: Fact[] = [];
        while (factIndex < sortedFacts.length && (sortedFacts[factIndex]?.offset ?? Infinity) < end) {
          const fact = sortedFacts[factIndex];
          if (fact && fact.offset >= span.offset) own.push(fact);
          factIndex++;
        }
        const han = hanCount(span.text);
        const sentence: ScoringSentence = {
          index: sentences.length, text: span.text, folded, offset: span.offset, section: sectionIndex,
          part: section.part, han, facts: own, eligible: true,
        };
        const key = folded.replace(/\s+/gu, '');
        if (han < rubric.antiGaming.minSentenceChars) {
          sentence.eligible = false;
          sentence.ineligibleReason = 'short';
        } else if (seen.has(key)) {
          sentence.eligible = false;
          sentence.ineligibleReason = 'repeat';
        }
        seen.add(key);
        sentences.push(sentence);
      }
    }
  });
  const corpus: Corpus = { text: sentences.map((x) => x.folded).join(SEPARATOR), starts: [] };
  let at = 0;
  for (const sentence of sentences) {
    corpus.starts.push(at);
    at += sentence.folded.length + 1;
  }
  const anti = rubric.antiGaming;
  const hitCache = new Map<string, ReadonlySet<number>>();
  keywordProfiles(corpus, sentences, compiled, hitCache).forEach((profile, i) => {
    const sentence = sentences[i]!;
    if (!sentence.eligible) return;
    const list = profile.indicators >= anti.listIndicators && profile.share > anti.listKeywordShare;
    const dense = profile.indicators >= 3 && profile.share > anti.maxKeywordShare;
    if (list || dense) {
      sentence.eligible = false;
      sentence.ineligibleReason = 'keyword-stuffing';
      stuffed.push(sentence);
    } else if (profile.indicators >= 2 && profile.skeleton.replace(/□/gu, '').length >= 6) {
      skeletons.set(profile.skeleton, [...(skeletons.get(profile.skeleton) ?? []), sentence]);
    }
  });
  // The same sentence frame filled with different keywords, again and again, is generated filler, not reporting.
  for (const group of skeletons.values()) {
    if (group.length <= rubric.antiGaming.maxTemplateRepeats) continue;
    for (const sentence of group) {
      sentence.eligible = false;
      sentence.ineligibleReason = 'keyword-stuffing';
      stuffed.push(sentence);
    }
  }
  stuffed.sort((a, b) => a.index - b.index);
  const bodyHan = [...partHan.entries()].reduce((sum, [, n]) => sum + n, 0);
  return {
    report, loaded, rubric, compiled, sentences, headings, facts, partHan, bodyHan, options, stuffed, corpus,
    sectionLabels: report.sections.map(sectionLabel),
    hitCache,
  };
}

/** Indices of the sentences a rubric pattern matches (all sentences, eligible or not), computed once per pattern. */
export function sentencesMatching(ctx: ScoringContext, source: string): ReadonlySet<number> {
  let hits = ctx.hitCache.get(source);
  if (!hits) {
    hits = new Set(corpusMatches(ctx.corpus, ctx.sentences, patternOf(ctx.compiled, source)).map((m) => m.sentence));
    ctx.hitCache.set(source, hits);
  }
  return hits;
}

/** How many times a pattern matches inside each sentence. */
export function matchCounts(ctx: ScoringContext, source: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of corpusMatches(ctx.corpus, ctx.sentences, patternOf(ctx.compiled, source))) counts.set(m.sentence, (counts.get(m.sentence) ?? 0) + 1);
  return counts;
}

export function evidenceOf(ctx: ScoringContext, sentence: { text: string; offset: number; section: number }): Evidence {
  return {
    text: sentence.text,
    offset: sentence.offset,
    section: ctx.sectionLabels[sentence.section] ?? '',
    part: ctx.report.sections[sentence.section]?.part,
  };
}

/**
 * A value computed once per report and key, for the derived views several rules read (candidate sentences, the items
 * of a part, boilerplate counts). The cache lives as long as the context.
 */
export function memo<K, V>(cache: WeakMap<ScoringContext, Map<K, V>>, ctx: ScoringContext, key: K, compute: () => V): V {
  let forContext = cache.get(ctx);
  if (!forContext) {
    forContext = new Map();
    cache.set(ctx, forContext);
  }
  if (!forContext.has(key)) forContext.set(key, compute());
  return forContext.get(key) as V;
}

const candidateCache = new WeakMap<ScoringContext, Map<string, ScoringSentence[]>>();

/** Sentences that may earn points in the given parts (all parts when none are given). */
export function candidates(ctx: ScoringContext, parts: readonly ReportPart[] | undefined): ScoringSentence[] {
  return memo(candidateCache, ctx, parts ? parts.join(',') : '*', () => ctx.sentences.filter((s) => s.eligible && (!parts || parts.includes(s.part))));
}
