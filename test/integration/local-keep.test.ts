// `fazhi local --keep` as an operator runs it: the instructions it prints point `fazhi invite` at the running local
// stack, so the pages it writes upload into that stack and read their unit's status from it. Both commands run as
// subprocesses (bin/fazhi.js), as from two terminals; the upload is the page's own form, POSTed as a browser would.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnitStatus } from '../../schemas/unit-status.ts';
import { ROOT, SAMPLES_DIR } from '../helpers/reports.ts';

const SAMPLE = '石门镇2024年法治政府建设工作报告.txt';
const dir = mkdtempSync(join(tmpdir(), 'fazhi-keep-'));
let local: ChildProcessWithoutNullStreams | undefined;
afterAll(() => {
  if (local && local.exitCode === null) local.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves with everything printed once `done` holds for it; rejects, with what was printed, if it never does. */
function readUntil(child: ChildProcessWithoutNullStreams, done: (out: string) => boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`fazhi local printed no such instructions within ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (!done(out)) return;
      clearTimeout(timer);
      resolve(out);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fazhi local ended (${code}) before its instructions:\n${out}\n${err}`));
    });
  });
}

const configOf = (html: string) =>
  JSON.parse(/<script type="application\/json" id="fazhi-config">(.*?)<\/script>/su.exec(html)![1]!) as {
    postUrl: string;
    forms: Record<string, Record<string, string>>;
    statusUrl: string;
  };

describe('fazhi local --keep, then fazhi invite in another terminal', () => {
  it('prints the invite command and the variables that make its pages upload into the local stack', async () => {
    // Prepare: one report of 临澜县 2024 for the run
    const input = join(dir, 'in');
    mkdirSync(input);
    copyFileSync(join(SAMPLES_DIR, SAMPLE), join(input, SAMPLE));
    writeFileSync(join(input, 'fazhi.meta.json'), JSON.stringify({ county: '临澜县', year: 2024 }));
    local = spawn(
      process.execPath,
      [join(ROOT, 'bin/fazhi.js'), 'local', '--keep', '--input', input, '--data-dir', join(dir, 'data'), '--out', join(dir, 'out', 'r.xlsx')],
      { cwd: ROOT },
    );
    const printed = await readUntil(local, (out) => /npx fazhi invite .*\n.*\n/u.test(out), 40_000);
    const env = Object.fromEntries([...printed.matchAll(/\b(FAZHI_[A-Z0-9_]+|AWS_REGION)=(\S+)/gu)].map((m) => [m[1]!, m[2]!]));
    const invite = /npx fazhi (invite [^\n]+)/u.exec(printed)![1]!.split(' ');
    writeFileSync(join(dir, 'units.txt'), '石门镇\n');

    // Act: the printed command, run where the operator would (cwd `dir`) with the printed variables
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/fazhi.js'), ...invite], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...env },
    });
    const page = configOf(readFileSync(join(dir, 'invites', '石门镇-报告上传.html'), 'utf8'));
    const form = new FormData();
    for (const [name, value] of Object.entries(page.forms['.txt']!)) form.append(name, value);
    form.append('file', new Blob([readFileSync(join(SAMPLES_DIR, SAMPLE))]), SAMPLE);
    const posted = await fetch(page.postUrl, { method: 'POST', body: form });
    let status: UnitStatus | undefined;
    for (const deadline = Date.now() + 40_000; Date.now() < deadline && status?.state !== 'scored'; await new Promise((r) => setTimeout(r, 100))) {
      const answer = await fetch(page.statusUrl);
      if (answer.ok) status = UnitStatus.parse(await answer.json());
    }
    local.kill('SIGINT');
    const exit = await new Promise<number | null>((resolve) => local!.once('exit', resolve));

    // Assess
    expect(invite).toEqual(['invite', '--year', '2024', '--county', '临澜县', '--units', 'units.txt', '--out', 'invites/']);
    expect(env.FAZHI_S3_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/u);
    expect(run.status, run.stderr).toBe(0);
    expect(page.postUrl.startsWith(env.FAZHI_S3_ENDPOINT!)).toBe(true);
    expect(posted.status).toBe(204);
    expect(status).toMatchObject({ county: '临澜县', unit: '石门镇', state: 'scored' });
    expect(exit).toBe(0);
  });
});
