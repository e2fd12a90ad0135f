// The event-driven pipeline end to end on the local servers: uploads to the pipeline bucket are turned into the S3→SQS
// messages AWS sends, ingested and scored by the handlers through the in-process queues; the export builds the
// workbook, which must rank exactly as the in-process `fazhi score` does on the same files.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MISPLACED_PROBLEM, MISPLACED_UPLOADS, countyYearPk, normalizedKey, rankingPk, reportSk } from '../../schemas/storage.ts';
import { NormalizedReport } from '../../schemas/report.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { exportResponse, runExport, type ExportRun } from '../../functions/export/export.ts';
import { silentLogger } from '../../functions/shared/log.ts';
import { readScoreItem } from '../../functions/shared/records.ts';
import { loadInputs } from '../../cli/inputs.ts';
import { parseFiles, scoreAndRank } from '../../pipeline/batch.ts';
import { toReportingTime } from '../../functions/shared/submission.ts';
import { waitForUploads } from '../../cli/local/wait.ts';
import { planUploads, scopesOf, uploadAll, type PlannedUpload } from '../../cli/uploads.ts';
import { cellText } from '../helpers/cells.ts';
import { connectTo, GOOD_REPORT, sample, SHORT_TXT, uniqueCounty } from './support.ts';

const pipeline = connectTo('pipeline');

/** Uploads and waits until every file is scored or failed (the queues run in the global setup's process). */
async function uploadAndWait(uploads: readonly PlannedUpload[]) {
  const since = Date.now();
  await uploadAll(pipeline.store, uploads);
  const outcome = await waitForUploads(pipeline.records, uploads, { since, idle: () => false, stallMs: 40_000, pollMs: 50 });
  expect(outcome.stuck, 'uploads still not scored or failed').toEqual([]);
  return outcome;
}

async function rankingSheet(bytes: Uint8Array): Promise<{ unit: string; rank: number; total: number; group: string }[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  const sheet = workbook.getWorksheet('排名')!;
  const headers = (sheet.getRow(1).values as ExcelJS.CellValue[]).map(cellText);
  const col = (name: string) => headers.indexOf(name);
  const rows: { unit: string; rank: number; total: number; group: string }[] = [];
  sheet.eachRow((row, index) => {
    // Notes follow the table below a blank row; they have no rank.
    if (index === 1 || typeof row.getCell(col('名次')).value !== 'number') return;
    rows.push({
      group: cellText(row.getCell(col('排名组')).value),
      rank: Number(row.getCell(col('名次')).value),
      unit: cellText(row.getCell(col('单位')).value),
      total: Number(row.getCell(col('最终得分')).value),
    });
  });
  return rows;
}

describe('samples/ through the pipeline', () => {
  let uploads: PlannedUpload[];
  let inProcess: ScoreResult[];
  const runs = new Map<string, ExportRun>();

  beforeAll(async () => {
    const plan = await planUploads(['samples']);
    expect(plan.refused).toEqual([]);
    uploads = plan.uploads;
    await uploadAndWait(uploads);
    for (const scope of scopesOf(uploads)) {
      runs.set(
        `${scope.county}|${scope.year}`,
        await runExport({ store: pipeline.store, records: pipeline.records, log: silentLogger, urlTtlSeconds: 60 }, scope),
      );
    }
    inProcess = await inProcessWithPipelineSubmissions();
  });

  /**
   * The in-process ranking of the same files with the submission facts the pipeline trusts: the receipt date of
   * each upload (not the sidecar's date, which the pipeline keeps only as the uploader's claim).
   */
  async function inProcessWithPipelineSubmissions(): Promise<ScoreResult[]> {
    const keyOf = new Map(uploads.map((u) => [u.source, u]));
    const inputs = await loadInputs(['samples']);
    const files = await Promise.all(
      inputs.files.map(async (file) => {
        const upload = keyOf.get(file.key)!;
        const item = (await pipeline.records.partition(upload.year, upload.county)).reports.find((r) => r.sourceKey === upload.key)!;
        const stored = await pipeline.store.getJson(normalizedKey(item), NormalizedReport);
        return { ...file, submission: stored.submission };
      }),
    );
    const { reports } = await parseFiles(files, bundledRubricFor(2024));
    const byRubric = new Map<string, NormalizedReport[]>();
    for (const report of reports) byRubric.set(String(report.meta.year), [...(byRubric.get(String(report.meta.year)) ?? []), report]);
    return [...byRubric.values()].flatMap((group) => scoreAndRank(group, bundledRubricFor(group[0]!.meta.year), { previousYear: reports }));
  }

  it('places every sample at reports/{year}/{county}/ and scores all of them', async () => {
    expect(uploads.length).toBe(13);
    expect(scopesOf(uploads)).toEqual([
      { county: '临澜县', year: 2023 },
      { county: '临澜县', year: 2024 },
    ]);
    const { reports, scores } = await pipeline.records.partition(2024, '临澜县');
    expect(reports.map((r) => r.status)).toEqual(reports.map(() => 'scored'));
    expect(reports.every((r) => r.reportId && r.township && r.scoredWith?.includes('fazhi-2024@2024.2.0'))).toBe(true);
    const tag = bundledRubricFor(2024).rubric;
    expect(scores.map((s) => s.sk).sort()).toEqual(reports.map((r) => `SCORE#${tag.id}@${tag.version}#${r.sourceKey}`).sort());
    expect(scores.every((s) => s.pk === countyYearPk(2024, '临澜县') && s.gsi1pk === rankingPk(2024, tag) && s.gsi1sk === s.total)).toBe(true);
  });

  it('keeps the normalised report in S3 with the upload key, sequencer and submission metadata', async () => {
    const { reports } = await pipeline.records.partition(2024, '临澜县');
    const item = reports.find((r) => r.sourceKey.endsWith(GOOD_REPORT))!;
    const report = await pipeline.store.getJson(normalizedKey(item), NormalizedReport);
    expect(report.source.key).toBe(item.sourceKey);
    expect(report.source.sequencer).toBe(item.sequencer);
    // The sidecar's date travelled as S3 user metadata: kept as the uploader's claim; the receipt is the submission.
    expect(report.submission).toEqual({
      submittedAt: toReportingTime(item.uploadedAt),
      claimedSubmittedAt: '2025-02-20',
      publishedUrl: 'https://www.linlan.example/zwgk/fzzfjs/2025/wangjiang.html',
      publishedAt: '2025-03-15',
    });
  });

  it('ranks each county·year exactly as the in-process `fazhi score` does (order and totals)', async () => {
    for (const [scope, run] of runs) {
      const [county, year] = scope.split('|');
      const expected = inProcess.filter((r) => r.county === county && String(r.year) === year);
      expect(expected.length).toBeGreaterThan(0);
      expect(run.results.map((r) => [r.rankGroup, r.rank, r.township, r.total, r.grade])).toEqual(
        expected.map((r) => [r.rankGroup, r.rank, r.township, r.total, r.grade]),
      );
      expect(run.results.map((r) => r.flags.map((f) => f.code).sort())).toEqual(expected.map((r) => r.flags.map((f) => f.code).sort()));
      expect(run.failures).toEqual([]);
      expect(run.pending).toEqual([]);
    }
  });

  it('writes the workbook to exports/ whose 排名 sheet matches the in-process ranking', async () => {
    const run = runs.get('临澜县|2024')!;
    expect(run.key).toBe('exports/2024/临澜县/ranking-2024.2.0.xlsx');
    const { bytes } = await pipeline.store.get(run.key);
    const rows = await rankingSheet(bytes);
    const expected = inProcess.filter((r) => r.county === '临澜县' && r.year === 2024);
    expect(rows.map((r) => [r.unit, r.rank, r.total])).toEqual(expected.map((r) => [r.township, r.rank, r.total]));
  });

  it('hands out a presigned link with an RFC 5987 file name that downloads the workbook', async () => {
    const run = runs.get('临澜县|2024')!;
    const url = new URL(run.url);
    const disposition = url.searchParams.get('response-content-disposition')!;
    expect(disposition).toMatch(/^attachment; filename="ranking-2024\.xlsx"; filename\*=UTF-8''%E4%B8%B4%E6%BE%9C%E5%8E%BF2024/);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    const response = await fetch(run.url);
    expect(response.status).toBe(200);
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
    const slim = exportResponse(run);
    expect(slim.results[0]).toEqual({ rank: 1, township: run.results[0]!.township, total: run.results[0]!.total, grade: run.results[0]!.grade });
  });

  it('serves the year-wide ranking from the GSI, highest total first', async () => {
    const ranked = await pipeline.records.ranking(2024, bundledRubricFor(2024).rubric);
    const totals = ranked.filter((s) => s.county === '临澜县').map((s) => s.total);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    expect(ranked.map((s) => readScoreItem(s as unknown as Record<string, unknown>).kind)).toContain('score');
  });
});

describe('files that are data, not errors', () => {
  it('round-trips a key with spaces, Chinese and a plus sign through the S3 event encoding', async () => {
    const county = uniqueCounty('甲 乙');
    const key = `reports/2024/${county}/望江镇 年度+报告 (定稿).docx`;
    await uploadAndWait([{ source: 'x', key, year: 2024, county, bytes: await sample(GOOD_REPORT), metadata: {} }]);
    const { reports, scores } = await pipeline.records.partition(2024, county);
    expect(reports.map((r) => [r.sk, r.status])).toEqual([[reportSk(key), 'scored']]);
    expect(scores[0]?.sourceKey).toBe(key);
    const report = await pipeline.store.getJson(normalizedKey(reports[0]!), NormalizedReport);
    expect(report.source.key).toBe(key);
  });

  it('records a bad file as failed with its reason, scores the good one beside it, and lists it in 处理异常', async () => {
    const county = uniqueCounty('坏文件');
    const good = `reports/2024/${county}/${SHORT_TXT}`;
    const binary = `reports/2024/${county}/扫描件.pdf`;
    const empty = `reports/2024/${county}/空白.txt`;
    await uploadAndWait([
      { source: 'a', key: binary, year: 2024, county, bytes: Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256), metadata: {} },
      { source: 'b', key: good, year: 2024, county, bytes: await sample(SHORT_TXT), metadata: {} },
      { source: 'c', key: empty, year: 2024, county, bytes: new Uint8Array(), metadata: {} },
    ]);
    const { reports } = await pipeline.records.partition(2024, county);
    const byKey = new Map(reports.map((r) => [r.sourceKey, r]));
    expect(byKey.get(good)?.status).toBe('scored');
    for (const key of [binary, empty]) {
      expect(byKey.get(key)?.status).toBe('failed');
      expect(byKey.get(key)?.failure?.message).toMatch(/[\u4e00-\u9fff]/u);
    }
    expect(byKey.get(empty)?.failure?.code).toBe('empty');
    const run = await runExport({ store: pipeline.store, records: pipeline.records, log: silentLogger, urlTtlSeconds: 60 }, { year: 2024, county });
    expect(run.results.map((r) => r.source)).toEqual([good]);
    expect(run.failures.map((f) => f.source).sort()).toEqual([binary, empty].sort());
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from((await pipeline.store.get(run.key)).bytes) as unknown as ExcelJS.Buffer);
    const listed: string[] = [];
    // Column 3, 上传位置 (not printed): the full key; the printed column 1 shows the file name.
    workbook.getWorksheet('处理异常')!.eachRow((row, i) => i > 1 && listed.push(cellText(row.getCell(3).value)));
    expect(listed.sort()).toEqual([binary, empty].sort());
  });

  it('puts an upload outside reports/{year}/{county}/ in the misplaced partition with a reason a person can act on', async () => {
    const key = `reports/2024/${uniqueCounty('无县名')}.txt`;
    await uploadAll(pipeline.store, [{ source: 'x', key, year: 2024, county: 'x', bytes: await sample(SHORT_TXT), metadata: {} }]);
    let item;
    for (let i = 0; i < 400 && !item; i++) {
      item = (await pipeline.records.partition(MISPLACED_UPLOADS.year, MISPLACED_UPLOADS.county)).reports.find(
        (r) => r.sourceKey === key && r.status === 'failed',
      );
      if (!item) await new Promise((r) => setTimeout(r, 50));
    }
    expect(item?.failure).toEqual(MISPLACED_PROBLEM);
    expect(item?.failure?.message).toContain('reports/{年度}/{县名}/{文件名}');
  });
});

describe('local run helpers', () => {
  it('names the uploads that are stuck once the queues have nothing left to do', async () => {
    const county = uniqueCounty('卡住');
    const outcome = await waitForUploads(pipeline.records, [{ key: `reports/2024/${county}/从未上传.txt`, year: 2024, county }], {
      since: 0,
      idle: () => true,
      pollMs: 1,
    });
    expect(outcome.stuck).toEqual([{ key: `reports/2024/${county}/从未上传.txt`, status: '未收到上传事件' }]);
    expect(outcome.scored + outcome.failed).toBe(0);
  });

  it('plans uploads from sidecars, places an unreadable file by its folder, and refuses what is not a report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fazhi-plan-'));
    try {
      await writeFile(join(dir, 'fazhi.meta.json'), JSON.stringify({ county: '临澜县' }));
      await copyFile(new URL(SHORT_TXT, new URL('../../samples/', import.meta.url)), join(dir, SHORT_TXT));
      await writeFile(join(dir, `${SHORT_TXT}.meta.json`), JSON.stringify({ submittedAt: '2025-03-01', findings: ['serious-inspection-finding'] }));
      await writeFile(join(dir, '损坏.docx'), 'PK\u0003\u0004 not really a zip');
      await writeFile(join(dir, '统计表.xlsx'), 'x');
      const plan = await planUploads([dir]);
      const rel = (name: string) => relative(process.cwd(), join(dir, name));
      expect(plan.uploads.map((u) => [u.source, u.key]).sort()).toEqual(
        [
          [rel(SHORT_TXT), `reports/2024/临澜县/${SHORT_TXT}`],
          [rel('损坏.docx'), 'reports/2024/临澜县/损坏.docx'],
        ].sort(),
      );
      expect(plan.uploads.find((u) => u.key.endsWith(SHORT_TXT))?.metadata).toEqual({ 'submitted-at': '2025-03-01', findings: 'serious-inspection-finding' });
      expect(plan.refused.map((r) => r.source)).toEqual([rel('统计表.xlsx')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
