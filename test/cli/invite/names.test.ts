import { describe, expect, it } from 'vitest';
import { checkUnitNames, gazetteerUnits, readUnitLines, type KnownUnit } from '../../../cli/invite/names.ts';

describe('the unit list of fazhi invite', () => {
  it("reads one unit per line, trimmed, skipping blank lines, # comments and a BOM, with the file's line numbers", () => {
    // Prepare
    const text = '\uFEFF# 青川县 2024\r\n乔庄镇\r\n\r\n  竹园镇  \r\n# 部门\r\n县司法局\r\n';
    // Act
    const lines = readUnitLines(text);
    // Assess
    expect(lines).toEqual([
      { line: 2, name: '乔庄镇' },
      { line: 4, name: '竹园镇' },
      { line: 6, name: '县司法局' },
    ]);
  });

  it('refuses odd characters, too short or too long names, each with its reason, and keeps the rest', () => {
    // Prepare
    const lines = readUnitLines(
      ['乔庄镇', '乔庄/竹园', '城北 街道', '县发改局(粮食局)', '镇', '很'.repeat(31), '县发展和改革局（县粮食和物资储备局）', '阿·镇'].join('\n'),
    );
    // Act
    const { units, refused } = checkUnitNames(lines, { county: '青川县' });
    // Assess
    expect(units.map((u) => u.name)).toEqual(['乔庄镇', '县发展和改革局（县粮食和物资储备局）', '阿·镇']);
    expect(refused.map((r) => [r.line, r.reason])).toEqual([
      [2, expect.stringContaining('“/”')],
      [3, expect.stringContaining('空格')],
      [4, expect.stringMatching(/“\(”、“\)”.*中文括号/u)],
      [5, expect.stringContaining('太短')],
      [6, expect.stringContaining('太长（31 个字，上限 30）')],
    ]);
  });

  it('refuses a unit listed twice, also when written another way (人民政府, the county prefix, traditional characters)', () => {
    // Prepare
    const lines = readUnitLines(['乔庄镇', '竹园镇', '乔庄镇', '乔庄镇人民政府', '青川县竹园镇', '喬莊鎮'].join('\n'));
    // Act
    const { units, refused } = checkUnitNames(lines, { county: '青川县' });
    // Assess
    expect(units.map((u) => u.name)).toEqual(['乔庄镇', '竹园镇']);
    expect(refused.map((r) => `${r.line}:${r.reason}`)).toEqual([
      '3:与第 1 行重复',
      '4:与第 1 行“乔庄镇”是同一单位',
      '5:与第 2 行“竹园镇”是同一单位',
      '6:与第 1 行“乔庄镇”是同一单位',
    ]);
  });

  it('warns about a township a gazetteer places in another county, accepts it all the same, and passes what it cannot judge', () => {
    // Prepare: a gazetteer that knows two townships of the county, one of another county, and nothing about departments
    const knownUnit = (name: string): KnownUnit =>
      name === '乔庄镇' || name === '竹园镇' ? { kind: 'here' } : name === '均口镇' ? { kind: 'elsewhere', county: '福建省三明市建宁县' } : { kind: 'unknown' };
    const lines = readUnitLines('乔庄镇\n均口镇\n县司法局\n');
    // Act
    const { units, refused, warnings } = checkUnitNames(lines, { county: '青川县', knownUnit });
    // Assess
    expect(units.map((u) => u.name)).toEqual(['乔庄镇', '均口镇', '县司法局']);
    expect(refused).toEqual([]);
    expect(warnings).toEqual([{ line: 2, name: '均口镇', warning: expect.stringContaining('“均口镇”属于福建省三明市建宁县，不属于青川县') as string }]);
  });
});

describe('the national gazetteer as the unit check of fazhi invite', () => {
  it('knows the townships of the county, however the list writes them (人民政府, the county prefix, traditional characters)', () => {
    // Prepare
    const known = gazetteerUnits('青川县')!;
    // Act
    const answers = ['乔庄镇', '乔庄镇人民政府', '青川县竹园镇', '喬莊鎮', '木鱼镇'].map(known);
    // Assess
    expect(answers).toEqual(Array(5).fill({ kind: 'here' }));
  });

  it("names the county of a township or subdistrict unique in the country that is not this county's", () => {
    // Prepare
    const known = gazetteerUnits('青川县')!;
    // Act / Assess
    expect(known('均口镇')).toEqual({ kind: 'elsewhere', county: '福建省三明市建宁县' });
    expect(known('东华门街道')).toEqual({ kind: 'elsewhere', county: '北京市东城区' });
    // 旗下营镇 is read as written (the unit-folder key would drop its leading 旗).
    expect(gazetteerUnits('卓资县')!('旗下营镇')).toEqual({ kind: 'here' });
  });

  it('cannot judge a department, an unknown name, or a name several other counties have; nor any name of a county it does not know', () => {
    // Prepare
    const known = gazetteerUnits('青川县')!;
    // Act / Assess
    expect(['县司法局', '青川县教育局', '河湾镇', '白沙镇'].map(known)).toEqual(Array(4).fill({ kind: 'unknown' }));
    expect(gazetteerUnits('临澜县')).toBeNull();
  });

  it("accepts every line of a real county's list that is well formed, warning only about the other county's township", () => {
    // Prepare
    const lines = readUnitLines('乔庄镇\n竹园镇人民政府\n均口镇\n白沙镇\n县司法局\n县发展和改革局（县粮食和物资储备局）\n');
    // Act
    const { units, refused, warnings } = checkUnitNames(lines, { county: '青川县', knownUnit: gazetteerUnits('青川县')! });
    // Assess
    expect(units).toHaveLength(6);
    expect(refused).toEqual([]);
    expect(warnings.map((w) => w.name)).toEqual(['均口镇']);
  });
});
