// Lambda entry of the score stage (infra bundles functions/score/handler.ts): environment → adapters → handler.
import { awsDeps } from '../shared/aws-deps.ts';
import { lambdaEntry } from '../shared/entry.ts';
import { ConfigError, parseEnv, ScoreEnv } from '../shared/env.ts';
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
  return makeScoreHandler({ store, records, log, maxReceiveCount: env.MAX_RECEIVE_COUNT, defaultRubric });
});
