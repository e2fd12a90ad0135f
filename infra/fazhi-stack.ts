import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { BUCKET_CORS, KEY_PREFIX, NOTIFICATIONS, TABLE } from '../schemas/storage.ts';
import type { FazhiConfig } from './config.ts';
import { DEFAULT_CONFIG } from './config.ts';
import { PipelineFunction } from './constructs/pipeline-function.ts';
import type { PipelineFunctionProps } from './constructs/pipeline-function.ts';
import { WorkQueue } from './constructs/work-queue.ts';
import { acknowledgeCdkSingletons, acknowledgePipelineFunction } from './nag-acknowledgements.ts';
import type { KeyFilter } from './notification-filters.ts';
import { assertNoOverlappingFilters } from './notification-filters.ts';
import { handlerEntry, pdfjsDistDirRelative, REPO_ROOT } from './paths.ts';
import { join } from 'node:path';

export interface FazhiStackProps extends StackProps {
  /** Deployment parameters (see infra/config.ts); defaults to DEFAULT_CONFIG. */
  readonly config?: FazhiConfig;
}

/** Where the ingest bundle keeps pdf.js data; the extraction code reads FAZHI_PDF_DATA_DIR. */
export const PDF_DATA_SUBDIR = 'pdfjs';
/** Lambda unpacks the deployment package to /var/task (LAMBDA_TASK_ROOT). */
export const PDF_DATA_DIR = `/var/task/${PDF_DATA_SUBDIR}`;

export type FunctionName = 'ingest' | 'score' | 'export' | 'rescore';

/**
 * Sizes of the four functions and their event sources. Memory also buys CPU: parsing (ingest) and workbook building
 * (export) are the heavy stages. maxConcurrency caps parallel consumers without reserving account concurrency.
 */
export const FUNCTION_SPECS = {
  ingest: { memorySize: 1024, timeout: Duration.seconds(60), batchSize: 5, maxConcurrency: 4, description: 'Fazhi: extract and normalise an uploaded report' },
  score: { memorySize: 512, timeout: Duration.seconds(30), batchSize: 10, maxConcurrency: 5, description: 'Fazhi: score a normalised report with a rubric' },
  export: { memorySize: 1024, timeout: Duration.seconds(120), description: 'Fazhi: build the ranking workbook of a county and year' },
  rescore: { memorySize: 256, timeout: Duration.seconds(60), description: 'Fazhi: queue normalised reports for scoring with another rubric' },
} as const;

/** pdf.js CMaps and standard fonts, shipped beside the ingest bundle (pdfjs/cmaps, pdfjs/standard_fonts). */
export function pdfjsData(): { from: string; to: string }[] {
  const source = join(REPO_ROOT, pdfjsDistDirRelative());
  return ['cmaps', 'standard_fonts'].map((dir) => ({ from: join(source, dir), to: `${PDF_DATA_SUBDIR}/${dir}` }));
}

/**
 * Props of one pipeline function: spec + entry + (for ingest) the pdf.js data hook. Exported so the bundling test
 * bundles the ingest function exactly as the stack does without bundling all four.
 */
export function pipelineFunctionProps(
  name: FunctionName,
  environment: Record<string, string>,
  removalPolicy: RemovalPolicy,
): PipelineFunctionProps {
  const spec = FUNCTION_SPECS[name];
  return {
    entry: handlerEntry(name),
    description: spec.description,
    memorySize: spec.memorySize,
    timeout: spec.timeout,
    environment: { POWERTOOLS_SERVICE_NAME: `fazhi-${name}`, ...environment },
    removalPolicy,
    ...(name === 'ingest' ? { copy: pdfjsData() } : {}),
  };
}

/**
 * Fazhi Score: S3 reports/ → SQS → ingest λ → S3 normalized/ → SQS → score λ → DynamoDB; export λ writes the
 * workbook to S3 exports/ and returns a presigned link; rescore λ re-queues normalized reports for a new rubric.
 * Environment-agnostic: ARNs use the partition of the target region (deployable to aws-cn).
 */
export class FazhiStack extends Stack {
  readonly bucket: Bucket;
  readonly table: TableV2;
  readonly ingestQueue: WorkQueue;
  readonly scoreQueue: WorkQueue;
  readonly alarmTopic: Topic;
  readonly functions: Record<FunctionName, PipelineFunction>;

  constructor(scope: Construct, id: string, props: FazhiStackProps = {}) {
    super(scope, id, {
      description: 'Fazhi Score: scores township rule-of-law annual reports (S3 -> SQS -> Lambda -> DynamoDB -> Excel)',
      ...props,
    });
    const config = props.config ?? DEFAULT_CONFIG;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    Tags.of(this).add('project', 'fazhi-score');
    Tags.of(this).add('stage', config.stage);

    // ---- Alarms: one encrypted topic. CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key,
    // so the topic gets its own key whose policy lets CloudWatch use it.
    const alarmKey = new Key(this, 'AlarmTopicKey', {
      description: `Fazhi Score ${config.stage}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy,
    });
    alarmKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Fazhi Score ${config.stage} alarms`,
      masterKey: alarmKey,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
    const alarmAction = new SnsAction(this.alarmTopic);

    // ---- Storage. SSE-S3 rather than SSE-KMS: encryption at rest either way; a customer key would add kms:Decrypt
    // to every role and to each presigned download, and per-request KMS cost, while access is already limited by
    // IAM to the pipeline roles. The reports themselves are published by regulation (每年4月1日前公开).
    const accessLogs = new Bucket(this, 'AccessLogs', {
      // Server access logs can only be delivered to an SSE-S3 bucket.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy,
      autoDeleteObjects: !config.retainData,
    });

    this.bucket = new Bucket(this, 'Data', {
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'data-bucket/',
      // CORS for the per-unit upload pages (fazhi invite): a presigned POST of the report and a presigned GET of the
      // unit's status object, from a page opened as a file. The same rule the local stack sets (schemas/storage.ts).
      cors: [
        {
          allowedMethods: BUCKET_CORS.allowedMethods.map((method) => HttpMethods[method]),
          allowedOrigins: [...BUCKET_CORS.allowedOrigins],
          allowedHeaders: [...BUCKET_CORS.allowedHeaders],
          exposedHeaders: [...BUCKET_CORS.exposedHeaders],
          maxAge: BUCKET_CORS.maxAgeSeconds,
        },
      ],
      lifecycleRules: [
        // Current versions are never expired: originals under reports/ are kept as uploaded.
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7), expiredObjectDeleteMarker: true },
        // A re-upload of the same key supersedes the old original; keep the old bytes a year for audit.
        { id: 'superseded-reports', prefix: KEY_PREFIX.reports, noncurrentVersionExpiration: Duration.days(365) },
        // Derived objects are regenerated from the originals; old versions only help debugging.
        ...[KEY_PREFIX.normalized, KEY_PREFIX.scores, KEY_PREFIX.exports].map((prefix) => ({
          id: `superseded-${prefix.replace(/\/$/, '')}`,
          prefix,
          noncurrentVersionExpiration: Duration.days(30),
        })),
      ],
      removalPolicy,
      autoDeleteObjects: !config.retainData,
    });

    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // AWS-owned key: encrypted at rest at no cost and with no key policy to keep in sync; see the bucket comment.
      encryption: TableEncryptionV2.dynamoOwnedKey(),
      deletionProtection: config.retainData,
      removalPolicy,
      globalSecondaryIndexes: [
        {
          indexName: TABLE.rankingIndex.name,
          partitionKey: { name: TABLE.rankingIndex.partitionKey, type: AttributeType.STRING },
          // Number so a descending Query returns the ranking directly.
          sortKey: { name: TABLE.rankingIndex.sortKey, type: AttributeType.NUMBER },
          projectionType: ProjectionType.ALL,
        },
      ],
    });

    // ---- Queues (visibility timeout derived from the consumer's timeout).
    this.ingestQueue = new WorkQueue(this, 'IngestQueue', {
      purpose: 'ingest',
      consumerTimeout: FUNCTION_SPECS.ingest.timeout,
      alarmAction,
    });
    this.scoreQueue = new WorkQueue(this, 'ScoreQueue', {
      purpose: 'score',
      consumerTimeout: FUNCTION_SPECS.score.timeout,
      alarmAction,
    });

    // ---- Functions. Each gets only the variables it reads.
    const common = { BUCKET_NAME: this.bucket.bucketName, TABLE_NAME: this.table.tableName, LOG_LEVEL: config.logLevel };
    const fn = (name: FunctionName, id: string, environment: Record<string, string>): PipelineFunction =>
      new PipelineFunction(this, id, pipelineFunctionProps(name, { ...common, ...environment }, removalPolicy));
    // MAX_RECEIVE_COUNT: on the queue's last delivery a record that still throws is marked failed (internal), so no
    // upload stays "received" once its message has gone to the dead-letter queue.
    const ingest = fn('ingest', 'Ingest', { FAZHI_PDF_DATA_DIR: PDF_DATA_DIR, MAX_RECEIVE_COUNT: String(this.ingestQueue.maxReceiveCount) });
    const score = fn('score', 'Score', { DEFAULT_RUBRIC: config.defaultRubric, MAX_RECEIVE_COUNT: String(this.scoreQueue.maxReceiveCount) });
    const exporter = fn('export', 'Export', { URL_TTL_SECONDS: String(config.urlTtlSeconds) });
    const rescore = fn('rescore', 'Rescore', { SCORE_QUEUE_URL: this.scoreQueue.queue.queueUrl });
    this.functions = { ingest, score, export: exporter, rescore };

    // ---- Least privilege, prefix-scoped. Writes use grantPut (no s3:DeleteObject*): nothing here deletes objects.
    // (Keep acknowledgePipelineFunction calls below in step with these grants.)
    this.bucket.grantRead(ingest, `${KEY_PREFIX.reports}*`);
    this.bucket.grantPut(ingest, `${KEY_PREFIX.normalized}*`);
    // The units' status objects (functions/shared/unit-status.ts), written by ingest and score.
    this.bucket.grantPut(ingest, `${KEY_PREFIX.status}*`);
    this.table.grantReadWriteData(ingest);

    this.bucket.grantRead(score, `${KEY_PREFIX.normalized}*`);
    this.bucket.grantPut(score, `${KEY_PREFIX.scores}*`);
    this.bucket.grantPut(score, `${KEY_PREFIX.status}*`);
    this.table.grantReadWriteData(score);

    this.table.grantReadData(exporter);
    this.bucket.grantRead(exporter, `${KEY_PREFIX.scores}*`);
    // The cross-report checks (copies, last year's plans) read the normalised reports of the county's two years.
    this.bucket.grantRead(exporter, `${KEY_PREFIX.normalized}*`);
    // Read is what a presigned GET of the workbook is signed with; it covers exports/ only.
    this.bucket.grantRead(exporter, `${KEY_PREFIX.exports}*`);
    this.bucket.grantPut(exporter, `${KEY_PREFIX.exports}*`);

    this.bucket.grantRead(rescore, `${KEY_PREFIX.normalized}*`);
    this.table.grantReadData(rescore);
    this.scoreQueue.queue.grantSendMessages(rescore);

    // ---- Event wiring: S3 → SQS → Lambda.
    const filters: KeyFilter[] = NOTIFICATIONS.map(({ prefix, suffix }) => ({ prefix, suffix }));
    assertNoOverlappingFilters(filters);
    const destinations = { ingest: new SqsDestination(this.ingestQueue.queue), score: new SqsDestination(this.scoreQueue.queue) };
    for (const { prefix, suffix, queue } of NOTIFICATIONS) {
      this.bucket.addEventNotification(EventType.OBJECT_CREATED, destinations[queue], { prefix, ...(suffix ? { suffix } : {}) });
    }
    this.ingestQueue.addConsumer(ingest, FUNCTION_SPECS.ingest);
    this.scoreQueue.addConsumer(score, FUNCTION_SPECS.score);

    // ---- Function error alarms (unexpected errors and timeouts; bad files end as data, not errors).
    for (const [name, f] of Object.entries(this.functions)) {
      const alarm = new Alarm(f, 'ErrorsAlarm', {
        alarmDescription: `Fazhi ${name}: the function failed (error or timeout). See its log group.`,
        metric: f.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
      alarm.addOkAction(alarmAction);
    }

    // cdk-nag: the wildcards the prefix-scoped grants above produce, and CDK's own singletons.
    const bucket = this.bucket;
    const table = this.table;
    const p = (prefix: string): string => `${prefix}*`;
    acknowledgePipelineFunction(ingest, { bucket, table, readPrefixes: [p(KEY_PREFIX.reports)], putPrefixes: [p(KEY_PREFIX.normalized), p(KEY_PREFIX.status)] });
    acknowledgePipelineFunction(score, { bucket, table, readPrefixes: [p(KEY_PREFIX.normalized)], putPrefixes: [p(KEY_PREFIX.scores), p(KEY_PREFIX.status)] });
    acknowledgePipelineFunction(exporter, {
      bucket,
      table,
      readPrefixes: [p(KEY_PREFIX.scores), p(KEY_PREFIX.normalized), p(KEY_PREFIX.exports)],
      putPrefixes: [p(KEY_PREFIX.exports)],
    });
    acknowledgePipelineFunction(rescore, { bucket, table, readPrefixes: [p(KEY_PREFIX.normalized)] });
    acknowledgeCdkSingletons(this);

    // ---- Outputs.
    const out = (id: string, value: string, description: string): CfnOutput => new CfnOutput(this, id, { value, description });
    out('BucketName', this.bucket.bucketName, 'Data bucket (reports/, normalized/, scores/, exports/)');
    out('TableName', this.table.tableName, 'DynamoDB table');
    out('UploadPrefix', `s3://${this.bucket.bucketName}/${KEY_PREFIX.reports}`, 'Upload reports to reports/{year}/{county}/{file}');
    out('IngestQueueUrl', this.ingestQueue.queue.queueUrl, 'Ingest queue');
    out('IngestDeadLetterQueueUrl', this.ingestQueue.deadLetterQueue.queueUrl, 'Ingest dead-letter queue');
    out('ScoreQueueUrl', this.scoreQueue.queue.queueUrl, 'Score queue');
    out('ScoreDeadLetterQueueUrl', this.scoreQueue.deadLetterQueue.queueUrl, 'Score dead-letter queue');
    out('IngestFunctionName', ingest.function.functionName, 'Ingest function');
    out('ScoreFunctionName', score.function.functionName, 'Score function');
    out('ExportFunctionName', exporter.function.functionName, 'Export function');
    out('RescoreFunctionName', rescore.function.functionName, 'Rescore function');
    out('AlarmTopicArn', this.alarmTopic.topicArn, 'SNS topic receiving all alarms');
    out(
      'CliHint',
      `AWS_REGION=${Aws.REGION} FAZHI_BUCKET=${this.bucket.bucketName} FAZHI_TABLE=${this.table.tableName} ` +
        `FAZHI_SCORE_QUEUE_URL=${this.scoreQueue.queue.queueUrl} ` +
        'npx fazhi upload <file...> --year <YYYY> --county <name> ; npx fazhi status --year <YYYY> --county <name> ; ' +
        'npx fazhi export --year <YYYY> --county <name> ; npx fazhi rescore --year <YYYY> --rubric <id@version>',
      'How to point the fazhi CLI at this deployment',
    );
  }
}
