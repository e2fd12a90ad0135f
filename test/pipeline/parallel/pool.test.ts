import { describe, expect, it } from 'vitest';
import { PoolStartError, TaskError, WorkerCrash, WorkerPool, workerUrl } from '../../../pipeline/parallel/pool.ts';
import type { FixtureTask } from './fixture-worker.ts';

const FIXTURE = new URL('./fixture-worker.ts', import.meta.url);

/** The error a task was rejected with; fails the test if the task was answered or rejected with something else. */
function rejectionOf(settled: PromiseSettledResult<unknown> | undefined): Error {
  if (settled?.status !== 'rejected') throw new Error(`expected a rejected task, got ${JSON.stringify(settled)}`);
  expect(settled.reason).toBeInstanceOf(Error);
  return settled.reason as Error;
}

/** Runs a throwing task and a good one on `pool` (then closes it): the first fails with TaskError and its message, the second is answered. */
async function expectThrowingTaskFailsAlone(pool: WorkerPool<FixtureTask, number>): Promise<void> {
  try {
    // Act
    const [bad, good] = await Promise.allSettled([pool.run({ kind: 'throw' }), pool.run({ kind: 'double', value: 4 })]);
    // Assess
    expect(rejectionOf(bad)).toBeInstanceOf(TaskError);
    expect(rejectionOf(bad).message).toBe('这个任务有问题');
    expect(good).toEqual({ status: 'fulfilled', value: 8 });
  } finally {
    await pool.close();
  }
}

describe('WorkerPool', () => {
  it('runs tasks in TypeScript workers and returns each task’s own answer', async () => {
    // Prepare
    const pool = new WorkerPool<FixtureTask, number>(FIXTURE, { size: 2 });
    try {
      // Act
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run({ kind: 'double', value: i })));
      // Assess
      expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    } finally {
      await pool.close();
    }
  });

  it('a task that throws fails alone, with its message; the worker goes on', async () => {
    await expectThrowingTaskFailsAlone(new WorkerPool<FixtureTask, number>(FIXTURE, { size: 1 }));
  });

  it('a worker that dies fails only the task it was running; the tasks queued behind it run on a new worker', async () => {
    // Prepare: one worker, so the tasks after the crash were queued on it.
    const pool = new WorkerPool<FixtureTask, number>(FIXTURE, { size: 1 });
    try {
      // Act
      const settled = await Promise.allSettled([
        pool.run({ kind: 'double', value: 1 }),
        pool.run({ kind: 'exit' }),
        pool.run({ kind: 'double', value: 2 }),
        pool.run({ kind: 'uncaught' }),
        pool.run({ kind: 'double', value: 3 }),
      ]);
      // Assess
      expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).name))).toEqual([2, 'WorkerCrash', 4, 'WorkerCrash', 6]);
      expect(rejectionOf(settled[1])).toBeInstanceOf(WorkerCrash);
      expect(rejectionOf(settled[1]).message).toContain('70');
      expect(rejectionOf(settled[3]).message).toContain('uncaught in a callback');
    } finally {
      await pool.close();
    }
  });

  it('a worker module that cannot load fails every task with one PoolStartError', async () => {
    const pool = new WorkerPool<FixtureTask, number>(new URL('./broken-worker.ts', import.meta.url), { size: 2 });
    try {
      const settled = await Promise.allSettled([
        pool.run({ kind: 'double', value: 1 }),
        pool.run({ kind: 'double', value: 2 }),
        pool.run({ kind: 'double', value: 3 }),
      ]);
      for (const s of settled) expect(rejectionOf(s)).toBeInstanceOf(PoolStartError);
      expect(rejectionOf(settled[0]).message).toContain('module failed to load');
      await expect(pool.run({ kind: 'double', value: 4 })).rejects.toBeInstanceOf(PoolStartError);
    } finally {
      await pool.close();
    }
  });

  it('with an inline lane, this thread takes the tasks the workers have no room for; every answer is its own task’s', async () => {
    // Prepare: one worker (it is sent the first two tasks at once) and this thread's lane, which notes what it ran.
    const ranHere: number[] = [];
    const pool = new WorkerPool<FixtureTask, number>(FIXTURE, {
      size: 1,
      inline: (task) => {
        if (task.kind !== 'double') throw new Error(`unexpected ${task.kind}`);
        ranHere.push(task.value);
        return task.value * 2;
      },
    });
    try {
      // Act
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run({ kind: 'double', value: i })));
      // Assess: the worker ran the two tasks it was sent before this thread's lane had its turn, the lane some of the rest.
      expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
      expect(ranHere.length).toBeGreaterThan(0);
      expect(ranHere).not.toContain(0);
      expect(ranHere).not.toContain(1);
    } finally {
      await pool.close();
    }
  });

  it('a task that throws in the inline lane fails alone with TaskError; no worker is started when the size is 0', async () => {
    // Prepare: a worker module that cannot load, so starting any worker would fail every task with PoolStartError.
    const pool = new WorkerPool<FixtureTask, number>(new URL('./broken-worker.ts', import.meta.url), {
      size: 0,
      inline: (task) => {
        if (task.kind === 'throw') throw new Error('这个任务有问题');
        return task.kind === 'double' ? task.value * 2 : 0;
      },
    });
    await expectThrowingTaskFailsAlone(pool);
  });

  it('picks the worker module beside its caller: .ts from source, .mjs in a bundle', () => {
    expect(workerUrl('file:///app/cli/pool/score-pool.ts', 'score-worker').href).toBe('file:///app/cli/pool/score-worker.ts');
    expect(workerUrl('file:///app/dist/fazhi.mjs', 'score-worker').href).toBe('file:///app/dist/score-worker.mjs');
  });
});
