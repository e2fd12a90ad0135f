// Lambda entry of the reconciler (infra bundles functions/reconcile/handler.ts), run on a schedule or invoked
// directly with {"dryRun"?: true, "staleAfterSeconds"?: N}; returns the ReconcileReport.
import { makeSqsClient } from '../aws/clients.ts';
import { SqsStageQueue } from '../aws/queue.ts';
import { awsDeps } from '../shared/aws-deps.ts';
import { lambdaEntry } from '../shared/entry.ts';
import { parseEnv, ReconcileEnv } from '../shared/env.ts';
import { ReviewRecords } from '../shared/review-records.ts';
import { makeUnitStatusWriter } from '../shared/unit-status.ts';
import { makeReconcileHandler } from './reconcile.ts';

export const handler = lambdaEntry(() => {
  const env = parseEnv(ReconcileEnv, process.env, 'fazhi-reconcile');
  const { store, table, records, log, clientOptions } = awsDeps(env, 'fazhi-reconcile');
  const sqs = makeSqsClient(clientOptions);
  return makeReconcileHandler({
    lister: store,
    bucket: store.bucket,
    records,
    log,
    queues: {
      ingest: new SqsStageQueue(sqs, env.INGEST_QUEUE_URL, env.INGEST_DLQ_URL),
      score: new SqsStageQueue(sqs, env.SCORE_QUEUE_URL, env.SCORE_DLQ_URL),
      review: new SqsStageQueue(sqs, env.REVIEW_QUEUE_URL, env.REVIEW_DLQ_URL),
    },
    reviews: new ReviewRecords(table),
    unitStatus: makeUnitStatusWriter({ store, records, log }),
    staleAfterMs: env.STALE_AFTER_SECONDS * 1000,
  });
});
