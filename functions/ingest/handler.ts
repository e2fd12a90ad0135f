// Lambda entry of the ingest stage (infra bundles functions/ingest/handler.ts): environment → adapters → handler.
import { awsDeps } from '../shared/aws-deps.ts';
import { lambdaEntry } from '../shared/entry.ts';
import { IngestEnv, parseEnv } from '../shared/env.ts';
import { makeIngestHandler } from './ingest.ts';

export const handler = lambdaEntry(() => {
  const env = parseEnv(IngestEnv, process.env, 'fazhi-ingest');
  const { store, records, log } = awsDeps(env, 'fazhi-ingest');
  return makeIngestHandler({ store, records, log, maxReceiveCount: env.MAX_RECEIVE_COUNT });
});
