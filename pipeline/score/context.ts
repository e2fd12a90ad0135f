import type { Fact, NormalizedReport, ReportPart } from '../../schemas/report.ts';
import type { Rubric, Rule } from '../../schemas/rubric.ts';
import type { Evidence } from '../../schemas/score.ts';
import { markerOf } from '../normalize/markers.ts';
import { compileMetrics, figureClause, subjectOf, tagMetric, unquoted, yearOf, type CompiledMetric } from '../normalize/facts.ts';
import { rubricIndicators } from './indicators.ts';
import { fold, hanCount } from '../text/fold.ts';
import { figuresOf } from '../text/numerals.ts';
import { splitSentences } from '../text/sentences.ts';
import { evidenceAt, headingAt, locator, type Locator } from './evidence.ts';
import type { LoadedRubric } from './rubric.ts';
import { isConcrete, isKeywordList, keywordShare, markLiterals, skeletonOf, type KeywordProfile } from './stuffing.ts';

export { sectionLabel } from './evidence.ts';

/**
 * Everything the rules look at, prepared once per report: sentences with their part and section, facts re-tagged
 * with this rubric's metric catalogue (a report parsed under last year's rubric is scored with this year's metrics)
 * together with whose figure each is and the year it is dated to, and which sentences may serve as evidence at all.
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
  /** False for sentences that may not earn points: too short, a repeat, a heading, or a list of rubric keywords. */
  eligible: boolean;
  ineligibleReason?: 'short' | 'repeat' | 'heading' | 'keyword-stuffing' | 'copied';
  /** Gives a figure, names an object, reports an honour or a completed action (see stuffing.ts). */
  concrete: boolean;
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
  /**
   * Paragraphs this report copied (set by the cross-report checks once a copy's direction is known), by offset. A
   * paragraph taken from another unit's report, or from last year's, records that report's work, not this unit's work
   * of this year, so its sentences earn nothing. One exception, for a unit's own report of last year only: a sentence
   * that states a figure last year's paragraph did not ("开展普法宣传活动12场" rewritten as "14场") reports this year's
   * figure of the same unit, and is scored as usual. A figure changed in another unit's text is not evidence of anything.
   */
  copied?: CopiedParagraphs;
}

/**
 * Copied paragraphs by offset: for a paragraph copied from the unit's own report of last year, the figures that
 * paragraph stated; null for one copied from another unit's report (every sentence of it is copied).
 */
export type CopiedParagraphs = ReadonlyMap<number, ReadonlySet<string> | null>;

/** Whether a sentence of a copied paragraph repeats its source: from another unit, always; from last year, unless it states a new figure. */
export function isCopiedSentence(copied: CopiedParagraphs | undefined, paragraphOffset: number, folded: string): boolean {
  if (!copied?.has(paragraphOffset)) return false;
  const lastYearFigures = copied.get(paragraphOffset);
  if (!lastYearFigures) return true;
  for (const figure of figuresOf(folded)) if (!lastYearFigures.has(figure)) return false;
  return true;
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
  const indicators = rubricIndicators(rubric);
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
  /** Han characters of what a part says: its paragraphs and the headings of its items (plans written as headings). */
  partContent: Map<ReportPart, number>;
  bodyHan: number;
  options: ScoreOptions;
  stuffed: ScoringSentence[];
  corpus: Corpus;
  /** Where each rubric pattern matches, per sentence: one scan per pattern and report (see matchesBySentence). */
  scans: Map<string, Map<number, SentenceMatch[]>>;
  /** The sentences each pattern matches, derived from `scans`. */
  hitCache: Map<string, ReadonlySet<number>>;
  locator: Locator;
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

/** Every match of a pattern, grouped by sentence (in the order corpusMatches finds them). */
function scanPattern(corpus: Corpus, sentences: readonly { folded: string }[], pattern: RegExp): Map<number, SentenceMatch[]> {
  const bySentence = new Map<number, SentenceMatch[]>();
  for (const m of corpusMatches(corpus, sentences, pattern)) {
    const list = bySentence.get(m.sentence);
    if (list) list.push(m);
    else bySentence.set(m.sentence, [m]);
  }
  return bySentence;
}

/** The scan of a pattern, made once per report: the keyword profiles, the rules and the penalties all read it. */
function scanOnce(
  scans: Map<string, Map<number, SentenceMatch[]>>,
  corpus: Corpus,
  sentences: readonly { folded: string }[],
  compiled: CompiledRubric,
  source: string,
): Map<number, SentenceMatch[]> {
  let bySentence = scans.get(source);
  if (!bySentence) {
    bySentence = scanPattern(corpus, sentences, patternOf(compiled, source));
    scans.set(source, bySentence);
  }
  return bySentence;
}

/**
 * Which characters of the corpus are rubric keywords (all of them, and the distinctive ones) and how many indicators'
 * keywords each sentence touches: see stuffing.ts. One scan per pattern over the corpus, kept in `scans`, since the
 * phrases rules ask for the same patterns.
 */
interface KeywordCoverage {
  covered: Uint8Array;
  distinct: Uint8Array;
  indicators: Uint16Array;
}

function keywordCoverage(
  corpus: Corpus,
  sentences: readonly ScoringSentence[],
  compiled: CompiledRubric,
  scans: Map<string, Map<number, SentenceMatch[]>>,
): KeywordCoverage {
  const covered = new Uint8Array(corpus.text.length);
  const distinct = new Uint8Array(corpus.text.length);
  const indicators = new Uint16Array(sentences.length);
  for (const group of compiled.keywordGroups) {
    const hitSentences = new Set<number>();
    for (const source of group) {
      for (const [sentence, found] of scanOnce(scans, corpus, sentences, compiled, source)) {
        const base = corpus.starts[sentence] ?? 0;
        const folded = sentences[sentence]?.folded ?? '';
        for (const m of found) markLiterals(covered, distinct, base, folded, m.start, m.end, source);
        hitSentences.add(sentence);
      }
    }
    for (const i of hitSentences) indicators[i] = (indicators[i] ?? 0) + 1;
  }
  return { covered, distinct, indicators };
}

const TOPIC_HEAD = /(?:情况|工作情况|开展情况|落实情况|建设情况)[。：:;；]?$/u;

/**
 * Whether a sentence is a heading rather than a statement: the run-in head of its section repeated as the opening
 * sentence of the paragraph ("2.合法性审查全覆盖。", "（二）…责任制落实情况。"), the head of an enumerated item
 * ("三是全面落实…制度。"), or a topic line that opens a paragraph without a figure ("党委领导、人大政协监督…的运行
 * 情况。"). Headings announce what the paragraph will say; the sentences after them carry the facts.
 */
function isHeadingSentence(folded: string, heading: string, opensParagraph: boolean, hasFigure: boolean, lastInParagraph: boolean): boolean {
  const marker = markerOf(folded);
  const body = (marker ? folded.slice(marker.length) : folded).replace(/[。：:；;，,\s]+$/u, '').trim();
  // The head of an enumerated item inside a paragraph ("三是全面落实“一村一法律顾问”制度。" followed by what was done).
  if (marker && !hasFigure && !lastInParagraph && !/[，,、；;]/u.test(body) && hanCount(body) <= MAX_HEAD_HAN) return true;
  if (!opensParagraph) return false;
  if (heading && body === fold(heading).trim()) return true;
  return !hasFigure && TOPIC_HEAD.test(folded) && hanCount(folded) <= 120;
}

/**
 * Marks keyword stuffing (see stuffing.ts): keyword lists, and frames filled again and again with different keywords.
 * Concrete sentences and sentences that earn nothing anyway (headings, short ones, repeats) are left alone. Returns
 * the stuffed sentences in document order.
 */
function markStuffed(sentences: readonly ScoringSentence[], corpus: Corpus, coverage: KeywordCoverage, anti: Rubric['antiGaming']): ScoringSentence[] {
  const stuffed: ScoringSentence[] = [];
  const frames = new Map<string, ScoringSentence[]>();
  const mark = (sentence: ScoringSentence): void => {
    sentence.eligible = false;
    sentence.ineligibleReason = 'keyword-stuffing';
    stuffed.push(sentence);
  };
  sentences.forEach((sentence, i) => {
    if (!sentence.eligible || sentence.concrete) return;
    const base = corpus.starts[i] ?? 0;
    const profile: KeywordProfile = { share: keywordShare(sentence.folded, base, coverage.distinct), indicators: coverage.indicators[i] ?? 0 };
    if (isKeywordList(profile, anti)) mark(sentence);
    else if (profile.indicators >= 2) {
      const skeleton = skeletonOf(sentence.folded, base, coverage.covered);
      if (skeleton.replace(/□/gu, '').length < 6) return;
      const frame = frames.get(skeleton);
      if (frame) frame.push(sentence);
      else frames.set(skeleton, [sentence]);
    }
  });
  // The same sentence frame filled with different keywords, again and again, is generated filler, not reporting.
  for (const frame of frames.values()) if (frame.length > anti.maxTemplateRepeats) frame.forEach(mark);
  return stuffed.sort((a, b) => a.index - b.index);
}

/** Longest head of an enumerated item (一是…, （一）…) in Han characters: a head is a short phrase, not a statement. */
const MAX_HEAD_HAN = 25;

/** Facts of a sentence re-read with this rubric: metric, whose figure, which year. */
function readFacts(
  sentence: { folded: string; offset: number },
  facts: readonly Fact[],
  metrics: readonly CompiledMetric[],
  reportYear: number | null,
): Fact[] {
  if (facts.length === 0) return [];
  const plain = unquoted(sentence.folded);
  return facts.map((fact) => {
    const start = fact.offset - sentence.offset;
    const end = start + fact.text.length;
    const lead = plain.slice(0, start);
    const year = yearOf(lead, reportYear);
    const { year: _stored, ...rest } = fact;
    return {
      ...rest,
      metric: tagMetric(figureClause(sentence.folded, start, end, 0), fact.unit, metrics),
      subject: subjectOf(lead),
      ...(year !== undefined ? { year } : {}),
    };
  });
}

export function buildContext(report: NormalizedReport, loaded: LoadedRubric, options: ScoreOptions = {}): ScoringContext {
  const rubric = loaded.rubric;
  const compiled = compileRubric(rubric);
  const sentences: ScoringSentence[] = [];
  const headings: ScoringHeading[] = [];
  const partHan = new Map<ReportPart, number>();
  const partContent = new Map<ReportPart, number>();
  const seen = new Set<string>();
  let factIndex = 0;
  const sortedFacts = [...report.facts].sort((a, b) => a.offset - b.offset);
  const facts: Fact[] = [];
  const topLevel = new Map<ReportPart, number>();
  for (const section of report.sections) if (section.level > 0) topLevel.set(section.part, Math.min(topLevel.get(section.part) ?? 9, section.level));
  report.sections.forEach((section, sectionIndex) => {
    if (section.heading) {
      const headingOffset = headingAt(report.text, section.heading, section.offset);
      headings.push({
        text: section.heading,
        folded: fold(section.heading),
        offset: headingOffset >= 0 ? headingOffset : section.offset,
        section: sectionIndex,
        part: section.part,
      });
      // An item written as a heading of its own ("（一）2025年6月底前…") is content of its part.
      if (section.level > (topLevel.get(section.part) ?? 1) && section.paragraphs.length === 0) {
        partContent.set(section.part, (partContent.get(section.part) ?? 0) + hanCount(section.heading));
      }
    }
    section.paragraphs.forEach((paragraph, paragraphIndex) => {
      const han = hanCount(paragraph.text);
      partHan.set(section.part, (partHan.get(section.part) ?? 0) + han);
      partContent.set(section.part, (partContent.get(section.part) ?? 0) + han);
      const spans = splitSentences(paragraph.text, paragraph.offset);
      spans.forEach((span, spanIndex) => {
        const folded = fold(span.text);
        const end = span.offset + span.text.length;
        const own: Fact[] = [];
        while (factIndex < sortedFacts.length && (sortedFacts[factIndex]?.offset ?? Infinity) < end) {
          const fact = sortedFacts[factIndex];
          if (fact && fact.offset >= span.offset) own.push(fact);
          factIndex++;
        }
        const read = readFacts({ folded, offset: span.offset }, own, compiled.metrics, report.meta.year);
        facts.push(...read);
        const sentence: ScoringSentence = {
          index: sentences.length,
          text: span.text,
          folded,
          offset: span.offset,
          section: sectionIndex,
          part: section.part,
          han: hanCount(span.text),
          facts: read,
          eligible: true,
          concrete: isConcrete(folded, read.length > 0),
        };
        const key = folded.replace(/\s+/gu, '');
        const heading = isHeadingSentence(
          folded,
          paragraphIndex === 0 ? section.heading : '',
          spanIndex === 0,
          read.length > 0,
          spanIndex === spans.length - 1,
        );
        const reason = heading
          ? 'heading'
          : isCopiedSentence(options.copied, paragraph.offset, folded)
            ? 'copied'
            : sentence.han < rubric.antiGaming.minSentenceChars
              ? 'short'
              : seen.has(key)
                ? 'repeat'
                : null;
        if (reason) {
          sentence.eligible = false;
          sentence.ineligibleReason = reason;
        }
        seen.add(key);
        sentences.push(sentence);
      });
    });
  });
  const corpus: Corpus = { text: sentences.map((x) => x.folded).join(SEPARATOR), starts: [] };
  let at = 0;
  for (const sentence of sentences) {
    corpus.starts.push(at);
    at += sentence.folded.length + 1;
  }
  const scans = new Map<string, Map<number, SentenceMatch[]>>();
  const stuffed = markStuffed(sentences, corpus, keywordCoverage(corpus, sentences, compiled, scans), rubric.antiGaming);
  const bodyHan = [...partHan.entries()].reduce((sum, [, n]) => sum + n, 0);
  const loc = locator(report);
  return {
    report,
    loaded,
    rubric,
    compiled,
    sentences,
    headings,
    facts,
    partHan,
    partContent,
    bodyHan,
    options,
    stuffed,
    corpus,
    sectionLabels: loc.sectionLabels as string[],
    scans,
    hitCache: new Map(),
    locator: loc,
  };
}

/** Where a rubric pattern matches, per sentence (computed once per pattern and report). */
export function matchesBySentence(ctx: ScoringContext, source: string): Map<number, SentenceMatch[]> {
  return scanOnce(ctx.scans, ctx.corpus, ctx.sentences, ctx.compiled, source);
}

/** Indices of the sentences a rubric pattern matches (all sentences, eligible or not), computed once per pattern. */
export function sentencesMatching(ctx: ScoringContext, source: string): ReadonlySet<number> {
  let hits = ctx.hitCache.get(source);
  if (!hits) {
    hits = new Set(matchesBySentence(ctx, source).keys());
    ctx.hitCache.set(source, hits);
  }
  return hits;
}

/** How many times a pattern matches inside each sentence. */
export function matchCounts(ctx: ScoringContext, source: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const [sentence, list] of matchesBySentence(ctx, source)) counts.set(sentence, list.length);
  return counts;
}

export function evidenceOf(ctx: ScoringContext, sentence: { text: string; offset: number; section: number }): Evidence {
  return evidenceAt(ctx.locator, sentence);
}

/**
 * A value computed once per report and key, for the derived views several rules read (candidate sentences, the items
 * of a part, boilerplate counts). The cache lives as long as the context.
 */
export function memo<K, V, C extends object = ScoringContext>(cache: WeakMap<C, Map<K, V>>, ctx: C, key: K, compute: () => V): V {
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
