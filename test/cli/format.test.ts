import { describe, expect, it } from 'vitest';
import { flagText, rankingTable } from '../../cli/format.ts';
import { runScore } from '../../cli/commands/score.ts';
import { rubric2024, SAMPLES_DIR } from '../helpers/reports.ts';

describe('the CLI ranking table', () => {
  it('shows a flag that cost points even when it is only informational (河湾镇 pays 4 points for 套话), as the workbook does', async () => {
    // Prepare
    const run = await runScore([SAMPLES_DIR], {});
    const hewan = run.results.find((r) => r.township === '河湾镇' && r.year === 2024)!;
    const boilerplate = hewan.penalties.find((p) => p.id === 'P.boilerplate')!;
    expect(boilerplate.points).toBeGreaterThan(0);
    expect(hewan.flags.find((f) => f.code === 'boilerplate')?.severity).toBe('info');
    // Act
    const withRubric = flagText(hewan, rubric2024.rubric);
    const table = rankingTable(run.results, () => rubric2024.rubric);
    // Assess
    expect(withRubric).toContain('套话多');
    expect(table.split('\n').find((line) => line.includes('河湾镇') && line.includes('照搬'))).toContain('套话多');
    // Without the rubric nothing tells the flag cost points: info flags stay out, as before.
    expect(flagText(hewan)).not.toContain('套话多');
  });
});
