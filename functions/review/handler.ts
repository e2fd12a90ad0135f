// Lambda entry of the review stage (infra bundles functions/review/handler.ts): S3 reviews/{year}/{county}/*.xlsx →
// SQS → this function → review items in DynamoDB (append-only) and exports/{year}/{county}/final-{version}.xlsx.
import { z } from 'zod';
import { awsDeps } from '../shared/aws-deps.ts';
import { lambdaEntry } from '../shared/entry.ts';
import { CommonEnv, parseEnv } from '../shared/env.ts';
import { ReviewRecords } from '../shared/review-records.ts';
import { makeReviewHandler } from './review.ts';

export const ReviewEnv = CommonEnv.extend({ MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(4) });

export const handler = lambdaEntry(() => {
  const env = parseEnv(ReviewEnv, process.env, 'fazhi-review');
  const { store, table, records, log } = awsDeps(env, 'fazhi-review');
  return makeReviewHandler({ store, records, reviews: new ReviewRecords(table), log, maxReceiveCount: env.MAX_RECEIVE_COUNT });
});
