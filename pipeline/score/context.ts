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
  /** The phrase patterns of each phrases/disclosure rule: what counts as a "rubric keyword" for the stuffing check. */
  keywordGroups: RegExp[][];
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
    keywordGroups: indicators.map((i) => phrasesOf(i.rule).map((p) => new RegExp(p, 'gu'))).filter((g) => g.length > 0),
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
}

export function sectionLabel(section: Section): string {
  if (section.level === 0) return '开头';
  if (!section.number) return section.heading || '（无标题部分）';
  const separator = /^[一二三四五六七八九十]+$/u.test(section.number) ? '、' : /^\d+$/u.test(section.number) ? '. ' : '';
  return `${section.number}${separator}${section.heading}`;
}

interface KeywordProfile {
  /** Share of the sentence's Han characters covered by rubric keywords. */
  share: number;
  /** How many different indicators' keywords the sentence touches. */
  indicators: number;
  /** The sentence with keywords and figures blanked out: the frame a generator would reuse. */
  skeleton: string;
}

/** How much of a sentence is rubric keywords: a sentence made of keywords is not evidence. */
function keywordProfile(folded: string, groups: readonly RegExp[][]): KeywordProfile {
  const covered = new Uint8Array(folded.length);
  let indicators = 0;
  for (const group of groups) {
    let hit = false;
    for (const pattern of group) {
      pattern.lastIndex = 0;
      for (const match of folded.matchAll(pattern)) {
        if (match[0].length === 0) continue;
        hit = true;
        covered.fill(1, match.index, match.index + match[0].length);
      }
    }
    if (hit) indicators++;
  }
  let han = 0;
  let hanCovered = 0;
  let skeleton = '';
  for (let i = 0; i < folded.length; i++) {
    const code = folded.charCodeAt(i);
    const isHanChar = code >= 0x4e00 && code <= 0x9fff;
    if (isHanChar) {
      han++;
      if (covered[i]) hanCovered++;
    }
    if (covered[i]) {
      if (!skeleton.endsWith('□')) skeleton += '□';
    } else if (isHanChar) skeleton += folded[i];
  }
  return { share: han === 0 ? 0 : hanCovered / han, indicators, skeleton };
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
        } else {
          const profile = keywordProfile(folded, compiled.keywordGroups);
          const anti = rubric.antiGaming;
          const list = profile.indicators >= anti.listIndicators && profile.share > anti.listKeywordShare;
          const dense = profile.indicators >= 3 && profile.share > anti.maxKeywordShare;
          if (list || dense) {
            sentence.eligible = false;
            sentence.ineligibleReason = 'keyword-stuffing';
            stuffed.push(sentence);
          } else if (profile.indicators >= 2 && profile.skeleton.replace(/□/gu, '').length >= 6) {
            skeletons.set(profile.skeleton, [...(skeletons.get(profile.skeleton) ?? []), sentence]);
          }
        }
        seen.add(key);
        sentences.push(sentence);
      }
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
    report, loaded, rubric, compiled, sentences, headings, facts, partHan, bodyHan, options, stuffed,
    sectionLabels: report.sections.map(sectionLabel),
  };
}

export function evidenceOf(ctx: ScoringContext, sentence: { text: string; offset: number; section: number }): Evidence {
  return {
    text: sentence.text,
    offset: sentence.offset,
    section: ctx.sectionLabels[sentence.section] ?? '',
    part: ctx.report.sections[sentence.section]?.part,
  };
}

/** Sentences that may earn points in the given parts (all parts when none are given). */
export function candidates(ctx: ScoringContext, parts: readonly ReportPart[] | undefined): ScoringSentence[] {
  return ctx.sentences.filter((s) => s.eligible && (!parts || parts.includes(s.part)));
}
