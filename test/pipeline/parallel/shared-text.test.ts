import { describe, expect, it } from 'vitest';
import { shareReportText } from '../../../pipeline/parallel/shared-text.ts';
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
