/**
 * S3 rejects a notification configuration in which two rules for the same event type have overlapping filters:
 * two filters overlap when one prefix starts with the other AND one suffix ends with the other (an empty prefix or
 * suffix overlaps everything). S3 compares case-sensitively, so '.pdf' and '.PDF' are distinct. We check at synth
 * time because CloudFormation only finds out at deploy time ("Configurations overlap").
 */
export interface KeyFilter {
  readonly prefix: string;
  readonly suffix: string;
}

const prefixesOverlap = (a: string, b: string): boolean => a.startsWith(b) || b.startsWith(a);
const suffixesOverlap = (a: string, b: string): boolean => a.endsWith(b) || b.endsWith(a);

export function filtersOverlap(a: KeyFilter, b: KeyFilter): boolean {
  return prefixesOverlap(a.prefix, b.prefix) && suffixesOverlap(a.suffix, b.suffix);
}

/** Every overlapping pair (by index); empty when S3 will accept the set. */
export function overlappingFilters(filters: readonly KeyFilter[]): Array<[KeyFilter, KeyFilter]> {
  const pairs: Array<[KeyFilter, KeyFilter]> = [];
  filters.forEach((a, i) => {
    for (const b of filters.slice(i + 1)) if (filtersOverlap(a, b)) pairs.push([a, b]);
  });
  return pairs;
}

export function assertNoOverlappingFilters(filters: readonly KeyFilter[]): void {
  const pairs = overlappingFilters(filters);
  if (pairs.length > 0) {
    const list = pairs.map(([a, b]) => `${a.prefix}*${a.suffix} ~ ${b.prefix}*${b.suffix}`).join(', ');
    throw new Error(`S3 notification filters overlap (S3 would reject the configuration): ${list}`);
  }
}
