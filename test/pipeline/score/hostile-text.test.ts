import { describe, expect, it } from 'vitest';
import { ScoreResult } from '../../../schemas/score.ts';
import { MAX_LINE_CHARS } from '../../../pipeline/extract/limits.ts';
import { parseReport } from '../../../pipeline/parse.ts';
import { buildContext } from '../../../pipeline/score/context.ts';
import { scoreReport } from '../../../pipeline/score/index.ts';
import { MAX_SENTENCE_CHARS } from '../../../pipeline/text/sentences.ts';
import { reportFromText, rubric2024 } from '../../helpers/reports.ts';
import { digits, nestedNumbering, runOnLine, runOnLines } from './hostile-text-fixtures.ts';

/**
 * Hostile text: uploads that are technically text but have no sentence structure. Each is either refused by the
 * extract stage's limits or scored, with bounded sentences; none may make per-sentence work grow with the text.
 * (No assertion here depends on speed; `npm run bench -- hostile` prints the times.)
 */

describe('hostile text is scored or refused, never unbounded', () => {
  it('400,000 characters without a sentence end (short lines): scored, every sentence bounded', async () => {
    // Prepare
    const text = runOnLines();
    expect(text.length).toBeGreaterThanOrEqual(399_000);
    // Act
    const outcome = await parseReport({ key: 'run-on.txt', bytes: Buffer.from(text) }, rubric2024.rubric.metrics);
    // Assess
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const ctx = buildContext(outcome.report, rubric2024);
    expect(ctx.sentences.length).toBeGreaterThan(300);
    expect(Math.max(...ctx.sentences.map((s) => s.text.length))).toBeLessThanOrEqual(MAX_SENTENCE_CHARS);
    const result = ScoreResult.parse(scoreReport(outcome.report, rubric2024));
    for (const d of result.dimensions) for (const i of d.indicators) for (const e of i.evidence) expect(e.text.length).toBeLessThanOrEqual(MAX_SENTENCE_CHARS);
  });

  it('the same run on one line: refused by the extract stage, and bounded if it reaches the scorer', async () => {
    const text = runOnLine();
    const outcome = await parseReport({ key: 'one-line.txt', bytes: Buffer.from(text) }, rubric2024.rubric.metrics);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.failure.code).toBe('text-too-long');
    const ctx = buildContext(reportFromText(text), rubric2024);
    expect(Math.max(...ctx.sentences.map((s) => s.text.length))).toBeLessThanOrEqual(MAX_SENTENCE_CHARS);
    // Cut at clause breaks where there are some: no sentence is split inside a figure.
    expect(ctx.sentences.filter((s) => s.text.length > 100).every((s) => /[，,]$/u.test(s.text) || s === ctx.sentences.at(-1))).toBe(true);
  });

  it('deeply nested numbering: scored, outline depth bounded', async () => {
    const outcome = await parseReport({ key: 'nested.txt', bytes: Buffer.from(nestedNumbering()) }, rubric2024.rubric.metrics);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.report.sections.length).toBeGreaterThan(1000);
    expect(Math.max(...outcome.report.sections.map((s) => s.level))).toBeLessThanOrEqual(6);
    expect(() => ScoreResult.parse(scoreReport(outcome.report, rubric2024))).not.toThrow();
  });

  it('50,000 digits: refused as a line too long, and no infinite figure if it reaches the scorer', async () => {
    const text = digits();
    expect(text.split('\n')[2]!.length).toBeGreaterThan(MAX_LINE_CHARS);
    const outcome = await parseReport({ key: 'digits.txt', bytes: Buffer.from(text) }, rubric2024.rubric.metrics);
    expect(outcome.ok).toBe(false);
    const report = reportFromText(text);
    expect(report.facts.every((f) => Number.isFinite(f.value))).toBe(true);
    expect(() => ScoreResult.parse(scoreReport(report, rubric2024))).not.toThrow();
  });
});
