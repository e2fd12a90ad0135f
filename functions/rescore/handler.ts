// Lambda entry of the rescore stage (infra bundles functions/rescore/handler.ts), invoked directly with
// {"year":2024,"county"?:"临澜县","rubric"?:{"id","version"}}; returns {year, queued, failed}.
import { awsDeps, sqsSender } from '../shared/aws-deps.ts';
import { lambdaEntry } from '../shared/entry.ts';
import { parseEnv, RescoreEnv } from '../shared/env.ts';
import { makeRescoreHandler } from './rescore.ts';

export const handler = lambdaEntry(() => {
  const env = parseEnv(RescoreEnv, process.env, 'fazhi-rescore');
  const { records, log, clientOptions } = awsDeps(env, 'fazhi-rescore');
  return makeRescoreHandler({ records, log, queue: sqsSender(clientOptions), scoreQueueUrl: env.SCORE_QUEUE_URL });
});
