import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { GAZETTEER_TABLE } from '../pipeline/text/gazetteer-data.ts';
import { allTexts, random } from './corpus.ts';

/**
 * Synthetic county-years for the benchmarks: reports mixed from the sentences of every report we have, each filed by
 * a township with a real, distinct name (from the gazetteer the parser itself uses, so the names are ones it reads
 * and vouches for, and the "other units' names" check runs as it would on real reports), and a 成文日期 in the 落款
 * so copy direction is decided by evidence as in practice.
 */

export interface SyntheticFile {
  /** File name, e.g. "0042-青石镇.txt". */
  name: string;
  township: string;
  text: string;
}

export const SYNTHETIC_COUNTY = '临澜县';
export const SYNTHETIC_YEAR = 2024;

/**
 * Distinct township names (镇 and 乡 only: a 街道 reads the same but ranks the same way, and keeping one kind keeps
 * the figures comparable), in a fixed shuffled order so every run uses the same ones.
 */
export function townshipNames(count: number): string[] {
  const text = brotliDecompressSync(Buffer.from(GAZETTEER_TABLE, 'base64')).toString('utf8');
  const names = new Set<string>();
  for (const line of text.split('\n').slice(2)) {
    for (const name of (line.split('\t')[2] ?? '').split('|')) if (/^[\u4e00-\u9fff]{2,4}[镇乡]$/u.test(name)) names.add(name);
  }
  const all = [...names].sort();
  const next = random(7);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  if (all.length < count) throw new Error(`the gazetteer has only ${all.length} distinct township names, ${count} asked`);
  return all.slice(0, count);
}

/**
 * Clauses (split at ，；。) of every report we have. Distinct reports are built from clauses, not whole sentences: a
 * pool of ~700 sentences reused by 2,000 reports would make every report share paragraphs with hundreds of others,
 * which honest reports do not (they share formulae and phrasing, not paragraphs).
 */
function clausePool(): string[] {
  return [
    ...new Set(
      allTexts()
        .flatMap((t) => t.split(/[，；。\n]/u))
        .map((s) => s.trim())
        .filter((s) => (s.match(/[\u4e00-\u9fff]/gu)?.length ?? 0) >= 6 && !/^[一二三四五六七八九十]+、|^（[一二三四五六七八九十]+）/u.test(s)),
    ),
  ];
}

function docDate(next: () => number): string {
  return `${SYNTHETIC_YEAR + 1}年${1 + Math.floor(next() * 3)}月${1 + Math.floor(next() * 28)}日`;
}

function reportText(township: string, next: () => number, pick: () => string): string {
  const paragraph = () => Array.from({ length: 3 + Math.floor(next() * 3) }, pick).join('');
  return [
    `${SYNTHETIC_COUNTY}${township}${SYNTHETIC_YEAR}年法治政府建设情况报告`,
    `${SYNTHETIC_YEAR}年，${township}坚持依法行政，现将有关情况报告如下：`,
    `一、${SYNTHETIC_YEAR}年推进法治政府建设的主要举措和成效`,
    ...Array.from({ length: 12 }, paragraph),
    '二、党政主要负责人履行推进法治建设第一责任人职责情况',
    paragraph(),
    '三、存在的不足和原因',
    paragraph(),
    `四、${SYNTHETIC_YEAR + 1}年工作安排`,
    paragraph(),
    `${SYNTHETIC_COUNTY}${township}人民政府`,
    docDate(next),
  ].join('\n');
}

/** `text` as filed by `township` instead of `from`: the names replaced, a new 成文日期 (a copy keeps the prose). */
function renamed(text: string, from: string, township: string, next: () => number): string {
  const stem = (name: string) => name.replace(/[镇乡]$/u, '');
  return text
    .replaceAll(from, township)
    .replaceAll(stem(from), stem(township))
    .replace(/\d{4}年\d{1,2}月\d{1,2}日$/u, docDate(next));
}

const fileName = (i: number, township: string) => `${String(i).padStart(5, '0')}-${township}.txt`;

/** `count` distinct reports; every 100th copies its neighbour (renamed, re-dated), as a planted copy to find. */
export function distinctReports(count: number, seed = 20241): SyntheticFile[] {
  const next = random(seed);
  const clauses = clausePool();
  const clause = () => clauses[Math.floor(next() * clauses.length)]!.replace(/\d+(?!\d*年)/gu, () => String(Math.floor(next() * 300) + 1));
  const pick = () => `${Array.from({ length: 2 + Math.floor(next() * 3) }, clause).join('，')}。`;
  const names = townshipNames(count);
  const files: SyntheticFile[] = [];
  for (let i = 0; i < count; i++) {
    const township = names[i]!;
    const planted = i % 100 === 99 ? files[i - 1] : undefined;
    const text = planted ? renamed(planted.text, planted.township, township, next) : reportText(township, next, pick);
    files.push({ name: fileName(i, township), township, text });
  }
  return files;
}

/** `count` reports that are copies of `sources` texts (renamed and re-dated): the worst case for copy detection. */
export function nearDuplicateReports(count: number, sources = 16): SyntheticFile[] {
  const originals = distinctReports(sources, 4711);
  const next = random(99);
  const names = townshipNames(count + sources).slice(sources);
  return Array.from({ length: count }, (_, i) => {
    const original = originals[i % sources]!;
    const township = names[i]!;
    return { name: fileName(i, township), township, text: renamed(original.text, original.township, township, next) };
  });
}

/** Writes the files and a fazhi.meta.json stating the county·year they were filed under. */
export function writeCorpus(dir: string, files: readonly SyntheticFile[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'fazhi.meta.json'), JSON.stringify({ county: SYNTHETIC_COUNTY, year: SYNTHETIC_YEAR }));
  for (const file of files) writeFileSync(join(dir, file.name), file.text);
  return dir;
}
