import { describe, expect, it } from 'vitest';
import { markerOf } from '../../../pipeline/normalize/markers.ts';

describe('markerOf()', () => {
  it('reads every kind of outline marker, each by the character it opens with', () => {
    // Prepare: one line per marker pattern (width-folded, as the outline reads them).
    const lines = ['第三部分 其他情况', '二、主要举措', '(四)加强队伍建设', '3.推进普法', '(12)开展调解', '⑳法律顾问', '五是强化监督'];
    // Act
    const markers = lines.map((line) => markerOf(line));
    // Assess
    expect(markers.map((m) => [m?.level, m?.number])).toEqual([
      [1, '第三部分'],
      [1, '二'],
      [2, '（四）'],
      [3, '3'],
      [4, '（12）'],
      [4, '⑳'],
      [5, '五是'],
    ]);
  });

  it('finds no marker in prose, in an empty line or after leading text', () => {
    // Prepare
    const lines = ['全年开展普法宣传12场。', '', '我镇一是加强领导', '“一村一法律顾问”制度', '2024年，全镇…'];
    // Act
    const markers = lines.map((line) => markerOf(line));
    // Assess
    expect(markers).toEqual([null, null, null, null, null]);
  });
});
