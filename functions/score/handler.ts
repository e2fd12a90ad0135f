// Lambda entry of the score stage (infra bundles functions/score/handler.ts, and isolated-worker.ts beside it as
// isolated-worker.mjs): environment → adapters → handler.
import { awsDeps } from '../shared/aws-deps.ts';
import { lambdaEntry } from '../shared/entry.ts';
import { ConfigError, parseEnv, ScoreEnv } from '../shared/env.ts';
import { IsolatedRunner, isolatedScorer } from '../shared/isolated.ts';
import { rubricFromSetting } from '../shared/rubrics.ts';
import { makeScoreHandler } from './score.ts';

export const handler = lambdaEntry(() => {
  const env = parseEnv(ScoreEnv, process.env, 'fazhi-score');
  let defaultRubric;
  try {
    defaultRubric = rubricFromSetting(env.DEFAULT_RUBRIC);
  } catch (error) {
    throw new ConfigError(`fazhi-score: DEFAULT_RUBRIC ${(error as Error).message}`);
  }
  const { store, records, log } = awsDeps(env, 'fazhi-score');
  const scorer = isolatedScorer(new IsolatedRunner({ kind: 'module', url: new URL('./isolated-worker.mjs', import.meta.url) }));
  return makeScoreHandler({ store, records, log, scorer, maxReceiveCount: env.MAX_RECEIVE_COUNT, defaultRubric });
});
