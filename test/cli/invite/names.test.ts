import { describe, expect, it } from 'vitest';
import { checkUnitNames, readUnitLines } from '../../../cli/invite/names.ts';

describe('the unit list of fazhi invite', () => {
  it('reads one unit per line, trimmed, skipping blank lines, # comments and a BOM, with the file\'s line numbers', () => {
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
    const lines = readUnitLines(['乔庄镇', '乔庄/竹园', '城北 街道', '县发改局(粮食局)', '镇', '很'.repeat(31), '县发展和改革局（县粮食和物资储备局）', '阿·镇'].join('\n'));
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
    expect(refused.map((r) => `${r.line}:${r.reason}`)).toEqual(['3:与第 1 行重复', '4:与第 1 行“乔庄镇”是同一单位', '5:与第 2 行“竹园镇”是同一单位', '6:与第 1 行“乔庄镇”是同一单位']);
  });

  it('asks the gazetteer where one is wired in: a township it does not know is refused, a name it cannot judge passes', () => {
    // Prepare: a gazetteer that knows the county's townships and nothing about departments
    const townships = new Set(['乔庄镇', '竹园镇']);
    const knownUnit = (name: string): boolean | undefined => (/[镇乡]$|街道$/u.test(name) ? townships.has(name) : undefined);
    const lines = readUnitLines('乔庄镇\n桥庄镇\n县司法局\n');
    // Act
    const { units, refused } = checkUnitNames(lines, { county: '青川县', knownUnit });
    // Assess
    expect(units.map((u) => u.name)).toEqual(['乔庄镇', '县司法局']);
    expect(refused).toEqual([{ line: 2, name: '桥庄镇', reason: expect.stringContaining('青川县没有“桥庄镇”') as string }]);
  });
});
