// Entry of the test bundle (score-pool.test.ts): `fazhi score DIR --rubric R --jobs 2 --json` reduced to its run.
import { runJsonLines, runScore } from '../../cli/commands/score.ts';

const [dir = '', rubricPath = ''] = process.argv.slice(2);
const run = await runScore([dir], { jobs: 2, rubricPath });
process.stdout.write([...runJsonLines({ results: run.results, failures: run.failures })].join('\n'));
