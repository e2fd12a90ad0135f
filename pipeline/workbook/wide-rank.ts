import type { ScoreResult } from '../../schemas/score.ts';

/**
 * 全省排名: in a workbook of several counties (a year-wide export), each unit's place among the units of the same year
 * and ranking group in every county — townships among townships, departments among departments — by total. Equal
 * totals share a place (1, 2, 2, 4): the rubric's tie-breakers, the copy standing and the grade quotas are applied
 * within each county·year group only (pipeline/rank), which is where grades are given; the province-wide place adds
 * no grade and breaks no tie. Units of unknown kind get none, as they are not ranked among others in their county.
 */

export interface WideRankable {
  county: string | null;
  year: number | null;
  rankGroup: ScoreResult['rankGroup'];
  total: number;
  rank: number | null;
}

export const WIDE_RANK_LABEL = '全省排名';

const GROUP_ORDER: Record<ScoreResult['rankGroup'], number> = { township: 0, department: 1, county: 2, other: 3 };
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The province-wide place of each item (same order as given), or null for units of unknown kind. */
export function wideRanks(items: readonly WideRankable[]): (number | null)[] {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    if (item.rankGroup === 'other') return;
    const key = `${item.year ?? ''}\u0000${item.rankGroup}`;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const ranks: (number | null)[] = items.map(() => null);
  for (const members of groups.values()) {
    members.sort((a, b) => items[b]!.total - items[a]!.total);
    members.forEach((i, at) => {
      const previous = at > 0 ? members[at - 1]! : undefined;
      ranks[i] = previous !== undefined && items[previous]!.total === items[i]!.total ? ranks[previous]! : at + 1;
    });
  }
  return ranks;
}

/**
 * The order a several-county ranking sheet lists its rows in: by year, group, province-wide place, then county and the
 * county's own rank (so tied units stay in their county's order), units of unknown kind last in their year.
 */
export function wideOrder(items: readonly WideRankable[], ranks: readonly (number | null)[]): number[] {
  return items
    .map((_, i) => i)
    .sort((a, b) => {
      const [x, y] = [items[a]!, items[b]!];
      return (
        (x.year ?? 0) - (y.year ?? 0) ||
        GROUP_ORDER[x.rankGroup] - GROUP_ORDER[y.rankGroup] ||
        (ranks[a] ?? Infinity) - (ranks[b] ?? Infinity) ||
        byCodePoint(x.county ?? '', y.county ?? '') ||
        (x.rank ?? Infinity) - (y.rank ?? Infinity) ||
        a - b
      );
    });
}
