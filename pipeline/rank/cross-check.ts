import type { NormalizedReport } from '../../schemas/report.ts';
import type { Evidence, Flag, ScoreResult } from '../../schemas/score.ts';
import { buildContext, evidenceOf, sectionLabel } from '../score/context.ts';
import { finalizeScore } from '../score/index.ts';
import type { LoadedRubric } from '../score/rubric.ts';
import { followThroughItems, planItemsOf } from '../score/follow-through.ts';
import { reportSignature, similarPairs, type ReportSignature } from './similarity.ts';

/**
 * What no single report shows: reports of one county·year copied from each other or from the same unit's report of
 * the year before, another unit's name left in a report, two reports from one unit, and how last year's plans were
 * carried out. Adds flags (replacing any from an earlier pass, so running it twice changes nothing), fills in
 * `followThrough`, then recomputes the penalties, totals and grades that depend on flags.
 */

export interface CrossCheckEntry {
  report: NormalizedReport;
  result: ScoreResult;
  /** A precomputed copy signature (the pipeline stores one with each score); computed here when absent. */
  signature?: ReportSignature;
}

export interface CrossCheckOptions {
  /** Reports of the previous year (any counties): each is matched to this year's report of the same unit. */
  previousYear?: readonly NormalizedReport[];
}

const CROSS_REPORT_CODES = new Set<Flag['code']>(['similar-to', 'duplicate-township']);
const isCrossReportFlag = (flag: Flag): boolean => CROSS_REPORT_CODES.has(flag.code) || (flag.code === 'template-leftover' && flag.other !== undefined);

const ROLE_NOTES: Record<NonNullable<Flag['role']>, string> = {
  copier: '；本报告中出现对方单位名称，疑为照搬方',
  source: '；对方报告中出现本单位名称，本报告疑为被照搬方（不扣分，请核实）',
  unknown: '；无法判断谁照搬了谁，请核实',
};

/** Whether `report` mentions the other unit's name or its stem (青石镇 → 青石), a trace a copy leaves behind. */
function carriesNameOf(report: NormalizedReport, other: NormalizedReport): boolean {
  const name = other.meta.township;
  if (!name || name === report.meta.township) return false;
  const stem = name.replace(/(街道办事处|街道|镇|乡)$/u, '');
  return report.text.includes(name) || (stem.length >= 2 && !(report.meta.township ?? '').includes(stem) && report.text.includes(stem));
}

const groupKey = (r: { county: string | null; year: number | null }): string => `${r.county ?? ''}|${r.year ?? ''}`;
const percent = (x: number): string => `${Math.round(x * 100)}%`;

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
  return report.meta.township ? `${report.meta.county ?? ''}|${report.meta.township}` : null;
}

export function crossCheck(entries: readonly CrossCheckEntry[], loaded: LoadedRubric, options: CrossCheckOptions = {}): ScoreResult[] {
  const rubric = loaded.rubric;
  const flags = entries.map((e) => e.result.flags.filter((f) => !isCrossReportFlag(f)));
  const followThrough = new Map<number, ScoreResult['followThrough']>();
  const signatures = entries.map((e) => e.signature ?? reportSignature(e.report, rubric.similarity.shingle));

  const groups = new Map<string, number[]>();
  entries.forEach((e, i) => groups.set(groupKey(e.result), [...(groups.get(groupKey(e.result)) ?? []), i]));

  for (const members of groups.values()) {
    // Copies within the county·year.
    const pairs = similarPairs(members.map((i) => signatures[i]!), rubric.similarity.commonShare);
    for (const pair of pairs) {
      if (pair.similarity < rubric.similarity.threshold) continue;
      const a = members[pair.a] ?? 0;
      const b = members[pair.b] ?? 0;
      const [ea, eb] = [entries[a]!, entries[b]!];
      const similarity = Math.round(pair.similarity * 100) / 100;
      // Who copied whom: a copy usually keeps a trace of the original's name ("青石分平台" in 桃源镇's report).
      const aCarriesB = carriesNameOf(ea.report, eb.report);
      const bCarriesA = carriesNameOf(eb.report, ea.report);
      const roleOf = (carriesOther: boolean, carriedByOther: boolean): NonNullable<Flag['role']> =>
        carriesOther && !carriedByOther ? 'copier' : carriedByOther && !carriesOther ? 'source' : 'unknown';
      const describe = (own: CrossCheckEntry, other: CrossCheckEntry, ownShare: number, otherShare: number, passages: { own: number }[], role: NonNullable<Flag['role']>): Flag => ({
        code: 'similar-to',
        severity: role === 'source' ? 'warning' : 'error',
        other: other.report.source.key,
        similarity,
        role,
        message: `与“${other.report.meta.township ?? other.report.source.key}”的报告雷同：本报告约 ${percent(ownShare)} 的正文见于对方，对方约 ${percent(otherShare)} 见于本报告（已排除各报告通用的套语）${ROLE_NOTES[role]}`,
        evidence: passages.slice(0, 3).map((p) => {
          const paragraph = signatures[entries.indexOf(own)]!.paragraphs[p.own]!;
          return passageEvidence(own.report, paragraph.offset, paragraph.section);
        }),
      });
      flags[a]!.push(describe(ea, eb, pair.shareA, pair.shareB, pair.passages.map((m) => ({ own: m.a })), roleOf(aCarriesB, bCarriesA)));
      flags[b]!.push(describe(eb, ea, pair.shareB, pair.shareA, pair.passages.map((m) => ({ own: m.b })), roleOf(bCarriesA, aCarriesB)));
    }

    // Another unit's name in the title, a heading or the opening: a template taken from a neighbour.
    // Township and subdistrict names only: a township report naming 县司法局 is normal, naming a neighbour as itself is not.
    const isTownshipLike = (i: number) => ['township', 'subdistrict'].includes(entries[i]!.report.meta.unitKind ?? '');
    const names = [...new Set(members.filter(isTownshipLike).map((i) => entries[i]!.report.meta.township).filter((n): n is string => !!n))];
    for (const i of members.filter(isTownshipLike)) {
      const report = entries[i]!.report;
      const own = report.meta.township;
      if (!own) continue;
      const ctx = buildContext(report, loaded);
      const prominent = [
        ...(report.meta.title ? [{ text: report.meta.title, offset: Math.max(0, report.text.indexOf(report.meta.title)), section: 0 }] : []),
        ...ctx.headings.map((h) => ({ text: h.text, offset: h.offset, section: h.section })),
        ...ctx.sentences.filter((s) => s.section === 0 || /[我本](镇|乡|街道)/u.test(s.folded)).map((s) => ({ text: s.text, offset: s.offset, section: s.section })),
      ];
      for (const name of names) {
        if (name === own || own.includes(name) || name.includes(own)) continue;
        const stem = name.replace(/(街道办事处|街道|镇|乡)$/u, '');
        const found = prominent.find((l) => l.text.includes(name) || (stem.length >= 2 && l.text.includes(`${stem}分`)));
        if (found) {
          flags[i]!.push({ code: 'template-leftover', severity: 'warning', other: name, message: `出现同县其他单位名称“${name}”（疑为照搬他人报告）`, evidence: [evidenceOf(ctx, found)] });
        }
      }
    }

    // Two reports from one unit in the same year: the assessor keeps one.
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

  // Last year's report of the same unit: copied from it, and which of its plans were carried out.
  const previousByUnit = new Map<string, NormalizedReport>();
  for (const report of options.previousYear ?? []) {
    const key = unitKey(report);
    if (key) previousByUnit.set(`${key}|${report.meta.year ?? ''}`, report);
  }
  entries.forEach((entry, i) => {
    const key = unitKey(entry.report);
    const year = entry.report.meta.year;
    const previous = key && year !== null ? previousByUnit.get(`${key}|${year - 1}`) : undefined;
    if (!previous) return;
    const [pair] = similarPairs([signatures[i]!, reportSignature(previous, rubric.similarity.shingle)], 1);
    if (pair && pair.shareA >= rubric.similarity.threshold) {
      flags[i]!.push({
        code: 'similar-to',
        severity: 'error',
        role: 'copier',
        other: previous.source.key,
        similarity: Math.round(pair.shareA * 100) / 100,
        message: `与本单位上一年度（${year! - 1}年）报告雷同：本报告约 ${percent(pair.shareA)} 的正文照搬去年`,
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
  });

  return entries.map((entry, i) => {
    const withFlags: ScoreResult = { ...entry.result, flags: flags[i]! };
    const ft = followThrough.get(i);
    if (ft) withFlags.followThrough = ft;
    else delete withFlags.followThrough;
    return finalizeScore(withFlags, rubric, entry.report.submission.findings ?? []);
  });
}
