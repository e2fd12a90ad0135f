// A worker for the pool's tests: doubles a number, throws, exits or fails asynchronously on request.
import { serveTasks } from '../../../pipeline/parallel/pool.ts';

export type FixtureTask = { kind: 'double'; value: number } | { kind: 'throw' } | { kind: 'exit' } | { kind: 'uncaught' };

serveTasks((task: FixtureTask) => {
  switch (task.kind) {
    case 'double':
      return task.value * 2;
    case 'throw':
      throw new Error('这个任务有问题');
    case 'exit':
      process.exit(70);
      break;
    case 'uncaught':
      setTimeout(() => {
        throw new Error('uncaught in a callback');
      }, 0);
      return new Promise<number>(() => undefined);
  }
  return 0;
});
