// Issue 4 through the pipeline: a folder of broken and hostile files plus two good reports, uploaded straight into the
// bucket (as a township might, bypassing the CLI's checks). Every bad file must end `failed` with its code in DynamoDB
// and be listed in the workbook's 处理异常 sheet; the good ones are scored; nothing from outside the upload leaks.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { uploadKey } from '../../schemas/storage.ts';
import { runExport, type ExportRun } from '../../functions/export/export.ts';
import { silentLogger } from '../../functions/shared/log.ts';
import { waitForUploads } from '../../cli/local/wait.ts';
import { contentTypeOf } from '../../cli/uploads.ts';
import { cellText } from '../helpers/cells.ts';
import { makeHostileFolder, type HostileFolder } from '../helpers/hostile.ts';
import { connectTo, uniqueCounty } from './support.ts';

const pipeline = connectTo('pipeline');

describe('hostile uploads through the pipeline', () => {
  let folder: HostileFolder;
  let county: string;
  let exported: ExportRun;
  const keyOf = (name: string) => uploadKey(2024, county, name);

  beforeAll(async () => {
    folder = makeHostileFolder();
    county = uniqueCounty('恶意');
    const names = readdirSync(folder.dir).filter((n) => !n.endsWith('.json'));
    const since = Date.now();
    for (const name of names) {
      await pipeline.store.put(keyOf(name), readFileSync(join(folder.dir, name)), { contentType: contentTypeOf(name) });
    }
    const outcome = await waitForUploads(
      pipeline.records,
      names.map((name) => ({ key: keyOf(name), year: 2024, county })),
      { since, idle: () => false, stallMs: 90_000, pollMs: 100 },
    );
    expect(outcome.stuck).toEqual([]);
    exported = await runExport({ store: pipeline.store, records: pipeline.records, log: silentLogger, urlTtlSeconds: 60 }, { year: 2024, county });
  }, 120_000);

  it('records every bad file as failed with its code and a reason in Chinese, and scores the good ones', async () => {
    const { reports } = await pipeline.records.partition(2024, county);
    const byName = new Map(reports.map((r) => [r.sourceKey.split('/').pop()!, r]));
    for (const [name, code] of Object.entries(folder.expected)) {
      const item = byName.get(name);
      expect(item?.status, name).toBe('failed');
      expect(item?.failure?.code, name).toBe(code);
      expect(item?.failure?.message, name).toMatch(/[\u4e00-\u9fff]{4}/u);
    }
    for (const name of folder.good) expect(byName.get(name)?.status, name).toBe('scored');
    expect(JSON.stringify(reports)).not.toContain(folder.secret);
  });

  it('lists every bad file in the workbook 处理异常 sheet and ranks the good ones', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from((await pipeline.store.get(exported.key)).bytes) as unknown as ExcelJS.Buffer);
    const listed: string[] = [];
    workbook.getWorksheet('处理异常')!.eachRow((row, i) => i > 1 && listed.push(cellText(row.getCell(1).value).split('/').pop()!));
    expect(listed.sort()).toEqual(Object.keys(folder.expected).sort());
    expect(exported.results.map((r) => r.township).sort()).toEqual(['望江镇', '石门镇'].sort());
  });
});
