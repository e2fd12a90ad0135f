import type { ReportMeta, UnitKind, Warning } from '../../schemas/report.ts';
import { fold } from '../text/fold.ts';

/**
 * Metadata from the title block, the addressee line and the first paragraph. Nothing is invented: a field the text
 * does not give is null, with a warning, and the upload location (S3 key or CLI flags) may fill it in later.
 */

export interface MetaSources {
  titleBlock: readonly string[];
  /** The first body paragraphs (the preamble and the first section's opening), where 我镇/本镇 introduce themselves. */
  opening: readonly string[];
}

// A unit name is a few characters before 镇/乡/街道; these prefixes make common words, not names (全镇, 我镇, 各乡镇).
const NOT_A_NAME = /^(全|我|本|该|各|乡|城|集|村|市|县|区|省|和|与|及|的|在|对|为|到|个|等|共|辖|其|此|两|每|新)$/u;
const ADMIN_PREFIX = /^.*?(?:省|自治区|市|州|盟|地区)(?=.)/u;
const TOWNSHIP = /([\u4e00-\u9fa5]{1,6}?)(街道办事处|街道|镇|乡)(?=人民政府|党委|委员会|政府|办事处|\d|20|关于|法治|年|[，,、。\s：:“]|$)/gu;
const DEPARTMENT = /([\u4e00-\u9fa5]{1,6}?[县区市])([\u4e00-\u9fa5]{2,10}?(?:局|委员会|办公室|中心|委(?!员)))(?=关于|\d|20|[\s，,]|$)/u;
// A county named before 委/人民政府/依法治…, or right before the township (北京市怀柔区渤海镇, 新县沙窝镇).
const COUNTY_NAMED = /([\u4e00-\u9fa5]{1,6}?(?:县|区|旗))(?=委|人民政府|政府|人大|政协|依法治|委员会|全面依法|司法局|法院|检察院)/gu;
const NOT_A_COUNTY_START = /^(全|本|我|该|各|市|县|区|省|城|辖|在|和|对|与|及|由|向|经|按|到|为|并|从|即|新区|地区|社区|小区|园区|景区|开发区|城区|市区|县区)/u;
const TITLE_YEAR = /(20\d{2})\s*年(?:度)?(?:的)?(?:[^,，。]{0,20})?(?:法治|依法行政|报告|情况)/u;
const OPENING_YEAR = /(?:^|[现将我本镇乡])\s*(20\d{2})\s*年(?:度)?/u;
const DOC_NUMBER = /[\u4e00-\u9fa5]{1,10}\s*[〔[(（]\s*(20\d{2})\s*[〕\])）]\s*\d{1,4}\s*号/u;
const SIGNER = /签发人\s*[:：]\s*([\u4e00-\u9fa5·]{2,6}(?:\s[\u4e00-\u9fa5]{1,2})?)/u;
const ISSUER_LINE = /(委员会|人民政府|办事处|政府|局|办公室|党委)$/u;

function cleanTownship(prefix: string, suffix: string): string | null {
  const stripped = prefix.replace(ADMIN_PREFIX, '').replace(/^.*?(?:县|区|旗)(?=.)/u, '');
  const name = stripped.replace(/^(中共|中国共产党|关于)/u, '');
  if (name.length === 0 || NOT_A_NAME.test(name)) return null;
  if (/^(乡|镇)$/u.test(name)) return null;
  const kind = suffix.startsWith('街道') ? '街道' : suffix;
  return `${name}${kind}`;
}

/** In prose a unit names itself at the start of a clause: "2024年，明通镇深入学习…". */
const TOWNSHIP_IN_PROSE = /(?:^|[，,。；;：:\s])((?:[\u4e00-\u9fa5]{1,8}?(?:县|区))?[\u4e00-\u9fa5]{1,4}?)(街道办事处|街道|镇|乡)(?![村区级域内外干政镇街（(])/gu;

export function findTownships(text: string, inProse = false): string[] {
  const names: string[] = [];
  for (const match of fold(text).matchAll(inProse ? TOWNSHIP_IN_PROSE : TOWNSHIP)) {
    const name = cleanTownship(match[1] ?? '', match[2] ?? '');
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

function cleanCounty(raw: string): string | null {
  let name = raw.replace(/^(中共|中国共产党|关于|印发|根据|对标)/u, '');
  // 北京市怀柔区 → 怀柔区: keep the county-level unit, not the city or province before it.
  name = name.replace(/^.*?(?:省|自治区|市|州|盟|地区)(?=[\u4e00-\u9fa5]{1,5}[县区旗]$)/u, '');
  if (name.length < 2 || (NOT_A_COUNTY_START.test(name) && name.length <= 2)) return null;
  // A county name is a proper noun: function words or 政府/委 inside mean the match ran across a phrase (县政府和县).
  if (/^[县区市省]|[政府委的和与及对为在、]/u.test(name)) return null;
  if (/^(社区|小区|园区|景区|城区|市区|县区|辖区|片区|新区|开发区|地区|全区|全县|本县|本区|我县|我区)$/u.test(name)) return null;
  return name;
}

function findCounty(text: string, township: string | null): string | null {
  const folded = fold(text);
  if (township) {
    const before = new RegExp(`([\\u4e00-\\u9fa5]{1,8}?(?:县|区|旗))(?=${township})`, 'u').exec(folded)?.[1];
    const name = before ? cleanCounty(before) : null;
    if (name) return name;
  }
  for (const match of folded.matchAll(COUNTY_NAMED)) {
    const name = cleanCounty(match[1] ?? '');
    if (name) return name;
  }
  return null;
}

function unitKindOf(unit: string): UnitKind {
  if (/街道/u.test(unit)) return 'subdistrict';
  if (/[镇乡]$/u.test(unit)) return 'township';
  if (/(人民政府|政府)$/u.test(unit)) return 'county';
  return 'department';
}

function yearOf(pattern: RegExp, texts: readonly string[]): number | null {
  for (const text of texts) {
    const found = pattern.exec(fold(text))?.[1];
    if (found) return Number(found);
  }
  return null;
}

export function readMeta(sources: MetaSources): { meta: ReportMeta; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const titleLines = sources.titleBlock.map(fold);
  const title =
    titleLines.find((l) => /报\s?告/u.test(l) && /法治|依法行政/u.test(l)) ??
    titleLines.find((l) => /报\s?告|情况|总结/u.test(l) && !/[:：]$/u.test(l)) ??
    null;
  const issuerLines = titleLines.filter((l) => ISSUER_LINE.test(l.replace(/\s+/gu, '')) && l.length <= 50 && !/[:：]$/u.test(l));
  const addressee = titleLines.find((l) => /[:：]$/u.test(l)) ?? null;

  // The unit: a township in the title, else a county department in the title or issuer line (临澜县司法局), else a
  // township in the issuer line, else the opening paragraph ("2024年，明通镇深入学习…").
  let township: string | null = null;
  let unitKind: UnitKind | null = null;
  const firstTownship = (texts: readonly string[], inProse: boolean): string | null => {
    for (const text of texts) {
      const found = findTownships(text, inProse)[0];
      if (found) return found;
    }
    return null;
  };
  township = firstTownship(title ? [title] : [], false);
  if (!township) {
    for (const text of [title ?? '', ...issuerLines]) {
      const department = DEPARTMENT.exec(fold(text));
      // A township's own Party committee (渤海镇委员会) is not a county department.
      if (department?.[2] && !/人民政府$|镇|乡|街道|[县区市]/u.test(department[2])) {
        township = department[2];
        unitKind = 'department';
        break;
      }
    }
  }
  township ??= firstTownship(issuerLines, false) ?? firstTownship(sources.opening.slice(0, 3), true);
  if (township && unitKind === null) unitKind = unitKindOf(township);
  if (!township) {
    const countyGovernment = [title ?? '', ...issuerLines].map((t) => /([\u4e00-\u9fa5]{1,5}[县区])人民政府/u.exec(fold(t))?.[1]).find(Boolean);
    if (countyGovernment) {
      township = `${countyGovernment}人民政府`;
      unitKind = 'county';
    }
  }

  const county =
    [title ?? '', ...issuerLines, addressee ?? '', ...sources.opening.slice(0, 3)]
      .map((text) => findCounty(text, township))
      .find((c) => c !== null) ?? null;

  const year =
    yearOf(TITLE_YEAR, title ? [title] : []) ??
    yearOf(OPENING_YEAR, sources.opening.slice(0, 2)) ??
    yearOf(TITLE_YEAR, sources.opening.slice(0, 2)) ??
    null;

  const docNumberMatch = titleLines.map((l) => DOC_NUMBER.exec(l)?.[0]).find(Boolean) ?? null;
  const signerMatch = titleLines.map((l) => SIGNER.exec(l)?.[1]).find(Boolean) ?? null;
  // "XX镇人民政府关于…的报告": the issuer is the title's own opening when no line of its own names it.
  const titleIssuer = title ? /^(.{2,60}?(?:委员会|人民政府|办事处|政府|局|党委))关于/u.exec(title)?.[1] : undefined;
  const issuer =
    issuerLines.length > 0 ? issuerLines.join(' ') : titleIssuer ? titleIssuer.replace(/(委员会|人民政府|办事处)(?=.)/gu, '$1 ') : null;

  const meta: ReportMeta = {
    title: title ? title.replace(/\s+/gu, ' ').trim() : null,
    issuer,
    township,
    county,
    year,
    unitKind,
    docNumber: docNumberMatch ? docNumberMatch.replace(/\s+/gu, '') : null,
    signer: signerMatch ? signerMatch.replace(/\s+/gu, '') : null,
  };
  const missing: [keyof ReportMeta, string][] = [
    ['title', '未找到报告标题'],
    ['township', '未能从标题、发文机关或首段识别报告单位（乡镇/街道/部门）'],
    ['county', '正文未写明所属县（区）'],
    ['year', '未能识别报告所属年度'],
  ];
  for (const [field, message] of missing) {
    if (meta[field] === null) warnings.push({ code: `meta-missing:${field}`, message });
  }
  return { meta, warnings };
}
