// The worker-thread runner: a task past its budget is stopped even inside synchronous code (the worker is terminated
// and replaced), a bad file's rejection crosses the thread as a rejection, a bug as an error.
import { afterEach, describe, expect, it } from 'vitest';
import { IsolatedRunner, isolatedParser, isolatedScorer, type WorkerEntry } from '../../functions/shared/isolated.ts';
import type { NormalizedReport } from '../../schemas/report.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';

const stuckWorker: WorkerEntry = { kind: 'typescript', url: new URL('./fixtures/stuck-worker.ts', import.meta.url) };
const file = (key: string) => ({ key, bytes: new Uint8Array([1, 2, 3]) });

let runner: IsolatedRunner;
afterEach(async () => {
  await runner.close();
});

describe('IsolatedRunner', () => {
  it('terminates a worker stuck in synchronous work at the budget, reports a timeout failure, and carries on with a new worker', async () => {
    // Prepare
    runner = new IsolatedRunner(stuckWorker);
    const parser = isolatedParser(runner, 300);
    // Act
    const stuck = await parser.parse(file('stuck'), []);
    const next = await parser.parse(file('fine'), []);
    // Assess
    expect(stuck).toMatchObject({ ok: false, failure: { source: 'stuck', code: 'timeout' } });
    expect(stuck.ok ? '' : stuck.failure.message).toMatch(/超时/u);
    expect(runner.terminations).toBe(1);
    expect(next).toEqual({ ok: true, echo: 'fine', thread: 'worker' });
  });

  it('runs queued tasks one after another; a stuck one does not take the others with it', async () => {
    // Prepare
    runner = new IsolatedRunner(stuckWorker);
    const parser = isolatedParser(runner, 300);
    // Act
    const outcomes = await Promise.all(['a', 'stuck', 'b'].map((key) => parser.parse(file(key), [])));
    // Assess
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.failure.code))).toEqual(['ok', 'timeout', 'ok']);
  });

  it('turns a rejection in the worker into a failure with its reason, and a bug into an error', async () => {
    // Prepare
    runner = new IsolatedRunner(stuckWorker);
    const parser = isolatedParser(runner, 5_000);
    // Act
    const rejected = await parser.parse(file('reject'), []);
    const bug = parser.parse(file('bug'), []);
    // Assess
    expect(rejected).toEqual({ ok: false, failure: { source: 'reject', code: 'encrypted', message: '加密文件', messageEn: 'encrypted' } });
    await expect(bug).rejects.toThrow(/TypeError: a bug \(in the isolated worker\)/);
    expect(runner.terminations).toBe(0);
  });

  it('sends a rubric to a worker in full once, then by its number; a worker started after a timeout gets it in full again', async () => {
    // Prepare: two rubrics (any two objects: the fixture only reports how they came).
    runner = new IsolatedRunner(stuckWorker);
    const parser = isolatedParser(runner, 300);
    const scorer = isolatedScorer(runner, 5_000);
    const report = { id: 'rubric' } as unknown as NormalizedReport;
    const [first, second] = [{ rubric: 'a' }, { rubric: 'b' }] as unknown as LoadedRubric[];
    const how = async (rubric: LoadedRubric) => (await scorer.score(report, rubric)) as unknown as { rubric: number; inFull: boolean };
    // Act
    const before = [await how(first!), await how(first!), await how(second!), await how(first!)];
    await parser.parse(file('stuck'), []);
    const after = [await how(first!), await how(first!)];
    // Assess
    expect(before.map((b) => b.inFull)).toEqual([true, false, true, false]);
    expect(new Set(before.map((b) => b.rubric)).size, 'one number per rubric').toBe(2);
    expect(runner.terminations).toBe(1);
    expect(after).toEqual([before[0], { ...before[0], inFull: false }]);
  });
});
