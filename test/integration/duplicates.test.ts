// One upload, one result, whatever the bytes: the same file filed under three county·years at once is three uploads,
// each parsed into its own normalised report, scored in its own county·year, rescored, and ranked in its own workbook.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { NormalizedReport } from '../../schemas/report.ts';
import { normalizedKey, rubricTag, uploadKey, type ReportItem } from '../../schemas/storage.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { makeSqsClient } from '../../functions/aws/clients.ts';
import { SqsQueueSender } from '../../functions/aws/queue.ts';
import { runExport } from '../../functions/export/export.ts';
import { runRescore } from '../../functions/rescore/rescore.ts';
import { silentLogger } from '../../functions/shared/log.ts';
import { refOf } from '../../functions/shared/rubrics.ts';
import { connectTo, sample, uniqueCounty } from './support.ts';

const pipeline = connectTo('pipeline');
const REPORT = '青石镇2024年度法治政府建设工作情况的报告.txt';

async function itemOf(year: number, county: string, key: string): Promise<ReportItem | undefined> {
  return (await pipeline.records.partition(year, county)).reports.find((r) => r.sourceKey === key);
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('identical bytes under three county·years, uploaded at the same time', () => {
  it('are three uploads: all scored, rescored, and each in its own county·year workbook', async () => {
    // Prepare
    const bytes = await sample(REPORT);
    const jia = uniqueCounty('甲');
    const yi = uniqueCounty('乙');
    const uploads = [
      { year: 2024, county: jia, key: uploadKey(2024, jia, REPORT), claim: '2025-02-10' },
      { year: 2024, county: yi, key: uploadKey(2024, yi, REPORT), claim: '2025-02-11' },
      { year: 2023, county: jia, key: uploadKey(2023, jia, REPORT), claim: '2024-02-12' },
    ];

    // Act 1: upload all three at once.
    await Promise.all(uploads.map((u) => pipeline.store.put(u.key, bytes, { contentType: 'text/plain', metadata: { 'submitted-at': u.claim } })));
    await until('all three scored', async () => (await Promise.all(uploads.map((u) => itemOf(u.year, u.county, u.key)))).every((i) => i?.status === 'scored'));

    // Assess 1: one content, three uploads, each with its own normalised report and submission facts.
    const items = (await Promise.all(uploads.map((u) => itemOf(u.year, u.county, u.key)))) as ReportItem[];
    expect(new Set(items.map((i) => i.reportId)).size).toBe(1);
    expect(new Set(items.map((i) => i.uploadId)).size).toBe(3);
    const reports = await Promise.all(items.map((i) => pipeline.store.getJson(normalizedKey(i), NormalizedReport)));
    expect(reports.map((r) => r.source.key)).toEqual(uploads.map((u) => u.key));
    expect(reports.map((r) => r.submission.claimedSubmittedAt)).toEqual(uploads.map((u) => u.claim));

    // Act 2: rescore every one of them with next year's rubric, as `fazhi rescore` does.
    const rubric2025 = bundledRubricFor(2025);
    const client = makeSqsClient({ sqsEndpoint: new URL(inject('fazhi').scoreQueueUrl).origin });
    const deps = { records: pipeline.records, queue: new SqsQueueSender(client), scoreQueueUrl: inject('fazhi').scoreQueueUrl, log: silentLogger };
    const sent = [
      await runRescore(deps, { year: 2024, county: jia, rubric: refOf(rubric2025) }),
      await runRescore(deps, { year: 2024, county: yi, rubric: refOf(rubric2025) }),
      await runRescore(deps, { year: 2023, county: jia, rubric: refOf(rubric2025) }),
    ];
    client.destroy();
    const tag = rubricTag(rubric2025.rubric);
    await until('all three rescored', async () =>
      (await Promise.all(uploads.map((u) => itemOf(u.year, u.county, u.key)))).every((i) => i?.scoredWith?.includes(tag)),
    );

    // Assess 2: one command per upload (none skipped "as a copy"), and every upload has its score under both rubrics.
    expect(sent.map((s) => [s.queued, s.skipped.length, s.failed.length])).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [1, 0, 0],
    ]);
    for (const u of uploads) {
      const { scores } = await pipeline.records.partition(u.year, u.county);
      expect(
        scores
          .filter((s) => s.sourceKey === u.key)
          .map((s) => rubricTag(s.rubric))
          .sort(),
      ).toEqual([rubricTag(bundledRubricFor(u.year).rubric), tag].sort());
    }

    // Act 3 + Assess 3: each county·year's workbook ranks its own upload, with both rubrics.
    for (const u of uploads) {
      for (const rubric of [bundledRubricFor(u.year), rubric2025]) {
        const run = await runExport(
          { store: pipeline.store, records: pipeline.records, log: silentLogger, urlTtlSeconds: 60 },
          { year: u.year, county: u.county, rubric: refOf(rubric) },
        );
        expect(
          run.results.map((r) => r.source),
          `${u.key} ${rubric.rubric.version}`,
        ).toEqual([u.key]);
        expect(run.pending).toEqual([]);
        const workbook = new ExcelJS.Workbook();
        await workbook.xlsx.load(Buffer.from((await pipeline.store.get(run.key)).bytes) as unknown as ExcelJS.Buffer);
        const sheet = workbook.getWorksheet('排名')!;
        const unit = (sheet.getRow(1).values as unknown[]).map(String).indexOf('单位');
        let ranked = 0;
        sheet.eachRow((row, i) => {
          if (i > 1 && row.getCell(unit).value === '青石镇') ranked++;
        });
        expect(ranked, run.key).toBe(1);
      }
    }
  });
});
