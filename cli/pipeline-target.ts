import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient, makeS3Client, makeSqsClient, type ClientOptions } from '../functions/aws/clients.ts';
import { S3ObjectStore } from '../functions/aws/object-store.ts';
import { SqsQueueSender, SqsStageQueue } from '../functions/aws/queue.ts';
import { DynamoTable } from '../functions/aws/table.ts';
import { Records } from '../functions/shared/records.ts';
import { stringOption, UsageError, type Parsed } from './usage.ts';

/**
 * Where the pipeline commands (upload, status, export, rescore) work: a deployed stack on AWS, or a local stack
 * (`fazhi local --keep` prints the variables). Flags win over environment variables. With an endpoint the clients
 * use the local servers' conventions (path-style S3, the s3rver access key); without, the standard AWS chain.
 */

export const TARGET_OPTIONS = {
  bucket: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  's3-endpoint': { type: 'string' },
  'dynamodb-endpoint': { type: 'string' },
} as const;

export const TARGET_HELP = `连接选项（也可用环境变量，选项优先）：
  --bucket NAME              数据桶（FAZHI_BUCKET；部署输出 BucketName）
  --table NAME               DynamoDB 表（FAZHI_TABLE；部署输出 TableName）
  --region REGION            AWS 区域（AWS_REGION；默认取 AWS 配置文件）
  --s3-endpoint URL          本地 S3 地址（FAZHI_S3_ENDPOINT；由 fazhi local --keep 给出）
  --dynamodb-endpoint URL    本地 DynamoDB 地址（FAZHI_DYNAMODB_ENDPOINT）
凭证取自 AWS 标准凭证链（环境变量、AWS_PROFILE、~/.aws、SSO、实例角色）；设置了本地地址时使用本地服务的凭证。`;

export interface Target {
  bucket: string;
  table: string;
  clientOptions: ClientOptions;
}

export function resolveTarget(values: Parsed['values'], env: NodeJS.ProcessEnv = process.env): Target {
  const pick = (flag: string, variable: string): string | undefined => stringOption(values, flag) ?? (env[variable] || undefined);
  const bucket = pick('bucket', 'FAZHI_BUCKET');
  const table = pick('table', 'FAZHI_TABLE');
  const missing = [!bucket ? '--bucket（或 FAZHI_BUCKET）' : '', !table ? '--table（或 FAZHI_TABLE）' : ''].filter(Boolean);
  if (missing.length > 0) throw new UsageError(`不知道要连接哪套部署：缺少 ${missing.join('、')}。部署的输出（CliHint）或 fazhi local --keep 会给出这些值。`);
  const region = pick('region', 'AWS_REGION') ?? (env.AWS_DEFAULT_REGION || undefined);
  const s3Endpoint = pick('s3-endpoint', 'FAZHI_S3_ENDPOINT');
  const dynamodbEndpoint = pick('dynamodb-endpoint', 'FAZHI_DYNAMODB_ENDPOINT');
  for (const [name, url] of [
    ['S3', s3Endpoint],
    ['DynamoDB', dynamodbEndpoint],
  ] as const) {
    if (url && !URL.canParse(url)) throw new UsageError(`${name} 地址不是有效的 URL：${url}`);
  }
  return {
    bucket: bucket!,
    table: table!,
    clientOptions: { ...(region ? { region } : {}), ...(s3Endpoint ? { s3Endpoint } : {}), ...(dynamodbEndpoint ? { dynamodbEndpoint } : {}) },
  };
}

export interface Connection {
  store: S3ObjectStore;
  records: Records;
  close(): void;
}

export function connect(target: Target): Connection {
  // The SDK warns on Node 20 (it will need 22 from 2027); the CLI runs on the developer's Node, the Lambdas on 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const s3: S3Client = makeS3Client(target.clientOptions);
  const documents: DynamoDBDocumentClient = makeDocumentClient(target.clientOptions);
  return {
    store: new S3ObjectStore(s3, target.bucket),
    records: new Records(new DynamoTable(documents, target.table)),
    close: () => {
      s3.destroy();
      documents.destroy();
    },
  };
}

/** An SQS client for a queue URL: a queue on this machine (fazhi local --keep) is reached at its own address. */
function sqsClientFor(target: Target, queueUrl: string): SQSClient {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const local = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(queueUrl);
  return makeSqsClient({ ...target.clientOptions, ...(local ? { sqsEndpoint: new URL(queueUrl).origin } : {}) });
}

export function queueSender(target: Target, queueUrl: string): { sender: SqsQueueSender; close: () => void } {
  const client = sqsClientFor(target, queueUrl);
  return { sender: new SqsQueueSender(client), close: () => client.destroy() };
}

/** The four queue URLs the reconciler works with (deployment outputs, or `fazhi local --keep`). */
export const QUEUE_OPTIONS = {
  'ingest-queue-url': { type: 'string' },
  'ingest-dlq-url': { type: 'string' },
  'score-queue-url': { type: 'string' },
  'score-dlq-url': { type: 'string' },
  'review-queue-url': { type: 'string' },
  'review-dlq-url': { type: 'string' },
} as const;

export const QUEUE_HELP = `队列选项（也可用环境变量；部署输出中有这些地址，fazhi local --keep 也会给出）：
  --ingest-queue-url URL     解析队列（FAZHI_INGEST_QUEUE_URL；IngestQueueUrl）
  --ingest-dlq-url URL       解析死信队列（FAZHI_INGEST_DLQ_URL；IngestDeadLetterQueueUrl）
  --score-queue-url URL      评分队列（FAZHI_SCORE_QUEUE_URL；ScoreQueueUrl）
  --score-dlq-url URL        评分死信队列（FAZHI_SCORE_DLQ_URL；ScoreDeadLetterQueueUrl）
  --review-queue-url URL     复核队列（FAZHI_REVIEW_QUEUE_URL；ReviewQueueUrl）
  --review-dlq-url URL       复核死信队列（FAZHI_REVIEW_DLQ_URL；ReviewDeadLetterQueueUrl）`;

export function stageQueues(
  target: Target,
  values: Parsed['values'],
  env: NodeJS.ProcessEnv = process.env,
): { ingest: SqsStageQueue; score: SqsStageQueue; review: SqsStageQueue; close(): void } {
  const pick = (flag: keyof typeof QUEUE_OPTIONS, variable: string): string => {
    const url = stringOption(values, flag) ?? (env[variable] || undefined);
    if (!url) throw new UsageError(`缺少 --${flag}（或环境变量 ${variable}）：部署的输出或 fazhi local --keep 会给出这个地址。`);
    if (!URL.canParse(url)) throw new UsageError(`--${flag} 不是有效的 URL：${url}`);
    return url;
  };
  const urls = {
    ingest: pick('ingest-queue-url', 'FAZHI_INGEST_QUEUE_URL'),
    ingestDlq: pick('ingest-dlq-url', 'FAZHI_INGEST_DLQ_URL'),
    score: pick('score-queue-url', 'FAZHI_SCORE_QUEUE_URL'),
    scoreDlq: pick('score-dlq-url', 'FAZHI_SCORE_DLQ_URL'),
    review: pick('review-queue-url', 'FAZHI_REVIEW_QUEUE_URL'),
    reviewDlq: pick('review-dlq-url', 'FAZHI_REVIEW_DLQ_URL'),
  };
  const clients = [sqsClientFor(target, urls.ingest), sqsClientFor(target, urls.score), sqsClientFor(target, urls.review)];
  return {
    ingest: new SqsStageQueue(clients[0]!, urls.ingest, urls.ingestDlq),
    score: new SqsStageQueue(clients[1]!, urls.score, urls.scoreDlq),
    review: new SqsStageQueue(clients[2]!, urls.review, urls.reviewDlq),
    close: () => clients.forEach((c) => c.destroy()),
  };
}

/** AWS and network errors in plain words (a configuration problem, exit 2), or null for anything else. */
export function plainTargetError(error: unknown, target?: Target): UsageError | null {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const name = e.name ?? '';
  const message = e.message ?? '';
  const code = e.code ?? e.cause?.code ?? '';
  const say = (zh: string): UsageError => new UsageError(`${zh}\n(${name || code}: ${message})`);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return say('找不到 AWS 凭证：请设置 AWS_PROFILE、运行 aws configure 或 aws sso login；连接本地服务请设置 FAZHI_S3_ENDPOINT 和 FAZHI_DYNAMODB_ENDPOINT。');
  }
  if (/Region is missing/i.test(message)) return say('没有指定 AWS 区域：请设置 AWS_REGION 或使用 --region。');
  if (name === 'ResourceNotFoundException') return say(`DynamoDB 表 ${target?.table ?? ''} 不存在（或不在这个区域）。请检查 --table / FAZHI_TABLE 和区域。`);
  if (name === 'NoSuchBucket') return say(`桶 ${target?.bucket ?? ''} 不存在。请检查 --bucket / FAZHI_BUCKET。`);
  if (
    [
      'AccessDenied',
      'AccessDeniedException',
      'InvalidAccessKeyId',
      'UnrecognizedClientException',
      'ExpiredToken',
      'ExpiredTokenException',
      'InvalidClientTokenId',
      'SignatureDoesNotMatch',
    ].includes(name)
  ) {
    return say('没有权限，或凭证无效、已过期：请检查当前使用的 AWS 身份（aws sts get-caller-identity）。');
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT'].includes(code) || /ECONNREFUSED|getaddrinfo/.test(message)) {
    return say('连接不上服务：地址不对，或本地服务没有运行（fazhi local --keep）。');
  }
  if (name === 'QueueDoesNotExist' || /NonExistentQueue/.test(message))
    return say('队列不存在：请检查队列地址（--queue-url、--*-queue-url、--*-dlq-url 或对应的 FAZHI_*_URL 环境变量）。');
  return null;
}

/** Runs a command body, turning configuration and connection errors into plain messages. */
export async function againstTarget<T>(target: Target | undefined, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw plainTargetError(error, target) ?? error;
  }
}
