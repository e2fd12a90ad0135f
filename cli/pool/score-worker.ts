// The `fazhi score` worker thread (started by ScorePool): answers score tasks one at a time.
import { serveTasks } from '../../pipeline/parallel/pool.ts';
import { runTask } from './score-task.ts';

serveTasks(runTask);
