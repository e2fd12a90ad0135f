import { scopeOf, type NormalizedReport, type ReportScope } from '../../schemas/report.ts';
import type { Rubric } from '../../schemas/rubric.ts';
import type { Evidence, Flag, IndicatorScore, PendingDecision, ScoreResult } from '../../schemas/score.ts';
import { buildContext, sectionLabel, type CopiedParagraphs } from '../score/context.ts';
import { finalizeScore, scoreIndicators } from '../score/index.ts';
import { round2 } from '../score/numbers.ts';
import type { LoadedRubric } from '../score/rubric.ts';
import { followThroughItems, planItemsOf } from '../score/follow-through.ts';
import { fold } from '../text/fold.ts';
import { figuresOf } from '../text/numerals.ts';
import { indicatorsCiting, voidCopiedEvidence, type VoidedIndicator } from './copied-evidence.ts';
import { isTownshipLike, isValidatedUnitName, lineEvidence, NameIndex, nameStem, prominentLines, type ProminentLine } from './names.ts';
import { similarPairs, type PairSimilarity } from './pairs.ts';
import { FORMULAE_VERSION, reportSignature, type ReportSignature } from './similarity.ts';

export { isValidatedUnitName } from './names.ts';

/**
 * What no single report shows, over the whole scope (county·year) a batch was filed under: reports copied from each
 * other or from the same unit's report of the year before, another unit's name left in a report, two reports from one
 * unit, and how last year's plans were carried out. Adds flags (replacing any from an earlier pass, so running it
 * twice changes nothing), fills in `followThrough` and the copy deductions left to the assessor (`pending`), then
 * recomputes the penalties, totals and grades that depend on flags.
 *
 * Copy policy: the original is never penalised. Who copied whom is told from evidence, in this order: the same unit's
 * report of the year before already had the text; 成文日期; the trusted receipt date (`submission.submittedAt`, never
 * the uploader's own claim); another unit's name left in the text. A copier loses what the rubric's similar-to penalty
 * says, and the paragraphs it copied earn it nothing (copied-evidence.ts: copied text is not evidence of its work);
 * when nothing tells the direction both are flagged 请核实 and the deduction — penalty and voided points — is proposed,
 * not applied.
 *
 * Scale: the work grows with the number of reports and passages, not with the number of report pairs (pairs.ts), and
 * so does the output: reports that copy each other form a copy cluster, and each report lists at most
 * MAX_COPY_MATCHES of its matches (copies it made first, then undecided ones, then copies made of it; larger shares
 * first), each flag naming the cluster and its size.
 */

export interface CrossCheckEntry {
  report: NormalizedReport;
  result: ScoreResult;
  /** A precomputed copy signature (the pipeline stores one with each score); computed here when absent or stale. */
  signature?: ReportSignature;
  /**
   * Follow-through against last year's report when the scoring step computed it already (followThroughOf, e.g. in a
   * worker, so no second scoring context is built here); used when it names the previous report found here.
   */
  followThrough?: ScoreResult['followThrough'];
  /** The report's prominent lines (names.ts prominentLines) when the scoring step read them already; else read here. */
  prominent?: ProminentLine[];
}

export interface CrossCheckOptions {
  /** Reports of the previous year (any counties): each is matched to this year's report of the same unit. */
  previousYear?: readonly NormalizedReport[];
}

const CROSS_REPORT_CODES = new Set<Flag['code']>(['similar-to', 'duplicate-township']);
const isCrossReportFlag = (flag: Flag): boolean => CROSS_REPORT_CODES.has(flag.code) || (flag.code === 'template-leftover' && flag.other !== undefined);

/** A passage the other report carries counts towards "it was there last year" when at least this share of it was. */
const LAST_YEAR_SHARE = 0.5;
/**
 * A report lists at most this many of its copy matches: the strongest evidence and the pattern are there for the
 * assessor to check, and 2,000 copies of one text give 5 flags each instead of 1,999 (the cluster says how many).
 */
export const MAX_COPY_MATCHES = 5;
/** A copy cluster is named on the flags from this size: a pair is named by the flag's `other` already. */
const MIN_NAMED_CLUSTER = 3;
/** A duplicate-unit flag lists this many of the other reports by name. */
const MAX_LISTED_DUPLICATES = 5;

const percent = (x: number): string => `${Math.round(x * 100)}%`;
/** A message names this many voided indicators (the workbook's 评分依据 shows every one with its note). */
const LISTED_VOIDED = 6;
const listVoided = (voided: readonly VoidedIndicator[]): string =>
  `${voided
    .slice(0, LISTED_VOIDED)
    .map((v) => `${v.name} ${v.from}→${v.to}`)
    .join('、')}${voided.length > LISTED_VOIDED ? ' 等' : ''}`;
const scopeKey = (scope: ReportScope): string => `${scope.county}\u0000${scope.year ?? ''}`;
const unitName = (report: NormalizedReport): string => report.meta.township ?? report.source.key;
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function unitKey(report: NormalizedReport): string | null {
  return report.meta.township ? `${scopeOf(report).county}|${report.meta.township}` : null;
}

/** The rubric's copy deduction: share of copied text × pointsEach, capped at the penalty's max (criteria.md §7.4). */
function copyRule(rubric: Rubric): { id: string; pointsEach: number; max: number } | null {
  const penalty = rubric.penalties.find((p) => p.enabled && p.rule.kind === 'flag' && p.rule.flag === 'similar-to');
  return penalty?.rule.kind === 'flag' ? { id: penalty.id, pointsEach: penalty.rule.pointsEach, max: penalty.max } : null;
}

/** Follow-through of last year's plans in this year's report, or undefined when last year's report planned nothing. */
export function followThroughOf(report: NormalizedReport, previous: NormalizedReport, loaded: LoadedRubric): ScoreResult['followThrough'] | undefined {
  const planned = planItemsOf(previous);
  if (planned.length === 0) return undefined;
  const ctx = buildContext(report, loaded, { previous });
  const items = followThroughItems(ctx, planned).map((m) => ({ plan: m.plan, status: m.status, ...(m.evidence ? { evidence: m.evidence } : {}) }));
  return { previousSource: previous.source.key, planned: items.length, done: items.filter((x) => x.status === 'done').length, items };
}

// ── Copy direction ─────────────────────────────────────────────────────────────────────────────────────────────

type Side = 'a' | 'b';
type Role = NonNullable<Flag['role']>;

interface Verdict {
  /** Which side is the original, or null when this evidence does not tell. */
  original: Side | null;
  /** What the evidence says, in Chinese, from side a's point of view (names both units). */
  detail: string;
}

interface DirectionEvidence {
  label: string;
  judge: () => Verdict;
}

interface Direction {
  original: Side | null;
  /** The evidence that decided, or why nothing did. */
  basis: string;
  /** Later evidence that points the other way, for the assessor to weigh. */
  against: string[];
}

/** Orders two dates written as YYYY-MM-DD or YYYY-MM; 0 when they are the same or cannot be told apart. */
function compareDates(x: string, y: string): number {
  if (x.length === y.length) return x < y ? -1 : x > y ? 1 : 0;
  const [mx, my] = [x.slice(0, 7), y.slice(0, 7)];
  return mx < my ? -1 : mx > my ? 1 : 0;
}

function byDate(label: string, a: string | null | undefined, b: string | null | undefined, nameA: string, nameB: string): Verdict {
  if (!a || !b) return { original: null, detail: `${label}${!a && !b ? '均未' : '一方未'}写明` };
  const order = compareDates(a, b);
  if (order === 0) return { original: null, detail: `${label}相同（${a}）` };
  return { original: order < 0 ? 'a' : 'b', detail: `${label}“${nameA}”${a}、“${nameB}”${b}` };
}

function decideDirection(evidence: readonly DirectionEvidence[]): Direction {
  const verdicts = evidence.map((e) => ({ label: e.label, ...e.judge() }));
  const decisive = verdicts.findIndex((v) => v.original !== null);
  if (decisive < 0) return { original: null, basis: verdicts.map((v) => v.detail).join('；'), against: [] };
  const chosen = verdicts[decisive]!;
  const against = verdicts
    .slice(decisive + 1)
    .filter((v) => v.original !== null && v.original !== chosen.original)
    .map((v) => `${v.label}显示相反（${v.detail}）`);
  return { original: chosen.original, basis: chosen.detail, against };
}

// ── Clusters ───────────────────────────────────────────────────────────────────────────────────────────────────

/** Connected components of a graph given as edges, by union–find (path halving, union by size). */
function components(size: number, edges: Iterable<readonly [number, number]>): Int32Array {
  const parent = Int32Array.from({ length: size }, (_, i) => i);
  const weight = new Int32Array(size).fill(1);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (const [x, y] of edges) {
    let [rx, ry] = [find(x), find(y)];
    if (rx === ry) continue;
    if (weight[rx]! < weight[ry]!) [rx, ry] = [ry, rx];
    parent[ry] = rx;
    weight[rx] = weight[rx]! + weight[ry]!;
  }
  return parent.map((_, i) => find(i));
}

// ── The checks ─────────────────────────────────────────────────────────────────────────────────────────────────

/** One report's side of a copied pair: what its flag needs. */
interface CopyMatch {
  other: number;
  ownShare: number;
  otherShare: number;
  passages: number[];
  role: Role;
  direction: Direction;
  similarity: number;
}

const ROLE_ORDER: Record<Role, number> = { copier: 0, unknown: 1, source: 2 };

/** A report's copied paragraphs as the cross-report checks collect them (see CopiedParagraphs). */
type Copied = Map<number, Set<string> | null>;

/**
 * Adds one copied paragraph: `figures` are those of last year's paragraph it repeats, null when it was copied from
 * another unit. Copied from another unit as well, it is copied outright; copied from last year twice, both count.
 */
function mergeCopied(into: Copied, offset: number, figures: ReadonlySet<string> | null): void {
  const known = into.get(offset);
  if (known === null || (known !== undefined && figures === null)) into.set(offset, null);
  else if (known === undefined) into.set(offset, figures === null ? null : new Set(figures));
  else for (const figure of figures ?? []) known.add(figure);
}

/**
 * A report to score again with some of its paragraphs counted as copied (copied text earns nothing): its index in the
 * entries, the paragraphs, the indicators to score (those whose points cite one of the paragraphs: no other can
 * change, copied-evidence.ts), and its unit's report of last year when it was scored with one.
 */
export interface CopyRescore {
  entry: number;
  copied: CopiedParagraphs;
  indicators: readonly string[];
  previous?: NormalizedReport;
}

/**
 * The cross-report checks in two steps, so the re-scoring of copiers (a scoring context and some indicators each, the
 * costly part when many reports copy) can run anywhere, e.g. in worker threads: every flag is decided and `rescores`
 * lists the re-scorings the results need; `finish` takes their indicators, in that order, and returns the checked
 * results.
 */
export interface CrossCheckPlan {
  rescores: readonly CopyRescore[];
  finish(rescored: readonly (readonly IndicatorScore[])[]): ScoreResult[];
}

/** One re-scoring of a plan: its indicators scored as before, with the copied paragraphs earning nothing. */
export function rescoreCopied(report: NormalizedReport, loaded: LoadedRubric, rescore: Omit<CopyRescore, 'entry'>): IndicatorScore[] {
  const options = { copied: rescore.copied, ...(rescore.previous ? { previous: rescore.previous } : {}) };
  return scoreIndicators(report, loaded, options, new Set(rescore.indicators));
}

/** The cross-report checks with the re-scorings done in this thread. */
export function crossCheck(entries: readonly CrossCheckEntry[], loaded: LoadedRubric, options: CrossCheckOptions = {}): ScoreResult[] {
  const plan = planCrossCheck(entries, loaded, options);
  return plan.finish(plan.rescores.map((rescore) => rescoreCopied(entries[rescore.entry]!.report, loaded, rescore)));
}

export function planCrossCheck(entries: readonly CrossCheckEntry[], loaded: LoadedRubric, options: CrossCheckOptions = {}): CrossCheckPlan {
  const rubric = loaded.rubric;
  const flags = entries.map((e) => e.result.flags.filter((f) => !isCrossReportFlag(f)));
  const pending = entries.map((): PendingDecision[] => []);
  /** The paragraphs each report copied (direction known): they earn nothing (CopiedParagraphs). */
  const copied = entries.map((): Copied => new Map());
  /** Per pending copy deduction (by id), the paragraphs confirming it would declare copied. */
  const proposed = entries.map(() => new Map<string, Copied>());
  const followThrough = new Map<number, ScoreResult['followThrough']>();
  const shingle = rubric.similarity.shingle;
  const signatures = entries.map((e) => (e.signature && e.signature.formulae === FORMULAE_VERSION ? e.signature : reportSignature(e.report, shingle)));
  const scopes = entries.map((e) => scopeOf(e.report));
  const rule = copyRule(rubric);
  const n = entries.length;

  // Last year's report of each unit: copy direction, copied-from-last-year, follow-through.
  const previousByUnit = new Map<string, NormalizedReport>();
  for (const report of options.previousYear ?? []) {
    const key = unitKey(report);
    if (key) previousByUnit.set(`${key}|${scopeOf(report).year ?? ''}`, report);
  }
  const previousOf = (i: number): NormalizedReport | undefined => {
    const key = unitKey(entries[i]!.report);
    const year = scopes[i]!.year;
    return key && year !== null ? previousByUnit.get(`${key}|${year - 1}`) : undefined;
  };
  // Last year's reports are often in the batch itself (two years scored together): their signatures are made already.
  const previousSignatures = new Map<NormalizedReport, ReportSignature>(entries.map((e, i) => [e.report, signatures[i]!]));
  const signatureOf = (report: NormalizedReport): ReportSignature => {
    let signature = previousSignatures.get(report);
    if (!signature) {
      signature = reportSignature(report, shingle);
      previousSignatures.set(report, signature);
    }
    return signature;
  };

  // Paragraph text by (section, offset), per report, built on first use: evidence without a search per flag.
  const paragraphTexts = new Map<NormalizedReport, Map<number, string>>();
  function paragraphText(report: NormalizedReport, offset: number, section: number): string {
    let texts = paragraphTexts.get(report);
    if (!texts) {
      texts = new Map();
      for (const [s, sectionOf] of report.sections.entries())
        for (const p of sectionOf.paragraphs) if (!texts.has(s * 2 ** 32 + p.offset)) texts.set(s * 2 ** 32 + p.offset, p.text);
      paragraphTexts.set(report, texts);
    }
    return texts.get(section * 2 ** 32 + offset) ?? '';
  }
  function passageEvidence(report: NormalizedReport, offset: number, section: number): Evidence {
    const text = paragraphText(report, offset, section);
    const sectionOf = report.sections[section];
    return {
      text: text.length > 160 ? `${text.slice(0, 160)}…` : text,
      offset,
      section: sectionOf ? sectionLabel(sectionOf) : '',
      part: sectionOf?.part,
    };
  }

  /**
   * Records that paragraph `own` of report i was copied from paragraph `from` of its unit's report of last year, with
   * the figures that one states (a sentence of the copy stating other figures is this year's update: CopiedParagraphs).
   */
  function markCopiedFromLastYear(i: number, own: number, previous: NormalizedReport, from: number): void {
    const paragraph = signatureOf(previous).paragraphs[from];
    const figures = paragraph ? figuresOf(fold(paragraphText(previous, paragraph.offset, paragraph.section))) : new Set<string>();
    mergeCopied(copied[i]!, signatures[i]!.paragraphs[own]!.offset, figures);
  }

  const lastYearMemo = new Map<number, boolean>();
  const scopesByKey = new Map<string, number[]>();
  entries.forEach((_, i) => {
    const key = scopeKey(scopes[i]!);
    const members = scopesByKey.get(key);
    if (members) members.push(i);
    else scopesByKey.set(key, [i]);
  });

  for (const members of scopesByKey.values()) {
    flagCopies(members);
    flagOtherUnitsNames(members);
    flagDuplicateUnits(members);
  }

  entries.forEach((entry, i) => {
    const previous = previousOf(i);
    if (previous) checkAgainstLastYear(entry, i, previous);
  });

  /**
   * Reports of a scope that share most of their text: who copied whom (for every copied pair), the copy clusters,
   * and for each report the flags and proposed deductions of its strongest matches.
   */
  function flagCopies(members: readonly number[]): void {
    const precedence = writtenOrder(members);
    const pairs = similarPairs(
      members.map((i) => signatures[i]!),
      { minSimilarity: rubric.similarity.threshold, precedence },
    );
    if (pairs.length === 0) return;
    const names = scopeNames(members);
    const matches = members.map((): CopyMatch[] => []);
    for (const pair of pairs) {
      const direction = copyDirection(members[pair.a]!, members[pair.b]!, pair, names);
      const similarity = round2(pair.similarity);
      const roleOf = (s: Side): Role => (direction.original === null ? 'unknown' : direction.original === s ? 'source' : 'copier');
      matches[pair.a]!.push({
        other: pair.b,
        ownShare: pair.shareA,
        otherShare: pair.shareB,
        passages: pair.passages.map((m) => m.a),
        role: roleOf('a'),
        direction,
        similarity,
      });
      matches[pair.b]!.push({
        other: pair.a,
        ownShare: pair.shareB,
        otherShare: pair.shareA,
        passages: pair.passages.map((m) => m.b),
        role: roleOf('b'),
        direction,
        similarity,
      });
    }
    const clusters = copyClusters(members, pairs);
    matches.forEach((own, local) => {
      if (own.length === 0) return;
      // The matches that matter most for the score come first: copies this report made (the largest share decides the
      // deduction), then undecided ones, then copies made of it; then by share, then the earlier-written other report.
      const kept = [...own]
        .sort((x, y) => ROLE_ORDER[x.role] - ROLE_ORDER[y.role] || y.ownShare - x.ownShare || precedence[x.other]! - precedence[y.other]! || x.other - y.other)
        .slice(0, MAX_COPY_MATCHES)
        .sort((x, y) => x.other - y.other);
      const cluster = clusters[local];
      // In a mass copy (pairs.ts compares each report with some of the group only) this counts the matches found.
      const more =
        own.length > kept.length
          ? `；已查出本报告与 ${own.length} 份报告雷同（${cluster?.id ?? ''}，共 ${cluster?.size ?? own.length + 1} 份），此处列出 ${kept.length} 份（照搬他人者优先，雷同比例高者优先）`
          : '';
      for (const match of kept) flagCopy(members[local]!, members[match.other]!, match, cluster, more);
    });
  }

  /** Per member of a scope, its place in the order the texts were likely written: 成文日期, receipt date, then name. */
  function writtenOrder(members: readonly number[]): number[] {
    const last = '\uffff';
    const order = members
      .map((_, local) => local)
      .sort((x, y) => {
        const [rx, ry] = [entries[members[x]!]!.report, entries[members[y]!]!.report];
        return (
          byCodePoint(rx.meta.docDate ?? last, ry.meta.docDate ?? last) ||
          byCodePoint(rx.submission.submittedAt ?? last, ry.submission.submittedAt ?? last) ||
          byCodePoint(rx.source.key, ry.source.key) ||
          x - y
        );
      });
    const rank = new Array<number>(members.length);
    order.forEach((local, position) => (rank[local] = position));
    return rank;
  }

  /** The copy clusters of a scope (named from MIN_NAMED_CLUSTER reports up), per member; numbered by their first source. */
  function copyClusters(members: readonly number[], pairs: readonly PairSimilarity[]): ({ id: string; size: number } | undefined)[] {
    const root = components(
      members.length,
      pairs.map((p) => [p.a, p.b] as const),
    );
    const byRoot = new Map<number, number[]>();
    root.forEach((r, local) => {
      const list = byRoot.get(r);
      if (list) list.push(local);
      else byRoot.set(r, [local]);
    });
    const firstSource = (group: readonly number[]): string => group.map((local) => entries[members[local]!]!.report.source.key).sort(byCodePoint)[0] ?? '';
    const named = [...byRoot.values()]
      .filter((g) => g.length >= MIN_NAMED_CLUSTER)
      .map((g) => ({ g, first: firstSource(g) }))
      .sort((x, y) => byCodePoint(x.first, y.first));
    const scope = scopes[members[0]!]!;
    const out: ({ id: string; size: number } | undefined)[] = members.map(() => undefined);
    named.forEach(({ g }, k) => {
      const cluster = { id: `${scope.county}·${scope.year ?? '年度未知'}·雷同组${k + 1}`, size: g.length };
      for (const local of g) out[local] = cluster;
    });
    return out;
  }

  /** The validated unit names of a scope, and which of them each report carries anywhere in its text (on first use). */
  function scopeNames(members: readonly number[]): (i: number, other: number) => boolean {
    const validated = new Map<number, boolean>();
    const isValidated = (i: number): boolean => {
      let known = validated.get(i);
      if (known === undefined) validated.set(i, (known = isValidatedUnitName(entries[i]!.report)));
      return known;
    };
    let index: { full: NameIndex<string>; stems: NameIndex<string> } | null = null;
    const carried = new Map<number, { full: Set<string>; stems: Set<string> }>();
    const carriedBy = (i: number) => {
      let found = carried.get(i);
      if (!found) {
        if (!index) {
          const names = [...new Set(members.filter(isValidated).map((m) => entries[m]!.report.meta.township!))];
          index = {
            full: new NameIndex(names.map((name) => [name, name] as const)),
            stems: new NameIndex(names.filter((name) => nameStem(name).length >= 2).map((name) => [`${nameStem(name)}分`, name] as const)),
          };
        }
        const text = entries[i]!.report.text;
        found = { full: index.full.occurring(text), stems: index.stems.occurring(text) };
        carried.set(i, found);
      }
      return found;
    };
    // Whether report i carries the other unit's (validated) name or its stem with 分 ("青石分平台"), a trace a copy leaves.
    return (i, other) => {
      const [own, name] = [entries[i]!.report.meta.township, entries[other]!.report.meta.township];
      if (!name || name === own || !isValidated(other)) return false;
      const stem = nameStem(name);
      const found = carriedBy(i);
      return found.full.has(name) || (stem.length >= 2 && !(own ?? '').includes(stem) && found.stems.has(name));
    };
  }

  /** Whether report `own`'s text was already in its unit's report of last year, as report `other` carries it now. */
  function wasThereLastYear(own: number, other: number, otherShare: number): boolean {
    const previous = previousOf(own);
    if (!previous || otherShare === 0) return false;
    const key = own * n + other;
    let answer = lastYearMemo.get(key);
    if (answer === undefined) {
      const [found] = similarPairs([signatures[other]!, signatureOf(previous)]);
      lastYearMemo.set(key, (answer = (found?.shareA ?? 0) >= LAST_YEAR_SHARE * otherShare));
    }
    return answer;
  }

  function copyDirection(a: number, b: number, pair: PairSimilarity, carries: (i: number, other: number) => boolean): Direction {
    const [ea, eb] = [entries[a]!, entries[b]!];
    const [nameA, nameB] = [unitName(ea.report), unitName(eb.report)];
    return decideDirection([
      {
        label: '上一年度报告',
        judge: () => {
          // Side a's text was already in side a's report of last year (and b carries it now): a is the original.
          const [aOld, bOld] = [wasThereLastYear(a, b, pair.shareB), wasThereLastYear(b, a, pair.shareA)];
          if (aOld !== bOld) return { original: aOld ? 'a' : 'b', detail: `“${aOld ? nameA : nameB}”上一年度的报告已有这些段落` };
          return { original: null, detail: aOld ? '双方上一年度报告均有这些段落' : '上一年度报告不能说明' };
        },
      },
      { label: '成文日期', judge: () => byDate('成文日期', ea.report.meta.docDate, eb.report.meta.docDate, nameA, nameB) },
      { label: '报送时间', judge: () => byDate('报送（接收）时间', ea.report.submission.submittedAt, eb.report.submission.submittedAt, nameA, nameB) },
      {
        label: '对方单位名称',
        judge: () => {
          const [aCarriesB, bCarriesA] = [carries(a, b), carries(b, a)];
          if (aCarriesB !== bCarriesA)
            return { original: aCarriesB ? 'b' : 'a', detail: `“${aCarriesB ? nameA : nameB}”的报告中出现“${aCarriesB ? nameB : nameA}”的名称` };
          return { original: null, detail: aCarriesB ? '双方报告中均出现对方名称' : '均未出现对方名称' };
        },
      },
    ]);
  }

  /** One report's flag (and, when the direction is undecided, its proposed deduction) for one of its copy matches. */
  function flagCopy(own: number, other: number, match: CopyMatch, cluster: { id: string; size: number } | undefined, more: string): void {
    const ownEntry = entries[own]!;
    const otherEntry = entries[other]!;
    const otherName = unitName(otherEntry.report);
    const { direction, role, ownShare, otherShare, similarity } = match;
    const evidence = match.passages.slice(0, 3).map((p) => {
      const paragraph = signatures[own]!.paragraphs[p]!;
      return passageEvidence(ownEntry.report, paragraph.offset, paragraph.section);
    });
    // Copied from another unit: every sentence of these paragraphs is copied, whatever figures were changed.
    const copiedHere: Copied = new Map(match.passages.map((p) => [signatures[own]!.paragraphs[p]!.offset, null]));
    if (role === 'copier') for (const offset of copiedHere.keys()) mergeCopied(copied[own]!, offset, null);
    const shares = `与“${otherName}”的报告雷同：本报告约 ${percent(ownShare)} 的正文见于对方，对方约 ${percent(otherShare)} 见于本报告（两份报告相似度 ${percent(similarity)}，已排除标准套语 ${FORMULAE_VERSION}）`;
    const against = direction.against.length > 0 ? `；但${direction.against.join('；')}，请核实` : '';
    const points = rule ? round2(Math.min(rule.max, ownShare * rule.pointsEach)) : 0;
    const message =
      role === 'copier'
        ? `${shares}。判定本报告为照搬方，依据：${direction.basis}${against}`
        : role === 'source'
          ? `${shares}。判定对方照搬本报告，本报告不扣分；依据：${direction.basis}${against}`
          : `${shares}。无法判断谁照搬了谁（${direction.basis}），请核实${rule ? `：拟扣 ${points} 分，经评审确认后才扣除` : ''}`;
    flags[own]!.push({
      code: 'similar-to',
      severity: role === 'copier' ? 'error' : 'warning',
      other: otherEntry.report.source.key,
      similarity: round2(ownShare),
      role,
      message: `${message}${more}`,
      evidence,
      ...(cluster ? { cluster } : {}),
    });
    if (role === 'unknown' && rule && points > 0) {
      proposed[own]!.set(`copy:${otherEntry.report.source.key}`, copiedHere);
      pending[own]!.push({
        id: `copy:${otherEntry.report.source.key}`,
        kind: 'copy-deduction',
        points,
        target: rule.id,
        message: `与“${otherName}”的报告雷同（本报告约 ${percent(ownShare)} 的正文见于对方），无法判断谁照搬了谁（${direction.basis}）。确认本报告为照搬方则扣 ${points} 分（雷同比例 × ${rule.pointsEach}，最多 ${rule.max} 分）；撤销则不扣分`,
        other: otherEntry.report.source.key,
        evidence,
      });
    }
  }

  /**
   * Another unit's name in the title, a heading or the opening: a template taken from a neighbour. Township and
   * subdistrict names only (a township report naming 县司法局 is normal), and only names the gazetteer or the unit's
   * own document vouches for. One index of all names of the scope, one pass over each report's prominent lines.
   */
  function flagOtherUnitsNames(members: readonly number[]): void {
    const names = [...new Set(members.filter((i) => isValidatedUnitName(entries[i]!.report)).map((i) => entries[i]!.report.meta.township!))];
    if (names.length < 2) return;
    const nameOf = new Map<string, string>();
    for (const name of names) {
      nameOf.set(name, name);
      const stem = nameStem(name);
      if (stem.length >= 2) nameOf.set(`${stem}分`, name);
    }
    const index = new NameIndex(nameOf);
    for (const i of members) {
      const report = entries[i]!.report;
      const own = report.meta.township;
      if (!own || !isTownshipLike(report)) continue;
      const found = new Map<string, ProminentLine>();
      for (const line of entries[i]!.prominent ?? prominentLines(report)) {
        for (const match of index.scan(line.text)) {
          const name = match.value;
          if (name === own || own.includes(name) || name.includes(own) || found.has(name)) continue;
          found.set(name, line);
        }
      }
      for (const [name, line] of found) {
        flags[i]!.push({
          code: 'template-leftover',
          severity: 'warning',
          other: name,
          message: `出现同县其他单位名称“${name}”（疑为照搬他人报告）`,
          evidence: [lineEvidence(report, line)],
        });
      }
    }
  }

  /** Two reports from one unit in the same scope: the assessor keeps one. */
  function flagDuplicateUnits(members: readonly number[]): void {
    const byUnit = new Map<string, number[]>();
    for (const i of members) {
      const key = unitKey(entries[i]!.report);
      if (!key) continue;
      const same = byUnit.get(key);
      if (same) same.push(i);
      else byUnit.set(key, [i]);
    }
    for (const same of byUnit.values()) {
      if (same.length < 2) continue;
      for (const i of same) {
        const others: string[] = [];
        for (const j of same) {
          if (j === i) continue;
          others.push(entries[j]!.report.source.key);
          if (others.length > MAX_LISTED_DUPLICATES) break;
        }
        const listed = others.length > MAX_LISTED_DUPLICATES ? `${others.slice(0, MAX_LISTED_DUPLICATES).join('、')} 等` : others.join('、');
        flags[i]!.push({
          code: 'duplicate-township',
          severity: 'warning',
          other: others[0],
          message: `同一单位本年度有 ${same.length} 份报告（另见 ${listed}），请确认以哪一份为准`,
        });
      }
    }
  }

  /** Last year's report of the same unit: copied from it (the unit copied itself), and which plans were carried out. */
  function checkAgainstLastYear(entry: CrossCheckEntry, i: number, previous: NormalizedReport): void {
    const year = scopes[i]!.year!;
    const [pair] = similarPairs([signatures[i]!, signatureOf(previous)]);
    if (pair && pair.shareA >= rubric.similarity.threshold) {
      flags[i]!.push({
        code: 'similar-to',
        severity: 'error',
        role: 'copier',
        other: previous.source.key,
        similarity: round2(pair.shareA),
        message: `与本单位上一年度（${year - 1}年）报告雷同：本报告约 ${percent(pair.shareA)} 的正文照搬去年（已排除标准套语 ${FORMULAE_VERSION}）`,
        evidence: pair.passages.slice(0, 3).map((m) => {
          const paragraph = signatures[i]!.paragraphs[m.a]!;
          return passageEvidence(entry.report, paragraph.offset, paragraph.section);
        }),
      });
      for (const m of pair.passages) markCopiedFromLastYear(i, m.a, previous, m.b);
    }
    const given = entry.followThrough;
    const ft = given?.previousSource === previous.source.key ? given : followThroughOf(entry.report, previous, loaded);
    if (ft) followThrough.set(i, ft);
  }

  // Every re-scoring the results need, known now: the copiers' own copied paragraphs, and for each undecided copy the
  // paragraphs confirming it would add. Copied paragraphs no indicator cites change nothing: no re-scoring.
  const rescores: CopyRescore[] = [];
  const rescoreIndex = new Map<string, number>();
  const rescoreKey = (i: number, pendingId?: string): string => (pendingId === undefined ? `${i}` : `${i}\u0000${pendingId}`);
  /** The re-scoring asked for each report and set of copied paragraphs: asked twice, it is done once. */
  const askedFor = new Map<string, number>();
  const ask = (key: string, i: number, paragraphs: Copied): void => {
    // A pending copy often proposes only paragraphs the report is already known to have copied: the same re-scoring.
    const same = `${i}\u0000${copiedKey(paragraphs)}`;
    const asked = askedFor.get(same);
    if (asked !== undefined) {
      rescoreIndex.set(key, asked);
      return;
    }
    const indicators = indicatorsCiting(entries[i]!.report, entries[i]!.result, paragraphs);
    if (indicators.length === 0) return;
    const previous = previousOf(i);
    askedFor.set(same, rescores.length);
    rescoreIndex.set(key, rescores.length);
    rescores.push({ entry: i, copied: paragraphs, indicators, ...(previous ? { previous } : {}) });
  };
  entries.forEach((_, i) => {
    if (copied[i]!.size > 0) ask(rescoreKey(i), i, copied[i]!);
    for (const item of pending[i]!) {
      const offsets = proposed[i]!.get(item.id);
      if (offsets) ask(rescoreKey(i, item.id), i, withProposed(copied[i]!, offsets));
    }
  });

  function finish(rescored: readonly (readonly IndicatorScore[])[]): ScoreResult[] {
    if (rescored.length !== rescores.length) throw new Error(`cross-report checks: ${rescores.length} re-scorings asked, ${rescored.length} given`);
    /** The re-scored indicators for a key; none when no indicator cited its paragraphs (nothing was asked). */
    const rescoredAs = (key: string): readonly IndicatorScore[] => {
      const at = rescoreIndex.get(key);
      return at === undefined ? [] : rescored[at]!;
    };

    /** A known copier's copied paragraphs earn nothing; the first copy flag says what that cost. */
    function withoutCopiedEvidence(i: number): ScoreResult {
      const result = entries[i]!.result;
      if (copied[i]!.size === 0) return result;
      const outcome = voidCopiedEvidence(entries[i]!.report, result, rescoredAs(rescoreKey(i)), copied[i]!);
      const flag = flags[i]!.find((f) => f.code === 'similar-to' && f.role === 'copier');
      if (flag && outcome.lost > 0) {
        flag.message += `；照搬的段落不作为得分依据：${outcome.voided.length} 项指标共少得 ${outcome.lost} 分（${listVoided(outcome.voided)}）`;
      }
      return outcome.result;
    }

    /** What confirming each undecided copy would cost: the penalty plus the points its copied paragraphs earned. */
    function priced(i: number, base: ScoreResult): PendingDecision[] {
      return pending[i]!.map((item) => {
        const offsets = proposed[i]!.get(item.id);
        if (!offsets) return item;
        const outcome = voidCopiedEvidence(entries[i]!.report, base, rescoredAs(rescoreKey(i, item.id)), offsets);
        if (outcome.voided.length === 0) return item;
        const points = round2(item.points + outcome.lost);
        return {
          ...item,
          points,
          message: `${item.message}。确认后另有 ${outcome.voided.length} 项指标依据照搬段落所得的 ${outcome.lost} 分不计（${listVoided(outcome.voided)}），合计扣 ${points} 分`,
          voided: outcome.voided.map((v) => ({ indicator: v.id, to: v.to })),
        };
      });
    }

    return entries.map((entry, i) => {
      const base = withoutCopiedEvidence(i);
      pending[i] = priced(i, base);
      // The scope decides the group, whatever an older stored result carried.
      const withFlags: ScoreResult = { ...base, county: scopes[i]!.county, year: scopes[i]!.year, flags: flags[i]! };
      const ft = followThrough.get(i);
      if (ft) withFlags.followThrough = ft;
      else delete withFlags.followThrough;
      const kept = [...(entry.result.pending ?? []).filter((p) => p.kind !== 'copy-deduction'), ...pending[i]];
      if (kept.length > 0) withFlags.pending = kept;
      else delete withFlags.pending;
      return finalizeScore(withFlags, rubric, entry.report.submission.findings ?? []);
    });
  }

  return { rescores, finish };
}

/** The same text for the same copied paragraphs and figures, whatever order they were found in. */
function copiedKey(copied: Copied): string {
  const paragraphs = [...copied].sort(([a], [b]) => a - b).map(([offset, figures]) => [offset, figures ? [...figures].sort() : null]);
  return JSON.stringify(paragraphs);
}

/** A report's copied paragraphs with those a pending copy would add (a copy, the report's own set unchanged). */
function withProposed(copied: Copied, offsets: Copied): Copied {
  const all: Copied = new Map([...copied].map(([offset, figures]) => [offset, figures && new Set(figures)]));
  for (const [offset, figures] of offsets) mergeCopied(all, offset, figures);
  return all;
}
