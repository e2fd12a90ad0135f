import { makeDocumentClient, makeS3Client, makeSqsClient, type ClientOptions } from '../aws/clients.ts';
import { S3ObjectStore } from '../aws/object-store.ts';
import { SqsQueueSender } from '../aws/queue.ts';
import { DynamoTable } from '../aws/table.ts';
import type { CommonEnv } from './env.ts';
import { createLogger, type Logger } from './log.ts';
import { Records } from './records.ts';

/** The adapters of a handler module, from its parsed environment (one set per Lambda container). */
export interface AwsDeps {
  store: S3ObjectStore;
  table: DynamoTable;
  records: Records;
  log: Logger;
  clientOptions: ClientOptions;
}

export function clientOptionsFrom(env: CommonEnv): ClientOptions {
  return {
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(env.FAZHI_S3_ENDPOINT ? { s3Endpoint: env.FAZHI_S3_ENDPOINT } : {}),
    ...(env.FAZHI_DYNAMODB_ENDPOINT ? { dynamodbEndpoint: env.FAZHI_DYNAMODB_ENDPOINT } : {}),
    ...(env.FAZHI_SQS_ENDPOINT ? { sqsEndpoint: env.FAZHI_SQS_ENDPOINT } : {}),
  };
}

export function awsDeps(env: CommonEnv, service: string): AwsDeps {
  const clientOptions = clientOptionsFrom(env);
  const table = new DynamoTable(makeDocumentClient(clientOptions), env.TABLE_NAME);
  return {
    store: new S3ObjectStore(makeS3Client(clientOptions), env.BUCKET_NAME),
    table,
    records: new Records(table),
    log: createLogger({ service: env.POWERTOOLS_SERVICE_NAME ?? service, level: env.LOG_LEVEL }),
    clientOptions,
  };
}

export const sqsSender = (options: ClientOptions): SqsQueueSender => new SqsQueueSender(makeSqsClient(options));
