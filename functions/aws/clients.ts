import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK clients. With no endpoint they are plain AWS clients: credentials from the default chain, region from the
 * environment or profile. With an endpoint they talk to the local servers (cli/local/): path-style S3 addressing,
 * checksums only when an operation requires them (s3rver stores aws-chunked stream bodies verbatim, corrupting them),
 * and the one access key s3rver accepts.
 */

export interface ClientOptions {
  region?: string;
  s3Endpoint?: string;
  dynamodbEndpoint?: string;
  sqsEndpoint?: string;
}

/** s3rver rejects any other access key; dynalite and our local queue endpoint accept anything. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
/** Region for local endpoints when none is configured (the servers ignore it, the SDK needs one). */
export const LOCAL_REGION = 'us-east-1';

function localSettings(endpoint: string, region: string | undefined) {
  return { endpoint, region: region ?? LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
}

export function makeS3Client(options: ClientOptions): S3Client {
  if (!options.s3Endpoint) return new S3Client(options.region ? { region: options.region } : {});
  return new S3Client({
    ...localSettings(options.s3Endpoint, options.region),
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function makeDocumentClient(options: ClientOptions): DynamoDBDocumentClient {
  const base = options.dynamodbEndpoint
    ? new DynamoDBClient(localSettings(options.dynamodbEndpoint, options.region))
    : new DynamoDBClient(options.region ? { region: options.region } : {});
  return DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

export function makeSqsClient(options: ClientOptions): SQSClient {
  if (!options.sqsEndpoint) return new SQSClient(options.region ? { region: options.region } : {});
  return new SQSClient(localSettings(options.sqsEndpoint, options.region));
}
