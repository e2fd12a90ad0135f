// Lambda entry of the ingest stage (infra bundles functions/ingest/handler.ts, and isolated-worker.ts beside it as
// isolated-worker.mjs): environment → adapters → handler.
import { awsDeps } from '../shared/aws-deps.ts';
import { lambdaEntry } from '../shared/entry.ts';
import { IngestEnv, parseEnv } from '../shared/env.ts';
import { IsolatedRunner, isolatedParser } from '../shared/isolated.ts';
import { makeIngestHandler } from './ingest.ts';

export const handler = lambdaEntry(() => {
  const env = parseEnv(IngestEnv, process.env, 'fazhi-ingest');
  const { store, records, log } = awsDeps(env, 'fazhi-ingest');
  // One warm worker per container; documents are parsed in it and it is replaced when one overruns its budget.
  const parser = isolatedParser(new IsolatedRunner({ kind: 'module', url: new URL('./isolated-worker.mjs', import.meta.url) }));
  return makeIngestHandler({ store, records, log, parser, maxReceiveCount: env.MAX_RECEIVE_COUNT });
});
