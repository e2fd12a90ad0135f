// printable (pipeline/workbook/labels.ts): scorer and rubric text made fit to print. Most notes need nothing and are
// returned as they are; the rest are rewritten once per rubric and text, and must read the same every time.
import { describe, expect, it } from 'vitest';
import type { Rubric } from '../../../schemas/rubric.ts';
import { printable, shorten } from '../../../pipeline/workbook/labels.ts';
import { rubric2024 } from '../../helpers/reports.ts';

const rubric = rubric2024.rubric;
const d1 = rubric.dimensions[0]!;

describe('printable', () => {
  it('rewrites flag codes, criteria.md, [V]/[P]/[U] tags, doubled names and dimension ids; leaves plain Chinese as it is', () => {
    // Prepare
    const cases: [string, string][] = [
      ['1 处“inconsistent-figures”，每处扣 2 分', '1 处“数据矛盾”，每处扣 2 分'],
      ['内容雷同（similar-to）', '内容雷同'],
      ['见 criteria.md §7.3', '见 《评分标准建议方案》第7.3节'],
      ['依据为 [U] 未核对原文', '依据为（未核对原文）'],
      [`${d1.id} ${d1.name}：得 3 分`, `${d1.name}：得 3 分`],
      [`同 ${d1.id} 的要求`, `同 “${d1.name.split('与')[0]}” 的要求`],
      ['“存在的不足和原因”仅 117 字（少于 120 字），查摆流于形式', '“存在的不足和原因”仅 117 字（少于 120 字），查摆流于形式'],
      ['检查（检查）两次', '检查两次'],
      ['写明具体做法，得 2 分', '写明具体做法，得 2 分'],
    ];
    // Act / Assess: twice each, the second from what the first made.
    for (const [text, expected] of cases) {
      expect(printable(text, rubric), text).toBe(expected);
      expect(printable(text, rubric), text).toBe(expected);
    }
  });

  it('looks at every text when a dimension id has no letter, and keeps each rubric’s rewrites apart', () => {
    // Prepare: the same rubric with its first dimension numbered “7” instead of D1.
    const numbered: Rubric = { ...rubric, dimensions: [{ ...d1, id: '7' }, ...rubric.dimensions.slice(1)] };
    const text = '第 7 项未写';
    // Act
    const withLetters = printable(text, rubric);
    const withDigits = printable(text, numbered);
    // Assess
    expect(withLetters).toBe(text);
    expect(withDigits).toBe(`第 “${d1.name.split('与')[0]}” 项未写`);
    expect(printable(text, rubric)).toBe(text);
  });
});

describe('shorten', () => {
  it('keeps the first max characters and adds “…”, counting a character outside the BMP (or a lone surrogate) as one', () => {
    // Prepare: what it did before it counted in place: spread into characters, sliced, joined.
    const spread = (text: string, max: number): string => ([...text].length > max ? `${[...text].slice(0, max).join('')}…` : text);
    const texts = ['', '短', '全年受理行政复议案件12件', '𠀀𠀁𠀂全年𠀃', 'a\ud800b', '\udc00\ud800', '𠀀'.repeat(50), '依法行政'.repeat(40)];
    // Act / Assess
    for (const text of texts)
      for (const max of [0, 1, 2, 3, 5, 40, 80, 200]) expect(shorten(text, max), `${JSON.stringify(text)} ${max}`).toBe(spread(text, max));
  });
});
