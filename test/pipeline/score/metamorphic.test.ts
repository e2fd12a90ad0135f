import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScoreResult } from '../../../schemas/score.ts';
import { scoreReport } from '../../../pipeline/score/index.ts';
import { haveSeeds, reportFromText, ROOT, rubric2024, SAMPLES_DIR, seedText } from '../../helpers/reports.ts';

/**
 * Metamorphic tests: change a report in a way whose effect on the score is known, and check the score moves (or does
 * not move) accordingly. They run on the samples (txt sources of the Word ones too) and, where present, the seeds.
 */

const sampleSources: Record<string, string> = {
  望江镇: join(ROOT, 'scripts/sample-sources/望江镇2024年法治政府建设情况报告.txt'),
  青石镇: join(SAMPLES_DIR, '青石镇2024年度法治政府建设工作情况的报告.txt'),
  澜滨街道: join(ROOT, 'scripts/sample-sources/澜滨街道2024年法治政府建设情况报告.txt'),
  白沙镇: join(ROOT, 'scripts/sample-sources/白沙镇2024年度法治政府建设情况报告.txt'),
  石门镇: join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt'),
  柳溪乡: join(SAMPLES_DIR, '法治政府建设年度报告2024.txt'),
};
const texts: [string, string][] = [
  ...Object.entries(sampleSources).map(([unit, path]): [string, string] => [unit, readFileSync(path, 'utf8')]),
  ...(haveSeeds ? ['双柳树镇', '均口镇', '渤海镇', '明通镇', '沙窝镇'].map((t): [string, string] => [t, seedText(t)]) : []),
];

const score = (text: string): ScoreResult => scoreReport(reportFromText(text), rubric2024);
const TOP_HEADING = /^\s*(#+\s*)?(\*\*)?[一二三四五六七八九十]+[、.]/u;

/** Removes the top-level section whose heading matches, up to the next top-level heading. */
function withoutSection(text: string, heading: RegExp): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => TOP_HEADING.test(l) && heading.test(l));
  if (start < 0) return text;
  let end = start + 1;
  while (end < lines.length && !TOP_HEADING.test(lines[end] ?? '')) end++;
  return [...lines.slice(0, start), ...lines.slice(end)].join('\n');
}

/** A small deterministic shuffle (so a failure can be reproduced). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('metamorphic properties of the score', () => {
  it.each(texts)('%s: removing the 不足 part lowers the score and flags missing-part (shortcomings)', (_, text) => {
    const before = score(text);
    const after = score(withoutSection(text, /不足|存在.{0,4}问题/u));
    expect(after.total).toBeLessThan(before.total);
    expect(after.flags.filter((f) => f.code === 'missing-part').map((f) => f.part)).toContain('shortcomings');
  });

  it.each(['望江镇', '青石镇', '澜滨街道'])('%s: replacing every figure with 若干 costs at least 8 points', (unit) => {
    const text = readFileSync(sampleSources[unit]!, 'utf8');
    // Every quantity, but not the years and dates that place the report in time.
    const vague = text
      .replace(/[0-9０-９]+(?:[.．][0-9０-９]+)?\s*(?:[%％]|余|多)?(?![0-9０-９]*\s*[年月日号〕])/gu, '若干')
      .replace(/[一二两三四五六七八九十百千万]+(?:余|多)?(?=[个名件次场份条项户家人期批篇])/gu, '若干')
      .replace(/百分之百/gu, '若干');
    const before = score(text);
    const after = score(vague);
    console.info(
      `[metamorphic] ${unit}: figures ${before.stats.figures} → ${after.stats.figures}, total ${before.total} → ${after.total} (−${(before.total - after.total).toFixed(2)})`,
    );
    expect(after.stats.figures).toBeLessThan(before.stats.figures / 4);
    expect(before.total - after.total).toBeGreaterThanOrEqual(8);
  });

  /**
   * Sixty sentences made of the rubric's own keywords, as someone gaming the score would write them: for each phrase
   * rule, a plain word that really matches one of its patterns; two to five of them per sentence, in one frame.
   */
  function stuffing(): string[] {
    const keywords = rubric2024.rubric.dimensions
      .flatMap((d) => d.indicators)
      .flatMap((i) => (i.rule.kind === 'phrases' ? i.rule.phrases : []))
      .map((pattern) =>
        pattern
          .split('|')
          .map((alt) => alt.replace(/[()]/gu, ''))
          .find((alt) => /^[\u4e00-\u9fff]{2,10}$/u.test(alt) && new RegExp(pattern, 'u').test(alt)),
      )
      .filter((k): k is string => k !== undefined);
    const unique = [...new Set(keywords)];
    expect(unique.length).toBeGreaterThan(30);
    return Array.from({ length: 60 }, (_, i) => {
      const picked = Array.from({ length: 2 + (i % 4) }, (__, k) => unique[(i * 5 + k * 7) % unique.length]);
      return `我镇全面落实${picked.join('、')}等工作，取得实效。`;
    });
  }

  it.each(texts)('%s: appending 60 sentences stuffed with rubric keywords gains at most 1 point', (_, text) => {
    const before = score(text);
    const appended = score(`${text.trimEnd()}\n${stuffing().join('\n')}`);
    expect(appended.total - before.total).toBeLessThanOrEqual(1);
  });

  it.each(texts)('%s: even inside the 主要举措 part, the stuffing gains at most 1 point', (_, text) => {
    const lines = text.split('\n');
    const measures = lines.findIndex((l) => TOP_HEADING.test(l) && /举措|成效|工作/u.test(l));
    const at = measures >= 0 ? measures + 1 : Math.min(3, lines.length);
    const inserted = [...lines.slice(0, at), ...stuffing(), ...lines.slice(at)].join('\n');
    const before = score(text);
    const after = score(inserted);
    expect(after.total - before.total).toBeLessThanOrEqual(1);
    expect(after.flags.map((f) => f.code)).toContain('keyword-stuffing');
  });

  it.each(texts)('%s: shuffling paragraphs within each section changes no score', (_, text) => {
    const lines = text.split('\n');
    const isHeading = (l: string) => /^\s*(#+\s*)?(\*\*)?([一二三四五六七八九十]+[、.]|[（(][一二三四五六七八九十]+[）)]|\d+[.、])/u.test(l);
    const out: string[] = [];
    let block: string[] = [];
    const flush = (seed: number) => {
      out.push(...shuffled(block, seed));
      block = [];
    };
    lines.forEach((line, i) => {
      // The title block and the first paragraph stay put: they name the unit and the year.
      if (i < 8 || isHeading(line) || line.trim() === '') {
        flush(i);
        out.push(line);
      } else block.push(line);
    });
    flush(lines.length);
    const a = score(text);
    const b = score(out.join('\n'));
    expect(b.total).toBe(a.total);
    expect(b.dimensions.map((d) => d.indicators.map((i) => i.score))).toEqual(a.dimensions.map((d) => d.indicators.map((i) => i.score)));
  });

  it.each(texts)('%s: two runs give byte-identical JSON', (_, text) => {
    expect(JSON.stringify(score(text))).toBe(JSON.stringify(score(text)));
  });
});
