// The pipeline commands as an operator runs them against a stack (here a local one, as `fazhi local --keep` leaves
// it), in a subprocess with production dependencies only: upload → status → rescore → export → reconcile.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReconcileReport } from '../../schemas/events.ts';
import { rubricTag } from '../../schemas/storage.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { startLocalStack, type LocalStack } from '../../cli/local/stack.ts';
import { ROOT, SAMPLES_DIR } from '../helpers/reports.ts';

const LOADER = join(ROOT, 'test/cli/production-only.mjs');
const dir = mkdtempSync(join(tmpdir(), 'fazhi-cli-'));
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ bucket: 'fazhi-cli', table: 'fazhi-cli', testEvents: false });
});
afterAll(async () => {
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
});

function fazhi(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  // Asynchronous: the stack serving the command runs in this process.
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', LOADER, join(ROOT, 'bin/fazhi.js'), ...args], { cwd: ROOT, env: { ...process.env, ...stack.env() } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('upload → status → rescore → export → reconcile against a running stack', () => {
  it('works end to end, each command saying what it did', async () => {
    // Act 1: upload two reports.
    const files = ['石门镇2024年法治政府建设工作报告.txt', '青石镇2024年度法治政府建设工作情况的报告.txt'].map((f) => join(SAMPLES_DIR, f));
    const upload = await fazhi('upload', ...files, '--county', '临澜县', '--year', '2024');
    expect(upload.code, upload.err).toBe(0);
    expect(upload.out).toContain('已上传 2 个文件');
    await until('both scored', async () => (await stack.records.partition(2024, '临澜县')).reports.filter((r) => r.status === 'scored').length === 2);

    // Act 2: status.
    const status = await fazhi('status', '--year', '2024', '--county', '临澜县');
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(/已评分 2/u);

    // Act 3: rescore with next year's rubric; every upload gets its command.
    const rubric = bundledRubricFor(2025).rubric;
    const rescore = await fazhi('rescore', '--year', '2024', '--county', '临澜县', '--rubric', '2025');
    expect(rescore.code, rescore.err).toBe(0);
    expect(rescore.out).toContain('的 2 个上传文件发送评分指令');
    await until('rescored', async () => (await stack.records.partition(2024, '临澜县')).reports.every((r) => r.scoredWith?.includes(rubricTag(rubric))));

    // Act 4: export with that rubric.
    const out = join(dir, 'ranking.xlsx');
    const exported = await fazhi('export', '--year', '2024', '--county', '临澜县', '--rubric', '2025', '--out', out);
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toMatch(/1\s+(石门镇|青石镇)/u);
    expect(readFileSync(out).subarray(0, 2).toString()).toBe('PK');
    // …and of the whole year (every county: one here), downloaded as it arrives.
    const yearOut = join(dir, 'year.xlsx');
    const year = await fazhi('export', '--year', '2024', '--rubric', '2025', '--out', yearOut);
    expect(year.code, year.err).toBe(0);
    expect(year.out).toContain('2024年度全年度排名：1 个县（区），2 个单位参加排名。');
    expect(year.out).toMatch(/临澜县\s+2\s+0\s+0/u);
    expect(year.out).toContain(`s3://fazhi-cli/exports/2024/ranking-${rubric.version}.xlsx`);
    expect(readFileSync(yearOut).subarray(0, 2).toString()).toBe('PK');

    // Act 5: reconcile: nothing lost.
    const reconcile = await fazhi('reconcile', '--stale-after', '0', '--json');
    expect(reconcile.code, reconcile.err).toBe(0);
    const report = ReconcileReport.parse(JSON.parse(reconcile.out));
    expect(report).toMatchObject({ objects: 2, items: 2, deadLetters: 0, actions: [], dryRun: false });
  }, 120_000);

  it('reconcile re-drives an upload whose event was lost, and says so', async () => {
    // Prepare
    stack.queues.ingest.pause();
    const key = 'reports/2024/临澜县/龙口乡.txt';
    await stack.store.put(key, readFileSync(join(SAMPLES_DIR, '龙口乡2024年法治政府建设工作总结.txt')), { contentType: 'text/plain' });
    stack.queues.ingest.purge();
    stack.queues.ingest.resume();
    // Act
    const reconcile = await fazhi('reconcile', '--stale-after', '0');
    // Assess
    expect(reconcile.code, reconcile.err).toBe(0);
    expect(reconcile.out).toContain(`↻ 重新处理  ${key}（解析：没有处理记录（上传事件丢失））`);
    await until('scored', async () => (await stack.records.partition(2024, '临澜县')).reports.some((r) => r.sourceKey === key && r.status === 'scored'));
  }, 60_000);
});
