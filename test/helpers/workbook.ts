import type { Failure } from '../../schemas/failure.ts';
import type { WorkbookInput } from '../../pipeline/workbook/view.ts';
import { rubric2024 } from './reports.ts';

/**
 * The workbook of the samples' county·year (临澜县 2024) as the tests and the fixture and render scripts write it:
 * the 2024 rubric and a fixed generation time, so the same results give the same bytes, pages and digests.
 */
export function samplesWorkbookInput(results: WorkbookInput['results'], failures: readonly Failure[] = []): WorkbookInput {
  return {
    results,
    failures,
    rubric: rubric2024,
    scope: '临澜县 2024年度',
    scopeKey: { county: '临澜县', year: 2024 },
    generatedAt: '2025-04-10T08:00:00.000Z',
  };
}
