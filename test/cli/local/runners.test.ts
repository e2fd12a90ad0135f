// The local stack's parse and score threads (cli/local/runners.ts): documents go to the runner with the least work
// queued, so that two stages (or two documents) run on two cores, and one long document does not hold up the rest.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IsolatedRunner, type WorkerEntry } from '../../../functions/shared/isolated.ts';
import { RunnerPool } from '../../../cli/local/runners.ts';

const echoWorker: WorkerEntry = { kind: 'typescript', url: new URL('../../functions/fixtures/stuck-worker.ts', import.meta.url) };
const file = (key: string) => ({ key, bytes: new Uint8Array([1, 2, 3]) });

let pool: RunnerPool;
afterEach(async () => {
  vi.restoreAllMocks();
  await pool.close();
});

describe('RunnerPool', () => {
  it('hands each document to the runner with the least work queued, parse and score alike', async () => {
    // Prepare: which runner each task ran on.
    const ranOn: IsolatedRunner[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the original, called below with the runner as `this`
    const run = IsolatedRunner.prototype.run;
    vi.spyOn(IsolatedRunner.prototype, 'run').mockImplementation(function (this: IsolatedRunner, ...args) {
      ranOn.push(this);
      return run.apply(this, args);
    });
    pool = new RunnerPool(echoWorker, 2);
    // Act: a parse and a score at once, then one more parse once both are done.
    const together = await Promise.all([pool.parser.parse(file('a'), []), pool.scorer.score({} as never, {} as never)]);
    const after = await pool.parser.parse(file('b'), []);
    // Assess
    expect([...together, after]).toEqual([
      { ok: true, echo: 'a', thread: 'worker' },
      { ok: true, echo: 'score', thread: 'worker' },
      { ok: true, echo: 'b', thread: 'worker' },
    ]);
    expect(ranOn).toHaveLength(3);
    expect(ranOn[1], 'the second task, while the first runs, goes to the other runner').not.toBe(ranOn[0]);
    expect(ranOn[2], 'with both idle again, the first runner').toBe(ranOn[0]);
  });
});
