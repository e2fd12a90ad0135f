import { describe, expect, it } from 'vitest';
import { parseChineseNumeral } from '../../../pipeline/text/numerals.ts';

describe('parseChineseNumeral()', () => {
  it.each([
    ['十', 10],
    ['十二', 12],
    ['二十', 20],
    ['九十八', 98],
    ['一百零五', 105],
    ['两百', 200],
    ['三百五', 350],
    ['三千五百', 3500],
    ['两万', 20_000],
    ['两万五', 25_000],
    ['一万零二十', 10_020],
    ['十万', 100_000],
    ['两百万', 2_000_000],
  ])('reads %s as %d', (text, value) => {
    expect(parseChineseNumeral(text)).toBe(value);
  });

  it.each(['百', '万', '千', '三四', '二〇二四', '十百', '万万', '一五'])('refuses %s, which is not a count', (text) => {
    expect(parseChineseNumeral(text)).toBeNull();
  });
});
