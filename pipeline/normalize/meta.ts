import type { ReportMeta, UnitKind, Warning } from '../../schemas/report.ts';
import { fold } from '../text/fold.ts';
import { countiesNamed, isCountyName, townshipInfo } from '../text/gazetteer.ts';

/**
 * What a report says about itself: its unit (乡镇, 街道, county department or county government) and the unit's kind,
 * the county it names, the year it reports on, 文号, 签发人 and 成文日期. This is evidence, never the scope: the
 * county·year an upload was filed under decides its ranking group (normalize/index.ts), and what the text says is
 * only checked against it. Nothing is invented: a field the text does not give is null, with a warning.
 *
 * Where each field is read, in order: the title, the issuing body (版头 above the title or 落款 at the end), the
 * opening ("2024年，明通镇深入学习…", "现将我局2024年…报告如下"), and a quoted report title 《…》 as a last resort.
 * A county name counts only when it is a real county-level division (the gazetteer) or the scope's own county.
 */

export interface MetaSources {
  titleBlock: readonly string[];
  /** The first body paragraphs (the preamble and the first section's opening), where 我镇/本镇 introduce themselves. */
  opening: readonly string[];
  /** The last lines: the closing (落款: issuing body, date) and the last body paragraphs before it, in order. */
  closing?: readonly string[];
  /** Every body paragraph: the year most of the body speaks of, when nothing states the year. */
  body?: readonly string[];
  /** County names the scope vouches for (the upload's county), accepted beside the gazetteer's. */
  knownCounties?: readonly string[];
}

type UnitSource = NonNullable<ReportMeta['unitSource']>;

interface Mention {
  /** The unit's name without its county: "均口镇", "司法局", "人民政府". */
  name: string;
  kind: UnitKind;
  /** The county written before it ("建宁县", "县" when only 县 is written), or null. */
  county: string | null;
  /** Whether the county is a real one (gazetteer or scope), so the full name can carry it. */
  countyKnown: boolean;
}

const HAN_RUN = '[\\u4e00-\\u9fff]';
/** Characters that never occur in a unit's proper name but do in the phrases around it ("现将我镇", "各乡镇"). */
const FUNCTION_CHARS = /[我本全各该此每其这那的了在对与及是为把被从向按由等并以于之个们有无不要会能可已也都还就才又再更最很所着过将现共经月日]/u;
/** A township's name before 镇/乡/街道 that is really a common word: 乡镇, 城镇, 集镇, 城乡, 村镇… */
const NOT_A_STEM = /^(全|我|本|该|各|乡|城|集|村|市|县|区|省|和|与|及|的|在|对|为|到|个|等|共|辖|其|此|两|每|新|小|重点|特色|中心|建制)$|[乡镇村城]$/u;
const LEADING_WORDS = /^(?:中共|中国共产党|关于|根据|现将|按照|对标|印发|在)+/u;
/** Province and prefecture names before a county ("北京市", "福建省三明市"): never part of the unit's name. */
const PROVINCE_OR_CITY = /^[\u4e00-\u9fff]{2,9}?(?:省|自治区|特别行政区)|^[\u4e00-\u9fff]{1,6}?(?:市|州|盟|地区)(?=[\u4e00-\u9fff]{2})/u;
/** A county-looking prefix when the gazetteer does not know it (a new or renamed county, or the fictional 临澜县). */
const GENERIC_COUNTY = /^([\u4e00-\u9fff]{1,6}?[县区旗])(?=[\u4e00-\u9fff])/u;
/** Words after a unit's name in a title, an issuing line or an opening: 均口镇人民政府, 均口镇2023年, 渤海镇关于… */
const AFTER_NAME = '(?=人民政府|政府|党委|党组|委员会|办事处|关于|法治|党政|年度|[^\\u4e00-\\u9fff]|$)';
/** In prose a unit names itself at the start of a clause and then acts: "2024年，明通镇深入学习…". */
const AFTER_NAME_IN_PROSE =
  '(?=人民政府|政府|党委|党组|委员会|办事处|坚持|深入|始终|认真|紧紧|紧扣|全面|按照|围绕|聚焦|立足|持续|扎实|积极|着力|结合|严格|不断|进一步|牢牢|高度|切实|大力|贯彻|落实|以|在|把|将|[^\\u4e00-\\u9fff]|$)';
const CLAUSE_START = '(?:^|(?<=[，,。；;：:、\\s]))';
const TOWNSHIP_SUFFIX = '(街道办事处|街道|镇|乡|苏木)';
const DEPARTMENT_SUFFIX = '(委员会|办公室|局|委|办|中心|大队|署)';
/** A department's own words are never these: the Party committee, the 依法治县办, the 人大, 政协, courts. */
const NOT_A_DEPARTMENT = /^(?:党|党委|县委|区委|旗委|市委)$|依法治|人民代表大会|人大|政协|法院|检察院/u;
/** Department words that name the unit even without a county before them ("城管局", "司法局"). */
const BARE_DEPARTMENT =
  /^(城管|城市管理|司法|教育|教体|公安|民政|财政|审计|统计|信访|商务|林业|水利|交通|应急|医保|医疗保障|人社|人力资源和社会保障|住建|住房和城乡建设|发改|发展和改革|卫健|卫生健康|市监|市场监督管理|文旅|文化和旅游|自然资源|生态环境|农业农村|退役军人事务|综合行政执法|行政审批)/u;
/** A county name of two characters (新县, 和县) is also a pair of ordinary words: only at the start of a name. */
const SHORT_COUNTY_BEFORE = /(?:^|[省市州盟])$/u;
const TITLE_YEAR = /(20\d{2})\s*年(?:度)?/u;
const QUOTED = /《[^》]*》|〈[^〉]*〉/gu;
/** A span of years ("2021-2025年", "2021—2025年", "2021至2025年"): its end is not the year reported on. */
const YEAR_RANGE = /20\d{2}\s*年?\s*[-－—–~～至到]\s*20\d{2}\s*年?/gu;
const DOC_NUMBER = /[\u4e00-\u9fa5]{1,10}\s*[〔[(（]\s*(20\d{2})\s*[〕\])）]\s*\d{1,4}\s*号/u;
const SIGNER = /签发人\s*[:：]\s*([\u4e00-\u9fa5·]{2,6}(?:\s[\u4e00-\u9fa5]{1,2})?)/u;
const ISSUER_LINE = /(委员会|人民政府|办事处|政府|局|办公室|党委|党组|委|办|中心)$/u;
/** The opening sentence of most reports: "现将我镇2024年法治政府建设情况报告如下". */
const REPORTING_SENTENCE = /现将([^。；]{0,60}?)(?:报告|汇报|总结)如下/u;
/** A title run into the first paragraph when line breaks were lost: "…县教育局关于2024年度…的报告 2024年，…". */
const RUN_IN_TITLE = /^([^，。,；;：:]{4,70}?(?:报告|总结))(?=\s*20\d{2}\s*年|\s+\S)/u;

const DATE_DIGITS = /(20\d{2})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?/u;
const DATE_HAN = /([二〇○零一三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月(?:\s*([一二三四五六七八九十]{1,3})\s*日)?/u;
/** A closing line that is only a date (and perhaps brackets): the 成文日期 under the signature. */
const DATE_LINE_MAX_CHARS = 24;

const KIND_OF_SELF: Record<string, UnitKind> = {
  镇: 'township',
  乡: 'township',
  街道: 'subdistrict',
  局: 'department',
  委: 'department',
  县: 'county',
  区: 'county',
  旗: 'county',
};

const han = (s: string): string => s.replace(/[^\u4e00-\u9fff]/gu, '');

function stripQuotedAndRanges(text: string): string {
  return text.replace(QUOTED, ' ').replace(YEAR_RANGE, ' ');
}

/**
 * Splits a run of characters before a unit's suffix into the county written before it and the unit's own words:
 * "中共北京市怀柔区渤海" → 怀柔区 + 渤海; "临澜县司法" → 临澜县 + 司法 (the scope's county); "县司法" → 县 + 司法.
 */
function isRealCounty(run: string, start: number, end: number, known: ReadonlySet<string>): boolean {
  const candidate = run.slice(start, end);
  if (!isCountyName(candidate) && !known.has(candidate)) return false;
  return candidate.length > 2 || SHORT_COUNTY_BEFORE.test(run.slice(0, start).replace(LEADING_WORDS, ''));
}

function splitCounty(run: string, known: ReadonlySet<string>): { county: string | null; countyKnown: boolean; rest: string } {
  const stem = run.replace(LEADING_WORDS, '');
  // The rightmost real county ending inside the run: the unit's words follow it.
  for (let end = stem.length - 1; end >= 2; end--) {
    if (!/[县区旗市]/u.test(stem[end - 1] ?? '')) continue;
    for (let start = 0; start <= end - 2; start++) {
      if (isRealCounty(stem, start, end, known)) return { county: stem.slice(start, end), countyKnown: true, rest: stem.slice(end) };
    }
  }
  const withoutCity = stem.replace(PROVINCE_OR_CITY, '');
  const generic = GENERIC_COUNTY.exec(withoutCity)?.[1];
  if (generic && !/^[全本我该各]/u.test(generic)) return { county: generic, countyKnown: false, rest: withoutCity.slice(generic.length) };
  if (/^[县区]/u.test(withoutCity)) return { county: withoutCity[0]!, countyKnown: false, rest: withoutCity.slice(1) };
  return { county: null, countyKnown: false, rest: withoutCity };
}

function townshipMention(run: string, suffix: string, known: ReadonlySet<string>, strict: boolean): Mention | null {
  const kindSuffix = suffix.startsWith('街道') ? '街道' : suffix;
  const whole = run.replace(LEADING_WORDS, '');
  // A name the gazetteer knows as it stands (旗下营镇, 新市镇) is not split at a 县/区/旗/市 inside it.
  for (let start = 0; start < whole.length; start++) {
    const candidate = `${whole.slice(start)}${kindSuffix}`;
    if (start > 0 && !/[县区旗市]/u.test(whole[start - 1] ?? '')) continue;
    if (townshipInfo(candidate) && !NOT_A_STEM.test(whole.slice(start))) {
      const county = start > 0 ? splitCounty(whole.slice(0, start) + '镇', known) : null;
      return {
        name: candidate,
        kind: kindSuffix === '街道' ? 'subdistrict' : 'township',
        county: county?.county ?? null,
        countyKnown: county?.countyKnown ?? false,
      };
    }
  }
  const split = splitCounty(whole, known);
  const { county, countyKnown } = split;
  // 临澜县人民政府澜滨街道办事处: the subdistrict office of the county government.
  const rest = split.rest.replace(/^(?:人民政府|政府)/u, '');
  // In prose, a name the gazetteer does not know must be short and plain ("2024年，云岭镇深入…").
  if (rest.length === 0 || rest.length > (strict ? 4 : 10) || NOT_A_STEM.test(rest) || FUNCTION_CHARS.test(rest)) return null;
  return { name: `${rest}${kindSuffix}`, kind: kindSuffix === '街道' ? 'subdistrict' : 'township', county, countyKnown };
}

function departmentMention(run: string, suffix: string, known: ReadonlySet<string>): Mention | null {
  const { county, countyKnown, rest } = splitCounty(run, known);
  const words = `${rest}${suffix}`;
  if (rest.length === 0 || rest.length > 14 || /^[镇乡]/u.test(rest) || /(街道|镇|乡)$/u.test(rest)) return null;
  // The county government itself (政府, 人民政府) is not a department; its office (人民政府办公室) is.
  if (/^(?:人民政府|政府)$/u.test(rest) && !suffix.startsWith('办')) return null;
  if (NOT_A_DEPARTMENT.test(rest) || NOT_A_DEPARTMENT.test(words) || FUNCTION_CHARS.test(rest.replace(/和/gu, ''))) return null;
  if (county === null && !BARE_DEPARTMENT.test(rest)) return null;
  return { name: words, kind: 'department', county, countyKnown };
}

function countyGovernmentMention(run: string, known: ReadonlySet<string>): Mention | null {
  const stem = run.replace(LEADING_WORDS, '').replace(PROVINCE_OR_CITY, '');
  // "中共陵川县委 陵川县人民政府": the county that ends the run, whatever names it before.
  for (let start = 0; start <= stem.length - 2; start++) {
    if (isRealCounty(stem, start, stem.length, known)) return { name: '人民政府', kind: 'county', county: stem.slice(start), countyKnown: true };
  }
  if (/^[\u4e00-\u9fff]{1,6}[县区旗]$/u.test(stem) && !/^[全本我该各]|[委府的和与及]/u.test(stem))
    return { name: '人民政府', kind: 'county', county: stem, countyKnown: false };
  if (/^[县区]$/u.test(stem)) return { name: '人民政府', kind: 'county', county: stem, countyKnown: false };
  return null;
}

/** The units named in a title, issuing line or closing line, most specific first (a township before its county). */
function unitsIn(line: string, known: ReadonlySet<string>, prose: boolean): Mention[] {
  if (prose) return unitsInText(fold(line).replace(QUOTED, '《》'), known, true);
  // "中共临澜县委 临澜县人民政府关于…": a space separates issuing bodies; "…情况的 报 告": or is only spacing.
  const segments = fold(line).split(/\s+/u).filter(Boolean);
  const inSegments = segments.length > 1 ? segments.flatMap((segment) => unitsInText(segment, known, false)) : [];
  return inSegments.length > 0 ? sortBySpecificity(inSegments) : unitsInText(fold(line).replace(/\s+/gu, ''), known, false);
}

const SPECIFICITY: Record<UnitKind, number> = { township: 0, subdistrict: 0, department: 1, county: 2 };
const sortBySpecificity = (mentions: Mention[]): Mention[] =>
  mentions
    .map((m, i) => ({ m, i }))
    .sort((a, b) => SPECIFICITY[a.m.kind] - SPECIFICITY[b.m.kind] || a.i - b.i)
    .map((x) => x.m);

/** Prose (a clause that starts with the unit and goes on to act) or one title/issuing segment. */
function unitsInText(text: string, known: ReadonlySet<string>, prose: boolean): Mention[] {
  const after = prose ? AFTER_NAME_IN_PROSE : AFTER_NAME;
  const start = prose ? CLAUSE_START : '';
  const found: { at: number; mention: Mention }[] = [];
  for (const m of text.matchAll(new RegExp(`${start}(${HAN_RUN}{1,20}?)${TOWNSHIP_SUFFIX}${after}`, 'gu'))) {
    const mention = townshipMention(m[1] ?? '', m[2] ?? '', known, prose);
    if (mention) found.push({ at: m.index, mention });
  }
  for (const m of text.matchAll(
    new RegExp(
      `${start}(${HAN_RUN}{1,22}?)${DEPARTMENT_SUFFIX}(?=关于|党组|[^\\u4e00-\\u9fff]|$${prose ? '|坚持|深入|始终|认真|紧紧|全面|按照|围绕|聚焦|立足|持续|扎实|积极|着力|严格|不断|以|在' : ''})`,
      'gu',
    ),
  )) {
    const mention = departmentMention(m[1] ?? '', m[2] ?? '', known);
    if (mention) found.push({ at: m.index, mention });
  }
  if (prose) {
    // "2024年，XX县坚持…": a county government introducing itself. (Not "在县委、县政府领导下": every unit writes that.)
    for (const m of text.matchAll(
      new RegExp(`${start}(${HAN_RUN}{1,8}?[县区旗])(?=坚持|深入|始终|认真|紧紧|全面|围绕|聚焦|立足|持续|扎实|积极|着力|严格|不断|以)`, 'gu'),
    )) {
      const mention = countyGovernmentMention(m[1] ?? '', known);
      if (mention && mention.county !== '县' && mention.county !== '区') found.push({ at: m.index, mention });
    }
  } else {
    for (const m of text.matchAll(new RegExp(`(${HAN_RUN}{1,14}?)(?:人民政府|政府|委员会|委)(?=关于|[^\\u4e00-\\u9fff]|$)`, 'gu'))) {
      const mention = countyGovernmentMention(m[1] ?? '', known);
      if (mention) found.push({ at: m.index, mention });
    }
    // A title that opens with the county and its year: "XX区2023年度法治政府建设情况报告".
    const opening = new RegExp(`^(?:中共)?(${HAN_RUN}{1,10}?[县区旗市])(?=\\s*20\\d{2}\\s*年)`, 'u').exec(text);
    const mention = opening?.[1] ? countyGovernmentMention(opening[1], known) : null;
    if (mention && (mention.countyKnown || !/市$/u.test(opening![1]!))) found.push({ at: 0, mention });
  }
  return sortBySpecificity(found.sort((a, b) => a.at - b.at).map((f) => f.mention));
}

/** The kind a unit gives itself in its opening: "现将我局…", "我镇…", "本街道…". */
function selfKind(opening: readonly string[]): UnitKind | null {
  for (const text of opening) {
    const folded = fold(text);
    const reporting = REPORTING_SENTENCE.exec(folded)?.[1] ?? '';
    const self = /(?:我|本)(街道|镇|乡|局|委|县|区|旗)/u.exec(reporting) ?? /(?:^|[，,。；;])(?:我|本)(街道|镇|乡|局|委)/u.exec(folded);
    if (self?.[1]) return KIND_OF_SELF[self[1]] ?? null;
  }
  return null;
}

/** The first county named in `text` that is a real one: "中共建宁县委、建宁县人民政府：" → 建宁县. */
function countyNamedIn(text: string, known: ReadonlySet<string>): string | null {
  const folded = fold(text);
  for (const m of folded.matchAll(
    /([\u4e00-\u9fff]{2,12}?[县区旗市])(?=委|人民政府|政府|人大|政协|依法治|委员会|全面依法|司法局|法院|检察院|[\u4e00-\u9fff]{1,8}?(?:镇|乡|街道)(?:人民政府|党委|委员会))/gu,
  )) {
    const run = m[1] ?? '';
    for (let start = 0; start <= run.length - 2; start++) {
      if (isRealCounty(run, start, run.length, known)) return run.slice(start);
    }
  }
  return null;
}

function yearIn(text: string): number | null {
  const found = TITLE_YEAR.exec(stripQuotedAndRanges(fold(text)))?.[1];
  return found ? Number(found) : null;
}

/** The year of the opening: "现将我镇2024年…报告如下", "2024年，…", "我镇2024年…". Never a year inside 《…》. */
function openingYear(opening: readonly string[]): number | null {
  for (const text of opening.slice(0, 3)) {
    const folded = stripQuotedAndRanges(fold(text));
    const reporting = REPORTING_SENTENCE.exec(folded)?.[1];
    const year = (reporting ? TITLE_YEAR.exec(reporting)?.[1] : undefined) ?? /^\s*(20\d{2})\s*年(?:度)?(?:以来)?[，,\s]/u.exec(folded)?.[1];
    if (year) return Number(year);
  }
  return null;
}

/** The year most of the body speaks of (ties: the earlier, since the plans speak of the next year). */
function bodyYear(body: readonly string[]): number | null {
  const counts = new Map<number, number>();
  for (const text of body)
    for (const m of stripQuotedAndRanges(fold(text)).matchAll(/(20\d{2})\s*年/gu)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? null;
}

const HAN_DIGITS: Record<string, number> = { 〇: 0, '○': 0, 零: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

function hanNumber(text: string): number {
  if (text.includes('十')) {
    const [tens = '', ones = ''] = text.split('十');
    return (tens ? (HAN_DIGITS[tens] ?? 0) : 1) * 10 + (ones ? (HAN_DIGITS[ones] ?? 0) : 0);
  }
  return Number([...text].map((c) => HAN_DIGITS[c] ?? 0).join(''));
}

/** 成文日期: the date under the signature, as "YYYY-MM-DD" (or "YYYY-MM" when the day is not written). */
export function readDocDate(lines: readonly string[]): string | null {
  for (const line of [...lines].reverse()) {
    const text = fold(line)
      .replace(/\s+/gu, '')
      .replace(/^[(（]|[)）]$/gu, '');
    if (text.length > DATE_LINE_MAX_CHARS) continue;
    const digits = DATE_DIGITS.exec(text);
    const hanDate = digits ? null : DATE_HAN.exec(text);
    const parts = digits
      ? [Number(digits[1]), Number(digits[2]), digits[3] ? Number(digits[3]) : null]
      : hanDate
        ? [hanNumber(hanDate[1]!), hanNumber(hanDate[2]!), hanDate[3] ? hanNumber(hanDate[3]) : null]
        : null;
    if (!parts) continue;
    const [year, month, day] = parts as [number, number, number | null];
    if (month < 1 || month > 12 || (day !== null && (day < 1 || day > 31))) continue;
    const pad = (n: number) => String(n).padStart(2, '0');
    return day === null ? `${year}-${pad(month)}` : `${year}-${pad(month)}-${pad(day)}`;
  }
  return null;
}

export interface MetaReading {
  meta: ReportMeta;
  warnings: Warning[];
}

export function readMeta(sources: MetaSources): MetaReading {
  const warnings: Warning[] = [];
  const known = new Set((sources.knownCounties ?? []).filter((c) => c.length >= 2));
  const titleLines = sources.titleBlock.map(fold);
  let title =
    titleLines.find((l) => /报\s?告/u.test(l) && /法治|依法行政/u.test(l)) ??
    titleLines.find((l) => /报\s?告|情况|总结/u.test(l) && !/[:：]$/u.test(l)) ??
    null;
  let opening = sources.opening;
  // A flattened document: the title and the first sentence arrive as one line.
  if (!title && opening[0]) {
    const runIn = RUN_IN_TITLE.exec(fold(opening[0]).trim())?.[1];
    if (runIn && /法治|依法行政/u.test(runIn)) {
      title = runIn.trim();
      opening = [fold(opening[0]).trim().slice(runIn.length).trim(), ...opening.slice(1)];
    }
  }
  const issuerLines = titleLines.filter((l) => l !== title && ISSUER_LINE.test(l.replace(/\s+/gu, '')) && l.length <= 50 && !/[:：]$/u.test(l));
  const addressee = titleLines.find((l) => /[:：]$/u.test(l)) ?? null;
  const closing = sources.closing ?? [];
  const closingIssuers = closing.filter((l) => ISSUER_LINE.test(fold(l).replace(/\s+/gu, '')) && fold(l).length <= 50);

  // The unit: the title, the issuing lines above it, the 落款 below, the opening, then a quoted report title.
  const quotedTitles = opening
    .flatMap((t) => [...fold(t).matchAll(/《([^》]*(?:报告|总结)[^》]*)》/gu)].map((m) => m[1] ?? ''))
    .filter((q) => /法治|依法行政/u.test(q));
  const reportingSentences = opening.map((t) => REPORTING_SENTENCE.exec(fold(t))?.[1] ?? '').filter(Boolean);
  const candidates: [UnitSource, readonly string[], boolean][] = [
    ['title', title ? [title] : [], false],
    ['issuer', issuerLines, false],
    ['closing', closingIssuers, false],
    ['opening', [...reportingSentences, ...opening.slice(0, 3)], true],
    ['quoted', quotedTitles, false],
  ];
  let unit: Mention | null = null;
  let unitSource: UnitSource | null = null;
  for (const [source, lines, prose] of candidates) {
    for (const line of lines) {
      unit = unitsIn(line, known, prose)[0] ?? null;
      if (unit) break;
    }
    if (unit) {
      unitSource = source;
      break;
    }
  }
  // "县司法局" in the title, "临澜县司法局" in the 落款: the unit by the fullest name the report gives it.
  if (unit && (unit.kind === 'department' || unit.kind === 'county') && (unit.county ?? '').length < 2) {
    const named = unit;
    const fuller = candidates
      .flatMap(([, lines, prose]) => lines.flatMap((line) => unitsIn(line, known, prose)))
      .find((m) => m.kind === named.kind && m.name === named.name && (m.county ?? '').length >= 2);
    if (fuller) unit = fuller;
  }
  const self = selfKind(opening);
  if (!unit && self === 'county') {
    // "现将我县2024年…报告如下" with no unit named anywhere: the county government, its county unknown.
    unit = { name: '人民政府', kind: 'county', county: '县', countyKnown: false };
    unitSource = 'opening';
  }
  const township = unit ? (unit.kind === 'township' || unit.kind === 'subdistrict' ? unit.name : `${unit.county ?? ''}${unit.name}`) : null;

  // The county the text names: before the unit, in the addressee line, or in the opening.
  const county =
    (unit?.countyKnown ? unit.county : null) ??
    [title ?? '', ...issuerLines, ...closingIssuers, addressee ?? '', ...opening.slice(0, 3)]
      .map((text) => countyNamedIn(text, known))
      .find((c) => c !== null) ??
    null;
  const gazetteerTownship = unit && (unit.kind === 'township' || unit.kind === 'subdistrict') ? townshipInfo(unit.name) : null;
  const countyHint = gazetteerTownship?.county?.name ?? null;

  const titleYear = title ? yearIn(title) : null;
  const fromOpening = openingYear(opening);
  const fromBody = titleYear ?? fromOpening ?? bodyYear(sources.body ?? []);
  const year = titleYear ?? fromOpening ?? fromBody;
  if (titleYear === null && fromOpening === null && fromBody !== null) {
    warnings.push({ code: 'meta-inferred:year', message: `标题和首段均未写明所属年度，按正文中最常出现的年份记为 ${fromBody} 年，请核实` });
  }

  const docNumberMatch = titleLines.map((l) => DOC_NUMBER.exec(l)?.[0]).find(Boolean) ?? null;
  const signerMatch = titleLines.map((l) => SIGNER.exec(l)?.[1]).find(Boolean) ?? null;
  // "XX镇人民政府关于…": the issuer is the title's own opening when no line of its own names it.
  const titleIssuer = title ? /^(.{2,60}?(?:委员会|人民政府|办事处|政府|局|党委))关于/u.exec(title)?.[1] : undefined;
  const issuer =
    issuerLines.length > 0
      ? issuerLines.join(' ')
      : titleIssuer
        ? titleIssuer.replace(/(委员会|人民政府|办事处)(?=.)/gu, '$1 ')
        : closingIssuers.length > 0
          ? closingIssuers.map((l) => fold(l).trim()).join(' ')
          : null;

  const meta: ReportMeta = {
    title: title ? title.replace(/\s+/gu, ' ').trim() : null,
    issuer,
    township,
    county,
    year,
    unitKind: unit?.kind ?? self ?? null,
    docNumber: docNumberMatch ? docNumberMatch.replace(/\s+/gu, '') : null,
    signer: signerMatch ? signerMatch.replace(/\s+/gu, '') : null,
    unitSource,
    countyHint,
    docDate: readDocDate([...titleLines.filter((l) => /^[(（].*[)）]$/u.test(l.trim())), ...closing]),
  };
  const missing: [keyof ReportMeta, string][] = [
    ['title', '未找到报告标题'],
    ['township', '未能从标题、发文机关、落款或首段识别报告单位（乡镇/街道/部门/县政府）'],
    ['unitKind', '未能识别报告单位的类别（乡镇、街道、县直部门或县政府），单独排名，不与乡镇（街道）比较'],
    ['year', '未能识别报告所属年度'],
  ];
  for (const [field, message] of missing) {
    if (meta[field] === null) warnings.push({ code: `meta-missing:${field}`, message });
  }
  return { meta, warnings };
}

/** Whether a county name the text gives names the same county as the scope ("怀柔区" and "北京市怀柔区" do). */
export function sameCounty(text: string, scope: string): boolean {
  const a = han(text);
  const b = han(scope);
  return a === b || b.endsWith(a) || a.endsWith(b) || countiesNamed(a).some((c) => `${c.province}${c.city}${c.name}`.endsWith(b));
}
