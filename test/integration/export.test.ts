// The export on the local servers: the workbook streamed to S3 in parts (read back byte for byte), the year-wide export
// of every county (the export function's {year} request), and a year with no uploads. A year no other test files
// under, in the bucket and table without event wiring, so the year-wide export sees only what this file uploads.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ExportResponse } from '../../schemas/events.ts';
import type { ScoreResult } from '../../schemas/score.ts';
import { normalizedKey, uploadKey, type ReportItem } from '../../schemas/storage.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { rankResults } from '../../pipeline/rank/index.ts';
import { readReviewedWorkbook } from '../../pipeline/review/read.ts';
import { FEEDBACK_SHEET_LIMIT, WIDE_RANK_LABEL } from '../../pipeline/workbook/index.ts';
import { SHEETS } from '../../pipeline/workbook/keys.ts';
import { makeS3Client } from '../../functions/aws/clients.ts';
import { S3ObjectStore, type ObjectStore } from '../../functions/aws/object-store.ts';
import { makeExportHandler, NoUploadsError, runExport, type ExportDeps } from '../../functions/export/export.ts';
import { uploadWorkbook } from '../../functions/export/upload.ts';
import { yearExportKey } from '../../functions/export/year.ts';
import { silentLogger } from '../../functions/shared/log.ts';
import { cellText } from '../helpers/cells.ts';
import { connectTo, handlersOn, nextSequencer, sample, sqsEvent, uniqueCounty, uploadEventBody } from './support.ts';

const direct = connectTo('direct');
const { ingest, score } = handlersOn(direct);
const deps: ExportDeps = { store: direct.store, records: direct.records, log: silentLogger, urlTtlSeconds: 60 };

/** No other test files anything under this year. */
const YEAR = 2077;
const rubric = bundledRubricFor(YEAR);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Uploads a sample under the county·year and runs ingest and score on it, as the queues would. */
async function file(county: string, name: string): Promise<void> {
  const key = uploadKey(YEAR, county, name);
  const bytes = await sample(name);
  await direct.store.put(key, bytes, { contentType: 'application/octet-stream' });
  expect(await ingest(sqsEvent([uploadEventBody(direct.store.bucket, key, { sequencer: nextSequencer(), size: bytes.byteLength })]))).toEqual({
    batchItemFailures: [],
  });
  const upload = (await direct.records.partition(YEAR, county)).reports.find((r) => r.sourceKey === key) as ReportItem;
  if (upload.status === 'failed') return;
  expect(await score(sqsEvent([uploadEventBody(direct.store.bucket, normalizedKey(upload), { sequencer: nextSequencer(), size: 1 })]))).toEqual({
    batchItemFailures: [],
  });
}

/** The store, except that what putStream sends is hashed on the way (to compare with what S3 then holds). */
function hashingStore(store: S3ObjectStore): { store: ObjectStore; sent: () => { bytes: number; sha256: string } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const wrapped: ObjectStore = {
    bucket: store.bucket,
    get: (key, versionId) => store.get(key, versionId),
    getJson: (key, schema) => store.getJson(key, schema),
    put: (key, body, options) => store.put(key, body, options),
    putJson: (key, value) => store.putJson(key, value),
    presignGet: (key, options) => store.presignGet(key, options),
    putStream: (key, body, options) => {
      const tee = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      body.on('error', (error) => tee.destroy(error));
      return store.putStream(key, body.pipe(tee), options);
    },
  };
  return { store: wrapped, sent: () => ({ bytes, sha256: hash.digest('hex') }) };
}

const counties = [uniqueCounty('全省甲'), uniqueCounty('全省乙')].sort();
const FILES: Record<number, string[]> = {
  0: [
    '望江镇2024年法治政府建设情况报告.docx',
    '河湾镇2024年法治政府建设情况报告.txt',
    '石门镇2024年法治政府建设工作报告.txt',
    '临澜县司法局2024年法治政府建设工作情况的报告.docx',
  ],
  1: [
    '桃源镇2024年度法治政府建设工作情况的报告.txt',
    '青石镇2024年度法治政府建设工作情况的报告.txt',
    '龙口乡2024年法治政府建设工作总结.txt',
    '白沙镇2024年度法治政府建设情况报告.docx',
  ],
};

beforeAll(async () => {
  for (const [i, county] of counties.entries()) for (const name of FILES[i]!) await file(county, name);
}, 120_000);

describe('S3ObjectStore.putStream on the local S3 server', () => {
  it('stores a stream of 12 MB (three parts) byte for byte', async () => {
    // Prepare: 12 MB of varied bytes, in 64 KB chunks of unknown total length.
    const chunks = Array.from({ length: 192 }, (_, i) => createHash('sha512').update(String(i)).digest().toString('hex').repeat(512).slice(0, 65_536));
    const expected = Buffer.from(chunks.join(''));
    const key = `exports/${YEAR}/stream-test.bin`;
    // Act
    await direct.store.putStream(key, Readable.from(chunks.map((c) => Buffer.from(c))), { contentType: 'application/octet-stream' });
    // Assess
    const stored = await direct.store.get(key);
    expect(stored.bytes.byteLength).toBe(expected.byteLength);
    expect(sha256(stored.bytes)).toBe(sha256(expected));
  });
});

describe('the county export streams its workbook to S3', () => {
  it('uploads a workbook of several parts that reads back byte for byte, carrying every result', async () => {
    // Prepare: one county's results, repeated past one part (5 MB) and past the feedback-sheet limit.
    const run = await runExport(deps, { year: YEAR, county: counties[0]! });
    const many: ScoreResult[] = [];
    for (let c = 0; many.length <= FEEDBACK_SHEET_LIMIT; c++)
      for (const r of run.results) many.push({ ...r, source: `${r.source}#${c}`, township: `${r.township ?? '单位'}${c}` });
    const ranked = rankResults(many, rubric.rubric);
    const { store, sent } = hashingStore(direct.store);
    const key = `exports/${YEAR}/${counties[0]}/big-test.xlsx`;
    // Act
    const written = await uploadWorkbook(store, key, {
      results: ranked,
      failures: [],
      rubric,
      scope: `${counties[0]} ${YEAR}年度`,
      scopeKey: { county: counties[0]!, year: YEAR },
      generatedAt: '2078-04-01T00:00:00.000Z',
    });
    // Assess
    const stored = await direct.store.get(key);
    const streamed = sent();
    expect(streamed.bytes).toBeGreaterThan(5 * 1024 * 1024);
    expect(written.bytes).toBe(streamed.bytes);
    expect(stored.bytes.byteLength).toBe(streamed.bytes);
    expect(sha256(stored.bytes)).toBe(streamed.sha256);
    const reviewed = await readReviewedWorkbook(stored.bytes);
    expect(reviewed.results).toEqual(ranked);
    expect(stored.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  });

  it('fails, without waiting for ever, when the upload cannot be made', async () => {
    // Prepare: a bucket that does not exist.
    const env = inject('fazhi');
    const nowhere = new S3ObjectStore(makeS3Client({ s3Endpoint: env.s3Endpoint }), 'no-such-bucket-fazhi');
    const run = await runExport(deps, { year: YEAR, county: counties[1]! });
    // Act / Assess
    await expect(
      uploadWorkbook(nowhere, 'exports/x.xlsx', { results: run.results, failures: [], rubric, scope: 'x', generatedAt: '2078-04-01T00:00:00.000Z' }),
    ).rejects.toThrow(/bucket/i);
  });
});

describe('the year-wide export ({ year } without a county)', () => {
  let response: ExportResponse;
  let workbook: ExcelJS.Workbook;
  let bytes: Uint8Array;

  beforeAll(async () => {
    response = ExportResponse.parse(await makeExportHandler(deps)({ year: YEAR }));
    bytes = (await direct.store.get(response.key)).bytes;
    workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  }, 120_000);

  it('ranks every county of the year as its own export does, and places each unit province-wide', async () => {
    // Prepare: each county's own export.
    const own = await Promise.all(counties.map((county) => runExport(deps, { year: YEAR, county })));
    // Assess
    expect(response.key).toBe(yearExportKey(YEAR, rubric.rubric.version));
    expect(response.counties?.map((c) => c.county)).toEqual(counties);
    for (const [i, county] of counties.entries()) {
      const mine = response.results.filter((r) => r.county === county).map(({ township, rank, total, grade }) => ({ township, rank, total, grade }));
      expect(mine).toEqual(own[i]!.results.map(({ township, rank, total, grade }) => ({ township, rank, total, grade })));
      expect(response.counties?.[i]).toMatchObject({ results: own[i]!.results.length, failures: own[i]!.failures.length, pending: own[i]!.pending.length });
    }
    // Province-wide place: 1 + the units of the same group, any county, with a higher total.
    const all = own.flatMap((run) => run.results);
    for (const row of response.results) {
      const result = all.find((r) => r.county === row.county && r.township === row.township)!;
      const expected = result.rankGroup === 'other' ? null : 1 + all.filter((r) => r.rankGroup === result.rankGroup && r.total > result.total).length;
      expect(row.provinceRank, `${row.county} ${row.township}`).toBe(expected);
    }
  });

  it('writes one workbook of all counties, with 县内名次, 县（区） and 全省排名, that the review can read', async () => {
    const sheet = workbook.getWorksheet(SHEETS.ranking)!;
    const headers = (sheet.getRow(1).values as ExcelJS.CellValue[]).map(cellText);
    expect(headers).toEqual(expect.arrayContaining(['县内名次', '县（区）', WIDE_RANK_LABEL]));
    const county = headers.indexOf('县（区）');
    const listed = new Set<string>();
    sheet.eachRow((row, n) => n > 1 && n <= response.results.length + 1 && listed.add(cellText(row.getCell(county).value)));
    expect([...listed].sort()).toEqual(counties);
    const reviewed = await readReviewedWorkbook(bytes);
    expect(reviewed.provenance.scope).toEqual({ label: `全省 ${YEAR}年度`, county: null, year: YEAR });
    expect(reviewed.results).toHaveLength(response.results.length);
  });

  it('is an error for a year with no uploads, naming the years around it that have some', async () => {
    // Act / Assess: the year after has none; this file's year is named, with its counties counted.
    const next = makeExportHandler(deps)({ year: YEAR + 1 });
    await expect(next).rejects.toBeInstanceOf(NoUploadsError);
    await expect(next).rejects.toThrow(`${YEAR + 1}年度没有任何县上传的报告。已有上传的年度：${YEAR}年度（2 个县）`);
    await expect(makeExportHandler(deps)({ year: YEAR + 3 })).rejects.toThrow(`${YEAR + 2}–${YEAR + 4} 年度也没有任何县的上传`);
  });
});
