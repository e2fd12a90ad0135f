import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedReport } from '../../../schemas/report.ts';
import { parseFiles } from '../../../pipeline/batch.ts';
import { buildContext } from '../../../pipeline/score/context.ts';
import { followThroughItems, plannedQuantity, planItemsOf } from '../../../pipeline/score/follow-through.ts';
import { rubric2024, SAMPLES_DIR } from '../../helpers/reports.ts';

/** samples/2023/follow-through.json records, for each 2023 plan item, whether the 2024 report shows it done. */
interface Expected {
  township: string;
  report2023: string;
  report2024: string;
  items: { plan2023: string; doneIn2024: boolean; status: string }[];
}
const expected = JSON.parse(readFileSync(join(SAMPLES_DIR, '2023/follow-through.json'), 'utf8')) as Expected[];

const reports = new Map<string, NormalizedReport>();
beforeAll(async () => {
  const files = expected.flatMap((e) => [e.report2023, e.report2024]).map((name) => ({ key: name, bytes: readFileSync(join(SAMPLES_DIR, name)) }));
  const { reports: parsed } = await parseFiles(files, rubric2024);
  for (const report of parsed) reports.set(report.source.key, report);
});

describe('follow-through of last year plans', () => {
  it.each(expected.map((e) => [e.township, e] as const))('%s: finds each 2023 plan item and whether 2024 carried it out', (_, entry) => {
    const previous = reports.get(entry.report2023)!;
    const current = reports.get(entry.report2024)!;
    const planned = planItemsOf(previous);
    expect(planned.length).toBe(entry.items.length);
    const items = followThroughItems(buildContext(current, rubric2024, { previous }), planned);
    expect(items.map((i) => i.status === 'done')).toEqual(entry.items.map((i) => i.doneIn2024));
    for (const item of items.filter((i) => i.status === 'done' || i.status === 'partial')) expect(current.text).toContain(item.evidence!.text);
  });

  it('reads the quantity a plan commits to', () => {
    expect(plannedQuantity('全年开展党委会会前学法不少于10次')).toEqual({ value: 10, unit: '次' });
    expect(plannedQuantity('每季度开展一次行政执法案卷评查')).toEqual({ value: 4, unit: '次' });
    expect(plannedQuantity('每半年开展1次行政执法案卷评查')).toEqual({ value: 2, unit: '次' });
    expect(plannedQuantity('推动执法队员全部取得执法证，持证率达到100%')).toEqual({ value: 100, unit: '%' });
    expect(plannedQuantity('力争创建1个省级民主法治示范村')).toBeNull();
  });
});
