import { scopeOf, type NormalizedReport, type ReportScope } from '../../schemas/report.ts';
import type { Rubric } from '../../schemas/rubric.ts';
import type { Evidence, Flag, PendingDecision, ScoreResult } from '../../schemas/score.ts';
import { buildContext, evidenceOf, sectionLabel } from '../score/context.ts';
import { finalizeScore } from '../score/index.ts';
import { round2 } from '../score/numbers.ts';
import type { LoadedRubric } from '../score/rubric.ts';
import { followThroughItems, planItemsOf } from '../score/follow-through.ts';
import { townshipInfo } from '../text/gazetteer.ts';
import { FORMULAE_VERSION, reportSignature, similarPairs, type PairSimilarity, type ReportSignature } from './similarity.ts';

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
 * says; when nothing tells the direction both are flagged 请核实 and the deduction is proposed, not applied.
 */

export interface CrossCheckEntry {
  report: NormalizedReport;
  result: ScoreResult;
  /** A precomputed copy signature (the pipeline stores one with each score); computed here when absent or stale. */
  signature?: ReportSignature;
}

export interface CrossCheckOptions {
  /** Reports of the previous year (any counties): each is matched to this year's report of the same unit. */
  previousYear?: readonly NormalizedReport[];
}

const CROSS_REPORT_CODES = new Set<Flag['code']>(['similar-to', 'duplicate-township']);
const isCrossReportFlag = (flag: Flag): boolean => CROSS_REPORT_CODES.has(flag.code) || (flag.code === 'template-leftover' && flag.other !== undefined);

/** A passage the other report carries counts towards "it was there last year" when at least this share of it was. */
const LAST_YEAR_SHARE = 0.5;
/** Where a unit's name comes from for it to be looked for in other reports: the document's own statement of it. */
const STATED_NAME_SOURCES = new Set(['title', 'issuer', 'closing']);

const percent = (x: number): string => `${Math.round(x * 100)}%`;
const scopeKey = (scope: ReportScope): string => `${scope.county}\u0000${scope.year ?? ''}`;
const unitName = (report: NormalizedReport): string => report.meta.township ?? report.source.key;
const isTownshipLike = (report: NormalizedReport): boolean => report.meta.unitKind === 'township' || report.meta.unitKind === 'subdistrict';

/**
 * A township or subdistrict name safe to look for in other reports: one the gazetteer knows, or one the report states
 * in its title, 版头 or 落款. A name guessed from prose ("现将我镇") never makes another report look like a copy.
 */
export function isValidatedUnitName(report: NormalizedReport): boolean {
  const name = report.meta.township;
  if (!name || !isTownshipLike(report)) return false;
  return townshipInfo(name) !== null || STATED_NAME_SOURCES.has(report.meta.unitSource ?? '');
}

function passageEvidence(report: NormalizedReport, offset: number, section: number): Evidence {
  const paragraph = report.sections[section]?.paragraphs.find((p) => p.offset === offset);
  const text = paragraph?.text ?? '';
  const sectionOf = report.sections[section];
  return {
    text: text.length > 160 ? `${text.slice(0, 160)}…` : text,
    offset,
    section: sectionOf ? sectionLabel(sectionOf) : '',
    part: sectionOf?.part,
  };
}

function unitKey(report: NormalizedReport): string | null {
  return report.meta.township ? `${scopeOf(report).county}|${report.meta.township}` : null;
}

/** The rubric's copy deduction: share of copied text × pointsEach, capped at the penalty's max (criteria.md §7.4). */
function copyRule(rubric: Rubric): { id: string; pointsEach: number; max: number } | null {
  const penalty = rubric.penalties.find((p) => p.enabled && p.rule.kind === 'flag' && p.rule.flag === 'similar-to');
  return penalty?.rule.kind === 'flag' ? { id: penalty.id, pointsEach: penalty.rule.pointsEach, max: penalty.max } : null;
}

// ── Copy direction ─────────────────────────────────────────────────────────────────────────────────────────────

type Side = 'a' | 'b';

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

/** Whether `report` carries the other unit's (validated) name or its stem with 分 ("青石分平台"), a trace a copy leaves. */
function carriesNameOf(report: NormalizedReport, other: NormalizedReport): boolean {
  const name = other.meta.township;
  if (!name || name === report.meta.township || !isValidatedUnitName(other)) return false;
  const stem = name.replace(/(街道办事处|街道|镇|乡)$/u, '');
  return report.text.includes(name) || (stem.length >= 2 && !(report.meta.township ?? '').includes(stem) && report.text.includes(`${stem}分`));
}

function decideDirection(evidence: readonly DirectionEvidence[]): Direction {
  const verdicts = evidence.map((e) => ({ label: e.label, ...e.judge() }));
  const decisive = verdicts.findIndex((v) => v.original !== null);
  if (decisive < 0) return { original: null, basis: verdicts.map((v) => v.detail).join('；'), against: [] };
  const chosen = verdicts[decisive]!;
  const against = verdicts.slice(decisive + 1).filter((v) => v.original !== null && v.original !== chosen.original).map((v) => `${v.label}显示相反（${v.detail}）`);
  return { original: chosen.original, basis: chosen.detail, against };
}

// ── The checks ─────────────────────────────────────────────────────────────────────────────────────────────────

export function crossCheck(entries: readonly CrossCheckEntry[], loaded: LoadedRubric, options: CrossCheckOptions = {}): ScoreResult[] {
  const rubric = loaded.rubric;
  const flags = entries.map((e) => e.result.flags.filter((f) => !isCrossReportFlag(f)));
  const pending = entries.map((): PendingDecision[] => []);
  const followThrough = new Map<number, ScoreResult['followThrough']>();
  const shingle = rubric.similarity.shingle;
  const signatures = entries.map((e) => (e.signature && e.signature.formulae === FORMULAE_VERSION ? e.signature : reportSignature(e.report, shingle)));
  const scopes = entries.map((e) => scopeOf(e.report));
  const rule = copyRule(rubric);

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
  const previousSignatures = new Map<string, ReportSignature>();
  const signatureOf = (report: NormalizedReport): ReportSignature => {
    let signature = previousSignatures.get(report.id);
    if (!signature) {
      signature = reportSignature(report, shingle);
      previousSignatures.set(report.id, signature);
    }
    return signature;
  };

  const scopesByKey = new Map<string, number[]>();
  entries.forEach((_, i) => {
    const key = scopeKey(scopes[i]!);
    const members = scopesByKey.get(key);
    if (members) members.push(i);
    else scopesByKey.set(key, [i]);
  });

  for (const members of scopesByKey.values()) {
    for (const pair of similarPairs(members.map((i) => signatures[i]!))) {
      if (pair.similarity < rubric.similarity.threshold) continue;
      flagCopies(members[pair.a]!, members[pair.b]!, pair);
    }
    flagOtherUnitsNames(members);
    flagDuplicateUnits(members);
  }

  entries.forEach((entry, i) => {
    const previous = previousOf(i);
    if (previous) checkAgainstLastYear(entry, i, previous);
  });

  /** One pair of reports of a scope that share most of their text: who copied whom, and what that costs. */
  function flagCopies(a: number, b: number, pair: PairSimilarity): void {
    const [ea, eb] = [entries[a]!, entries[b]!];
    const [nameA, nameB] = [unitName(ea.report), unitName(eb.report)];
    // Side a's text was already in side a's report of last year (and b carries it now): a is the original.
    const wasThereLastYear = (own: number, other: number, otherShare: number): boolean => {
      const previous = previousOf(own);
      if (!previous || otherShare === 0) return false;
      const [found] = similarPairs([signatures[other]!, signatureOf(previous)]);
      return (found?.shareA ?? 0) >= LAST_YEAR_SHARE * otherShare;
    };
    const direction = decideDirection([
      {
        label: '上一年度报告',
        judge: () => {
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
          const [aCarriesB, bCarriesA] = [carriesNameOf(ea.report, eb.report), carriesNameOf(eb.report, ea.report)];
          if (aCarriesB !== bCarriesA) return { original: aCarriesB ? 'b' : 'a', detail: `“${aCarriesB ? nameA : nameB}”的报告中出现“${aCarriesB ? nameB : nameA}”的名称` };
          return { original: null, detail: aCarriesB ? '双方报告中均出现对方名称' : '均未出现对方名称' };
        },
      },
    ]);
    const similarity = Math.round(pair.similarity * 100) / 100;
    const side = (own: number, other: number, ownShare: number, otherShare: number, passages: number[], role: NonNullable<Flag['role']>): void => {
      const ownEntry = entries[own]!;
      const otherEntry = entries[other]!;
      const otherName = unitName(otherEntry.report);
      const evidence = passages.slice(0, 3).map((p) => {
        const paragraph = signatures[own]!.paragraphs[p]!;
        return passageEvidence(ownEntry.report, paragraph.offset, paragraph.section);
      });
      const shares = `与“${otherName}”的报告雷同：本报告约 ${percent(ownShare)} 的正文见于对方，对方约 ${percent(otherShare)} 见于本报告（两份报告相似度 ${percent(similarity)}，已排除标准套语 ${FORMULAE_VERSION}）`;
      const against = direction.against.length > 0 ? `；但${direction.against.join('；')}，请核实` : '';
      const points = rule ? round2(Math.min(rule.max, ownShare * rule.pointsEach)) : 0;
      const message =
        role === 'copier'
          ? `${shares}。判定本报告为照搬方，依据：${direction.basis}${against}`
          : role === 'source'
            ? `${shares}。判定对方照搬本报告，本报告不扣分；依据：${direction.basis}${against}`
            : `${shares}。无法判断谁照搬了谁（${direction.basis}），请核实${rule ? `：拟扣 ${points} 分，经评审确认后才扣除` : ''}`;
      flags[own]!.push({ code: 'similar-to', severity: role === 'copier' ? 'error' : 'warning', other: otherEntry.report.source.key, similarity: round2(ownShare), role, message, evidence });
      if (role === 'unknown' && rule && points > 0) {
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
    };
    const roleOf = (s: Side): NonNullable<Flag['role']> => (direction.original === null ? 'unknown' : direction.original === s ? 'source' : 'copier');
    side(a, b, pair.shareA, pair.shareB, pair.passages.map((m) => m.a), roleOf('a'));
    side(b, a, pair.shareB, pair.shareA, pair.passages.map((m) => m.b), roleOf('b'));
  }

  /**
   * Another unit's name in the title, a heading or the opening: a template taken from a neighbour. Township and
   * subdistrict names only (a township report naming 县司法局 is normal), and only names the gazetteer or the unit's
   * own document vouches for. One pattern for all names of the scope, one pass over each report's prominent lines.
   */
  function flagOtherUnitsNames(members: readonly number[]): void {
    const names = [...new Set(members.filter((i) => isValidatedUnitName(entries[i]!.report)).map((i) => entries[i]!.report.meta.township!))];
    if (names.length < 2) return;
    const nameOf = new Map<string, string>();
    for (const name of names) {
      nameOf.set(name, name);
      const stem = name.replace(/(街道办事处|街道|镇|乡)$/u, '');
      if (stem.length >= 2) nameOf.set(`${stem}分`, name);
    }
    const pattern = new RegExp([...nameOf.keys()].sort((x, y) => y.length - x.length).map((n) => n.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')).join('|'), 'gu');
    for (const i of members) {
      const report = entries[i]!.report;
      const own = report.meta.township;
      if (!own || !isTownshipLike(report)) continue;
      const ctx = buildContext(report, loaded);
      const prominent = [
        ...(report.meta.title ? [{ text: report.meta.title, offset: Math.max(0, report.text.indexOf(report.meta.title)), section: 0 }] : []),
        ...ctx.headings.map((h) => ({ text: h.text, offset: h.offset, section: h.section })),
        ...ctx.sentences.filter((s) => s.section === 0 || /[我本](镇|乡|街道)/u.test(s.folded)).map((s) => ({ text: s.text, offset: s.offset, section: s.section })),
      ];
      const found = new Map<string, (typeof prominent)[number]>();
      for (const line of prominent) {
        for (const match of line.text.matchAll(pattern)) {
          const name = nameOf.get(match[0]) ?? '';
          if (name === own || own.includes(name) || name.includes(own) || found.has(name)) continue;
          found.set(name, line);
        }
      }
      for (const [name, line] of found) {
        flags[i]!.push({ code: 'template-leftover', severity: 'warning', other: name, message: `出现同县其他单位名称“${name}”（疑为照搬他人报告）`, evidence: [evidenceOf(ctx, line)] });
      }
    }
  }

  /** Two reports from one unit in the same scope: the assessor keeps one. */
  function flagDuplicateUnits(members: readonly number[]): void {
    const byUnit = new Map<string, number[]>();
    for (const i of members) {
      const key = unitKey(entries[i]!.report);
      if (key) byUnit.set(key, [...(byUnit.get(key) ?? []), i]);
    }
    for (const same of byUnit.values()) {
      if (same.length < 2) continue;
      for (const i of same) {
        const others = same.filter((j) => j !== i).map((j) => entries[j]!.report.source.key);
        flags[i]!.push({ code: 'duplicate-township', severity: 'warning', other: others[0], message: `同一单位本年度有 ${same.length} 份报告（另见 ${others.join('、')}），请确认以哪一份为准` });
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
    }
    const planned = planItemsOf(previous);
    if (planned.length > 0) {
      const ctx = buildContext(entry.report, loaded, { previous });
      const items = followThroughItems(ctx, planned).map((m) => ({ plan: m.plan, status: m.status, ...(m.evidence ? { evidence: m.evidence } : {}) }));
      followThrough.set(i, { previousSource: previous.source.key, planned: items.length, done: items.filter((x) => x.status === 'done').length, items });
    }
  }

  return entries.map((entry, i) => {
    // The scope decides the group, whatever an older stored result carried.
    const withFlags: ScoreResult = { ...entry.result, county: scopes[i]!.county, year: scopes[i]!.year, flags: flags[i]! };
    const ft = followThrough.get(i);
    if (ft) withFlags.followThrough = ft;
    else delete withFlags.followThrough;
    const kept = [...(entry.result.pending ?? []).filter((p) => p.kind !== 'copy-deduction'), ...pending[i]!];
    if (kept.length > 0) withFlags.pending = kept;
    else delete withFlags.pending;
    return finalizeScore(withFlags, rubric, entry.report.submission.findings ?? []);
  });
}
