// `fazhi local` killed mid-run (SIGKILL: no chance to clean up) and started again: the queued work is recovered from
// the journal, the reconciler covers the rest, every upload ends scored, and the second run says which it recovered.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { replay, type JournalEntry } from '../../cli/local/journal.ts';
import { ROOT, SAMPLES_DIR } from '../helpers/reports.ts';

const FILES = 60;
const dir = mkdtempSync(join(tmpdir(), 'fazhi-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 60 copies of a report of one county·year (made once). */
function makeInput(): string {
  const input = join(dir, 'in');
  if (existsSync(input)) return input;
  mkdirSync(input);
  writeFileSync(join(input, 'fazhi.meta.json'), JSON.stringify({ county: '重启县', year: 2024 }));
  for (let i = 0; i < FILES; i++) copyFileSync(join(SAMPLES_DIR, '石门镇2024年法治政府建设工作报告.txt'), join(input, `报告${String(i).padStart(2, '0')}.txt`));
  return input;
}

function journalPending(dataDir: string): number {
  const queues = join(dataDir, 'queues');
  if (!existsSync(queues)) return 0;
  return readdirSync(queues)
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) =>
      readFileSync(join(queues, n), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as JournalEntry),
    )
    .reduce((sum, entries) => sum + replay(entries).pending.length, 0);
}

describe('fazhi local, killed and started again', () => {
  it('recovers every queued upload and says which', async () => {
    // Prepare: 60 reports of one county·year.
    const input = makeInput();
    const dataDir = join(dir, 'data');
    const args = [join(ROOT, 'bin/fazhi.js'), 'local', '--input', input, '--data-dir', dataDir, '--out', join(dir, 'out', 'ranking.xlsx')];

    // Act 1: kill it as soon as every file is uploaded (most still queued).
    const first = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      first.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/上传 \d+ 份报告/u.test(output)) {
          first.kill('SIGKILL');
          resolve();
        }
      });
      first.on('exit', () => resolve());
      first.on('error', reject);
    });
    await new Promise((resolve) => first.once('close', resolve));
    const pendingAtKill = journalPending(dataDir);

    // Act 2: start it again with the same input.
    const second = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

    // Assess
    expect(first.signalCode).toBe('SIGKILL');
    expect(pendingAtKill, 'work was still queued when the first run was killed').toBeGreaterThan(0);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/上次运行（进程 \d+，.+ 启动）被中断/u);
    expect(second.stdout).toContain(`另有 ${FILES} 份已在数据桶中、内容相同，不重复上传`);
    const recovered = second.stdout.split('恢复的文件（上次运行中断时未完成）：\n')[1]?.split('\n\n')[0]?.split('\n').filter(Boolean) ?? [];
    expect(recovered.length).toBeGreaterThan(0);
    for (const line of recovered) expect(line).toMatch(/^ {2}✓ 已评分 {2}reports\/2024\/重启县\/报告\d\d\.txt$/u);
    expect(second.stdout + second.stderr).not.toContain('卡住');
    // Every upload is in the workbook; nothing is left behind.
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(dir, 'out', 'ranking.xlsx'));
    const sheet = workbook.getWorksheet('排名')!;
    const rank = (sheet.getRow(1).values as unknown[]).map(String).indexOf('名次');
    let ranked = 0;
    sheet.eachRow((row, i) => {
      if (i > 1 && typeof row.getCell(rank).value === 'number') ranked++;
    });
    expect(ranked).toBe(FILES);
    expect(existsSync(dataDir)).toBe(false);
  }, 180_000);

  it('stopped politely (SIGTERM) mid-run, says which uploads were still queued and keeps them for the next run', async () => {
    // Prepare
    const input = makeInput();
    const dataDir = join(dir, 'stopped');
    const args = [join(ROOT, 'bin/fazhi.js'), 'local', '--input', input, '--data-dir', dataDir, '--out', join(dir, 'out2', 'ranking.xlsx')];
    // Act
    const run = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    run.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    let signalled = false;
    run.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // One polite stop, once: a second signal while it stops is a forced quit (as a second Ctrl-C is), not this case.
      if (!signalled && /上传 \d+ 份报告/u.test(out)) {
        signalled = true;
        run.kill('SIGTERM');
      }
    });
    const code = await new Promise<number | null>((resolve) => run.once('close', resolve));
    // Assess
    expect(code).toBe(130);
    expect(err).toMatch(/停止时队列中还有 \d+ 条未完成的工作（已保存在 .+，下次运行 fazhi local 时继续处理）/u);
    expect(err).toMatch(/reports\/2024\/重启县\/报告\d\d\.txt/u);
    expect(journalPending(dataDir)).toBeGreaterThan(0);
  }, 120_000);
});
