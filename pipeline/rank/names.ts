import type { NormalizedReport } from '../../schemas/report.ts';
import type { Evidence } from '../../schemas/score.ts';
import { sectionLabel } from '../score/context.ts';
import { fold } from '../text/fold.ts';
import { splitSentences } from '../text/sentences.ts';
import { townshipInfo } from '../text/gazetteer.ts';

/**
 * Unit names across the reports of a scope: which names may be looked for in other reports, an index that finds all
 * of a scope's names in one pass over a text (instead of every name against every report), and the prominent lines
 * (title, headings, opening, "我镇…" sentences) where a neighbour's name betrays a borrowed template.
 */

/** Where a unit's name comes from for it to be looked for in other reports: the document's own statement of it. */
const STATED_NAME_SOURCES = new Set(['title', 'issuer', 'closing']);

export const isTownshipLike = (report: NormalizedReport): boolean => report.meta.unitKind === 'township' || report.meta.unitKind === 'subdistrict';

/** 青石镇 → 青石: what a copy keeps of the name when it renames the unit (青石分平台). */
export const nameStem = (name: string): string => name.replace(/(街道办事处|街道|镇|乡)$/u, '');

/**
 * A township or subdistrict name safe to look for in other reports: one the gazetteer knows, or one the report states
 * in its title, 版头 or 落款. A name guessed from prose ("现将我镇") never makes another report look like a copy.
 */
export function isValidatedUnitName(report: NormalizedReport): boolean {
  const name = report.meta.township;
  if (!name || !isTownshipLike(report)) return false;
  return townshipInfo(name) !== null || STATED_NAME_SOURCES.has(report.meta.unitSource ?? '');
}

/**
 * Many strings found in a text in one pass: keys are indexed by their first two characters (a number), so each
 * position of the text costs one Map lookup whatever the number of keys.
 */
export class NameIndex<V> {
  private readonly byPrefix = new Map<number, { key: string; value: V }[]>();
  private readonly single = new Map<number, { key: string; value: V }>();
  /** 1 for each UTF-16 unit some key starts with: most positions of a text are passed over with one array read. */
  private readonly starts = new Uint8Array(0x10000);

  constructor(entries: Iterable<readonly [string, V]>) {
    for (const [key, value] of entries) {
      if (key.length === 0) continue;
      this.starts[key.charCodeAt(0)] = 1;
      if (key.length === 1) {
        this.single.set(key.charCodeAt(0), { key, value });
        continue;
      }
      const prefix = key.charCodeAt(0) * 0x10000 + key.charCodeAt(1);
      const list = this.byPrefix.get(prefix);
      if (list) list.push({ key, value });
      else this.byPrefix.set(prefix, [{ key, value }]);
    }
    // Longest first, so the first key that fits at a position is the longest one.
    for (const list of this.byPrefix.values()) list.sort((x, y) => y.key.length - x.key.length);
  }

  /** The longest key that starts at `at`, or null. */
  longestAt(text: string, at: number): { key: string; value: V } | null {
    if (this.starts[text.charCodeAt(at)] !== 1) return null;
    const list = at + 1 < text.length ? this.byPrefix.get(text.charCodeAt(at) * 0x10000 + text.charCodeAt(at + 1)) : undefined;
    if (list) for (const entry of list) if (text.startsWith(entry.key, at)) return entry;
    return this.single.get(text.charCodeAt(at)) ?? null;
  }

  /**
   * Matches from left to right without overlap, the longest key at each position: what one regular expression
   * alternating every key (longest first) finds with matchAll.
   */
  *scan(text: string): Generator<{ key: string; value: V; at: number }> {
    for (let at = 0; at < text.length;) {
      const found = this.longestAt(text, at);
      if (found) {
        yield { ...found, at };
        at += found.key.length;
      } else at++;
    }
  }

  /** Every key that occurs anywhere in `text` (overlapping occurrences included): what `text.includes(key)` says. */
  occurring(text: string): Set<V> {
    const out = new Set<V>();
    for (let at = 0; at < text.length; at++) {
      if (this.starts[text.charCodeAt(at)] !== 1) continue;
      const list = at + 1 < text.length ? this.byPrefix.get(text.charCodeAt(at) * 0x10000 + text.charCodeAt(at + 1)) : undefined;
      if (list) for (const entry of list) if (text.startsWith(entry.key, at)) out.add(entry.value);
      const one = this.single.get(text.charCodeAt(at));
      if (one) out.add(one.value);
    }
    return out;
  }
}

export interface ProminentLine {
  text: string;
  offset: number;
  section: number;
}

/** A sentence that speaks for the unit ("我镇…", "本乡…"): where a template's previous owner shows. */
const SPEAKS_FOR_UNIT = /[我本](镇|乡|街道)/u;

/**
 * The lines of a report where a unit names itself: its title, its headings, the sentences of its opening and every
 * sentence that speaks for the unit. Read from the report's sections directly (the same sentences the scoring context
 * splits), so the cross-report checks need no second scoring context per report.
 */
export function prominentLines(report: NormalizedReport): ProminentLine[] {
  const lines: ProminentLine[] = [];
  if (report.meta.title) lines.push({ text: report.meta.title, offset: Math.max(0, report.text.indexOf(report.meta.title)), section: 0 });
  report.sections.forEach((section, index) => {
    if (!section.heading) return;
    const offset = report.text.indexOf(section.heading, section.offset);
    lines.push({ text: section.heading, offset: offset >= 0 ? offset : section.offset, section: index });
  });
  report.sections.forEach((section, index) => {
    for (const paragraph of section.paragraphs) {
      // fold() maps character by character, so a sentence can speak for the unit only if its paragraph does.
      if (index !== 0 && !SPEAKS_FOR_UNIT.test(fold(paragraph.text))) continue;
      for (const span of splitSentences(paragraph.text, paragraph.offset)) {
        if (index === 0 || SPEAKS_FOR_UNIT.test(fold(span.text))) lines.push({ text: span.text, offset: span.offset, section: index });
      }
    }
  });
  return lines;
}

/** A line as evidence, labelled as the scoring context labels its sentences. */
export function lineEvidence(report: NormalizedReport, line: ProminentLine): Evidence {
  const section = report.sections[line.section];
  return { text: line.text, offset: line.offset, section: section ? sectionLabel(section) : '', part: section?.part };
}
