import type { SentenceMatch } from './context.ts';

/**
 * Zero statements: a report that had no 行政复议 or made no 规范性文件 should say so, and saying so discloses the figure
 * (zero). Only a clause that states a zero is one — 未发生, 没有发生, 未制发/未制定/未出台, 无, 0件, 为零 — not every
 * sentence that happens to mention the matter ("严格规范性文件合法性前置" states nothing of the kind).
 */

const ZERO =
  /(?:未|没有|从未)(?:发生|出现|制发|制定|出台|印发|收到|受理|产生)|(?:^|[，,：:；;\s(（]|全年|年内|本年度|今年|当年|均|并)无(?![法论需须私偿缝障碍一])|(?<![0-9.])0\s*(?:件|起|宗|例|次|个|人)|为\s*(?:零|0)(?![.\d])|零(?:件|起|发生|纠错|败诉)|清零/u;

const CLAUSE_END = /[，,。；;！？!?]/u;

/** Whether the clause(s) holding a zero-pattern match state a zero. */
export function isZeroStatement(folded: string, match: SentenceMatch): boolean {
  let from = match.start;
  while (from > 0 && !CLAUSE_END.test(folded[from - 1] ?? '')) from--;
  let to = match.end;
  while (to < folded.length && !CLAUSE_END.test(folded[to] ?? '')) to++;
  return ZERO.test(folded.slice(from, to));
}
