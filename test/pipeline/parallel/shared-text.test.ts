import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SharedLabels, shareReportText, shareResultLabels } from '../../../pipeline/parallel/shared-text.ts';
import { scoreReport } from '../../../pipeline/score/index.ts';
import { reportFromText, rubric2024, sampleText } from '../../helpers/reports.ts';

describe('shareReportText', () => {
  it('leaves a report and its result, as copied across threads, reading exactly as before', () => {
    // Prepare: a sample report scored, then copied as postMessage copies it.
    const report = reportFromText(sampleText('青石镇2024年度法治政府建设工作情况的报告.txt'));
    const result = scoreReport(report, rubric2024);
    const [report2, result2] = structuredClone([report, result]);
    // Act
    shareReportText(report2, result2);
    // Assess
    expect(report2).toEqual(report);
    expect(result2).toEqual(result);
    const evidence = result2.dimensions.flatMap((d) => d.indicators.flatMap((i) => i.evidence));
    expect(evidence.length).toBeGreaterThan(10);
  });

  it('keeps a string that is not the text at its offset', () => {
    // Prepare: a paragraph and an evidence sentence whose offsets do not point at them (an evidence text cut short
    // with "…" is one such case).
    const report = reportFromText(sampleText('青石镇2024年度法治政府建设工作情况的报告.txt'));
    const result = scoreReport(report, rubric2024);
    const paragraph = report.sections.flatMap((s) => s.paragraphs)[0]!;
    paragraph.offset += 1;
    const evidence = result.dimensions.flatMap((d) => d.indicators.flatMap((i) => i.evidence))[0]!;
    evidence.text = `${evidence.text.slice(0, 5)}…`;
    const [paragraphText, evidenceText] = [paragraph.text, evidence.text];
    // Act
    shareReportText(report, result);
    // Assess
    expect(paragraph.text).toBe(paragraphText);
    expect(evidence.text).toBe(evidenceText);
  });
});

/** A full garbage collection, then the heap in use (bytes). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('shareResultLabels', () => {
  it('leaves results reading exactly as before', () => {
    // Prepare: two sample reports' results, as copied across threads.
    const results = ['青石镇2024年度法治政府建设工作情况的报告.txt', '龙口乡2024年法治政府建设工作总结.txt'].map((name) =>
      scoreReport(reportFromText(sampleText(name)), rubric2024),
    );
    const copies = structuredClone(results);
    const labels = new SharedLabels();
    // Act
    for (const copy of copies) shareResultLabels(copy, labels);
    // Assess
    expect(copies).toEqual(results);
  });

  it('keeps one copy of the labels many results repeat: the heap they take shrinks', () => {
    // Prepare: 150 copies of a result, as 150 results arrive from a worker, each with its own copies of every label.
    const result = scoreReport(reportFromText(sampleText('青石镇2024年度法治政府建设工作情况的报告.txt')), rubric2024);
    const copies = Array.from({ length: 150 }, () => structuredClone(result));
    const before = heapAfterGc();
    const labels = new SharedLabels();
    // Act
    for (const copy of copies) shareResultLabels(copy, labels);
    // Assess: measured ≈ 5.8 KB per synthetic report freed; at least 2 KB per result here, with the results still held.
    const freedPerResult = (before - heapAfterGc()) / copies.length;
    expect(freedPerResult).toBeGreaterThan(2000);
    expect(copies.at(-1)).toEqual(result);
  });
});
