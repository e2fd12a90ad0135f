// The `fazhi score` worker as ScorePool runs it, except that it dies on any file named crash-me (a stand-in for a
// crash no real file is known to cause: running out of the worker's heap, a native fault).
import { serveTasks } from '../../pipeline/parallel/pool.ts';
import { runTask, type ScoreTask } from '../../cli/pool/score-task.ts';

serveTasks((task: ScoreTask) => {
  if (task.kind === 'file' && task.file.key.includes('crash-me')) process.exit(70);
  return runTask(task);
});
