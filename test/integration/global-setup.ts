// Starts the local stack ONCE per run (s3rver + dynalite on 127.0.0.1, the bucket and table from schemas/storage.ts,
// S3 events → in-process queues → the ingest and score handlers), exactly as `fazhi local` does, plus a second bucket
// and table without event wiring for tests that deliver events to the handlers by hand. Tests get the endpoints
// through inject('fazhi').
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TestProject } from 'vitest/node';
import { LOCAL_CREDENTIALS, LOCAL_REGION, makeS3Client } from '../../functions/aws/clients.ts';
import { ensureBucket, ensureTable } from '../../cli/local/resources.ts';
import { startLocalStack } from '../../cli/local/stack.ts';

export interface IntegrationEnv {
  s3Endpoint: string;
  dynamodbEndpoint: string;
  /** The pipeline: uploads here are ingested and scored by the stack's queues. */
  bucket: string;
  table: string;
  /** No notifications: tests call the handlers with events they build. */
  directBucket: string;
  directTable: string;
  /** The pipeline's score queue, reachable with the real SQS client (rescore). */
  scoreQueueUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    fazhi: IntegrationEnv;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // Short retry delay so a failing message reaches its dead letter quickly.
  // Bad files are logged at INFO; an ERROR line from the pipeline is a bug worth seeing in the test output.
  const stack = await startLocalStack({
    visibilityTimeoutMs: 50,
    maxReceiveCount: 3,
    logSink: (line) => {
      if (line.includes('"level":"ERROR"')) process.stderr.write(`pipeline: ${line}\n`);
    },
  });
  const env: IntegrationEnv = {
    s3Endpoint: stack.endpoints.s3,
    dynamodbEndpoint: stack.endpoints.dynamodb,
    bucket: stack.bucket,
    table: stack.table,
    directBucket: 'fazhi-direct',
    directTable: 'fazhi-direct',
    scoreQueueUrl: stack.queueUrls.score,
  };
  const s3 = makeS3Client({ s3Endpoint: env.s3Endpoint });
  const dynamo = new DynamoDBClient({ endpoint: env.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureBucket(s3, env.directBucket);
  await ensureTable(dynamo, env.directTable);
  s3.destroy();
  dynamo.destroy();
  project.provide('fazhi', env);
  return async () => {
    await stack.close();
  };
}
