import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
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
import { handlerEntry, ISOLATED_WORKER_ENTRY, pdfjsDistDirRelative, REPO_ROOT } from './paths.ts';
import { functionTimeoutSeconds, STAGE_BUDGETS, staleAfterSeconds } from '../functions/shared/budgets.ts';
import { join } from 'node:path';

export interface FazhiStackProps extends StackProps {
  /** Deployment parameters (see infra/config.ts); defaults to DEFAULT_CONFIG. */
  readonly config?: FazhiConfig;
}

/** Where the ingest bundle keeps pdf.js data; the extraction code reads FAZHI_PDF_DATA_DIR. */
export const PDF_DATA_SUBDIR = 'pdfjs';
/** Lambda unpacks the deployment package to /var/task (LAMBDA_TASK_ROOT). */
export const PDF_DATA_DIR = `/var/task/${PDF_DATA_SUBDIR}`;

export type FunctionName = 'ingest' | 'score' | 'export' | 'rescore' | 'reconcile' | 'review';

/**
 * Sizes of the five functions and their event sources. Memory also buys CPU: parsing (ingest) and workbook building
 * (export) are the heavy stages. maxConcurrency caps parallel consumers without reserving account concurrency. The
 * queue consumers' batch sizes and timeouts come from the per-document budgets (functions/shared/budgets.ts): a
 * batch whose every document uses its whole budget still ends before the timeout.
 */
export const FUNCTION_SPECS = {
  ingest: {
    memorySize: 1024,
    timeout: Duration.seconds(functionTimeoutSeconds(STAGE_BUDGETS.ingest)),
    batchSize: STAGE_BUDGETS.ingest.batchSize,
    maxConcurrency: 4,
    description: 'Fazhi: extract and normalise an uploaded report',
  },
  score: {
    memorySize: 512,
    timeout: Duration.seconds(functionTimeoutSeconds(STAGE_BUDGETS.score)),
    batchSize: STAGE_BUDGETS.score.batchSize,
    maxConcurrency: 5,
    description: 'Fazhi: score a normalised report with a rubric',
  },
  export: { memorySize: 1024, timeout: Duration.seconds(120), description: 'Fazhi: build the ranking workbook of a county and year' },
  rescore: { memorySize: 256, timeout: Duration.seconds(60), description: 'Fazhi: queue normalised reports for scoring with another rubric' },
  reconcile: { memorySize: 512, timeout: Duration.seconds(300), description: 'Fazhi: make every upload end scored or failed (re-drive lost work)' },
  // Reads a reviewed workbook, re-ranks the county·year from the stored results and writes the final workbook: the
  // export's work, one workbook at a time.
  review: {
    memorySize: 1024,
    timeout: Duration.seconds(120),
    batchSize: 1,
    maxConcurrency: 2,
    description: "Fazhi: apply an assessor's reviewed workbook (append-only review items, final workbook)",
  },
} as const;

/** Functions that run documents in a worker thread stopped at its budget (functions/shared/isolated.ts). */
const ISOLATED: ReadonlySet<FunctionName> = new Set(['ingest', 'score']);

const RUNTIMES = { 'nodejs24.x': Runtime.NODEJS_24_X, 'nodejs22.x': Runtime.NODEJS_22_X } as const;
const ARCHITECTURES = { arm64: Architecture.ARM_64, x86_64: Architecture.X86_64 } as const;

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
  config: Pick<FazhiConfig, 'lambdaRuntime' | 'lambdaArchitecture'> = DEFAULT_CONFIG,
): PipelineFunctionProps {
  const spec = FUNCTION_SPECS[name];
  return {
    entry: handlerEntry(name),
    description: spec.description,
    memorySize: spec.memorySize,
    timeout: spec.timeout,
    environment: { POWERTOOLS_SERVICE_NAME: `fazhi-${name}`, ...environment },
    removalPolicy,
    runtime: RUNTIMES[config.lambdaRuntime],
    architecture: ARCHITECTURES[config.lambdaArchitecture],
    ...(name === 'ingest' ? { copy: pdfjsData() } : {}),
    ...(ISOLATED.has(name) ? { extraEntries: { 'isolated-worker': ISOLATED_WORKER_ENTRY } } : {}),
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
  /** The assessor's reviewed workbooks: reviews/ → this queue → the review function. */
  readonly reviewQueue: WorkQueue;

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
        // A re-upload of the same key supersedes the old original. It is the evidence of what was filed first, so by
        // default it is kept for ever; a county may choose a retention (≥ 365 days) with originalVersionRetentionDays.
        ...(config.originalVersionRetentionDays === undefined
          ? []
          : [{ id: 'superseded-reports', prefix: KEY_PREFIX.reports, noncurrentVersionExpiration: Duration.days(config.originalVersionRetentionDays) }]),
        // Derived objects are regenerated from the originals; old versions only help debugging. (The units' status
        // objects are rewritten at every status change: their old versions are of no use at all.)
        ...[KEY_PREFIX.normalized, KEY_PREFIX.scores, KEY_PREFIX.exports, KEY_PREFIX.status].map((prefix) => ({
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
    this.reviewQueue = new WorkQueue(this, 'ReviewQueue', {
      purpose: 'review',
      consumerTimeout: FUNCTION_SPECS.review.timeout,
      alarmAction,
    });

    // ---- Functions. Each gets only the variables it reads.
    const common = { BUCKET_NAME: this.bucket.bucketName, TABLE_NAME: this.table.tableName, LOG_LEVEL: config.logLevel };
    const fn = (name: FunctionName, id: string, environment: Record<string, string>): PipelineFunction =>
      new PipelineFunction(this, id, pipelineFunctionProps(name, { ...common, ...environment }, removalPolicy, config));
    // MAX_RECEIVE_COUNT: on the queue's last delivery a record that still throws is marked failed (internal), so no
    // upload stays "received" once its message has gone to the dead-letter queue.
    const ingest = fn('ingest', 'Ingest', { FAZHI_PDF_DATA_DIR: PDF_DATA_DIR, MAX_RECEIVE_COUNT: String(this.ingestQueue.maxReceiveCount) });
    const score = fn('score', 'Score', { DEFAULT_RUBRIC: config.defaultRubric, MAX_RECEIVE_COUNT: String(this.scoreQueue.maxReceiveCount) });
    const exporter = fn('export', 'Export', { URL_TTL_SECONDS: String(config.urlTtlSeconds) });
    const rescore = fn('rescore', 'Rescore', { SCORE_QUEUE_URL: this.scoreQueue.queue.queueUrl });
    const reconcile = fn('reconcile', 'Reconcile', {
      INGEST_QUEUE_URL: this.ingestQueue.queue.queueUrl,
      INGEST_DLQ_URL: this.ingestQueue.deadLetterQueue.queueUrl,
      SCORE_QUEUE_URL: this.scoreQueue.queue.queueUrl,
      SCORE_DLQ_URL: this.scoreQueue.deadLetterQueue.queueUrl,
      REVIEW_QUEUE_URL: this.reviewQueue.queue.queueUrl,
      REVIEW_DLQ_URL: this.reviewQueue.deadLetterQueue.queueUrl,
      // Longer than any message can cycle through its queue, so it never re-sends work SQS still holds.
      STALE_AFTER_SECONDS: String(staleAfterSeconds(Math.max(this.ingestQueue.maxReceiveCount, this.scoreQueue.maxReceiveCount))),
    });
    const review = fn('review', 'Review', { MAX_RECEIVE_COUNT: String(this.reviewQueue.maxReceiveCount) });
    this.functions = { ingest, score, export: exporter, rescore, reconcile, review };

    // ---- Least privilege: explicit statements, exactly the API calls each handler makes (CDK's grant* helpers add
    // Scan, DeleteItem, BatchWriteItem, ConditionCheckItem, bucket-wide List* and object tagging/ACL actions that no
    // handler uses). No function may delete an object or an item. (Keep acknowledgeObjectPrefixes below in step.)
    const objects = (prefix: string): string => this.bucket.arnForObjects(`${prefix}*`);
    const allow = (f: PipelineFunction, actions: string[], resources: string[]): void => {
      f.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
    };
    const tableArn = this.table.tableArn;
    // The ranking GSI by name (the year-wide status and ranking queries), not every index of the table.
    const indexArn = `${tableArn}/index/${TABLE.rankingIndex.name}`;

    // ingest: read the upload (the version the event names), write its normalised report, update its status item.
    // For an upload in a unit folder, write the unit's status object (functions/shared/unit-status.ts), which first
    // queries the county·year for the unit's newest upload.
    allow(ingest, ['s3:GetObject', 's3:GetObjectVersion'], [objects(KEY_PREFIX.reports)]);
    allow(ingest, ['s3:PutObject'], [objects(KEY_PREFIX.normalized), objects(KEY_PREFIX.status)]);
    allow(ingest, ['dynamodb:UpdateItem', 'dynamodb:Query'], [tableArn]);

    // score: read a normalised report (and last year's), write large results, find the upload (GetItem; a Query by id
    // on the failure path, and for last year's report), put the score item, update the status item, and write the
    // unit's status object for an upload in a unit folder.
    allow(score, ['s3:GetObject'], [objects(KEY_PREFIX.normalized)]);
    allow(score, ['s3:PutObject'], [objects(KEY_PREFIX.scores), objects(KEY_PREFIX.status)]);
    allow(score, ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [tableArn]);

    // export: one Query per county·year; the counties of a year for the year-wide export, and the years around an
    // empty one for its error (the GSI); the stored results, the normalised reports (cross-report checks of the
    // county's two years) and the workbook it streams (a multipart upload: PutObject covers its parts, Abort discards
    // them when the export fails) and presigns (GetObject is what the link is signed with).
    allow(exporter, ['dynamodb:Query'], [tableArn, indexArn]);
    allow(exporter, ['s3:GetObject'], [objects(KEY_PREFIX.scores), objects(KEY_PREFIX.normalized), objects(KEY_PREFIX.exports)]);
    allow(exporter, ['s3:PutObject', 's3:AbortMultipartUpload'], [objects(KEY_PREFIX.exports)]);

    // rescore: the uploads of a year (GSI) or a county (table), score commands to the score queue. No S3 at all.
    allow(rescore, ['dynamodb:Query'], [tableArn, indexArn]);
    allow(rescore, ['sqs:SendMessage'], [this.scoreQueue.queue.queueArn]);

    // reconcile: list reports/ only, read the uploads of each year (GSI) and the misplaced partition, mark failures
    // (and the unit's status object of an upload in a unit folder it gives up on), count re-drives; send work to the
    // three queues (and read their depth); read and delete dead letters; look up review rounds and record one (a
    // conditional PutItem of a new item) for a reviewed workbook it gives up on.
    reconcile.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${KEY_PREFIX.reports}*`] } },
      }),
    );
    allow(reconcile, ['s3:PutObject'], [objects(KEY_PREFIX.status)]);
    allow(reconcile, ['dynamodb:Query'], [tableArn, indexArn]);
    allow(reconcile, ['dynamodb:UpdateItem', 'dynamodb:PutItem'], [tableArn]);
    const stageQueues = [this.ingestQueue, this.scoreQueue, this.reviewQueue];
    allow(
      reconcile,
      ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
      stageQueues.map((q) => q.queue.queueArn),
    );
    allow(
      reconcile,
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
      stageQueues.map((q) => q.deadLetterQueue.queueArn),
    );

    // review: read the reviewed workbook, re-rank the county·year as the export does (its Query, stored results and
    // normalised reports), append review items (conditional PutItem of new items only: the machine's score items are
    // never updated), and write the final workbook.
    allow(review, ['s3:GetObject'], [objects(KEY_PREFIX.reviews), objects(KEY_PREFIX.scores), objects(KEY_PREFIX.normalized)]);
    allow(review, ['s3:PutObject'], [objects(KEY_PREFIX.exports)]);
    allow(review, ['dynamodb:Query', 'dynamodb:PutItem'], [tableArn]);

    // Every upload must end scored or failed: the reconciler runs on a schedule (and on demand: fazhi reconcile).
    new Rule(this, 'ReconcileSchedule', {
      description: `Fazhi ${config.stage}: reconcile uploads, status and dead letters every ${config.reconcileEveryMinutes} minutes`,
      schedule: Schedule.rate(Duration.minutes(config.reconcileEveryMinutes)),
      targets: [new LambdaTarget(reconcile.function, { retryAttempts: 2 })],
    });

    // ---- Event wiring: S3 → SQS → Lambda.
    const filters: KeyFilter[] = NOTIFICATIONS.map(({ prefix, suffix }) => ({ prefix, suffix }));
    assertNoOverlappingFilters(filters);
    const destinations = {
      ingest: new SqsDestination(this.ingestQueue.queue),
      score: new SqsDestination(this.scoreQueue.queue),
      review: new SqsDestination(this.reviewQueue.queue),
    };
    for (const { prefix, suffix, queue } of NOTIFICATIONS) {
      this.bucket.addEventNotification(EventType.OBJECT_CREATED, destinations[queue], { prefix, ...(suffix ? { suffix } : {}) });
    }
    this.ingestQueue.addConsumer(ingest, FUNCTION_SPECS.ingest);
    this.scoreQueue.addConsumer(score, FUNCTION_SPECS.score);
    this.reviewQueue.addConsumer(review, FUNCTION_SPECS.review);

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

    // cdk-nag: the object-prefix wildcards of the statements above, the runtime choice, and CDK's own singletons.
    const bucket = this.bucket;
    acknowledgePipelineFunction(ingest, config, { bucket, prefixes: [KEY_PREFIX.reports, KEY_PREFIX.normalized, KEY_PREFIX.status] });
    acknowledgePipelineFunction(score, config, { bucket, prefixes: [KEY_PREFIX.normalized, KEY_PREFIX.scores, KEY_PREFIX.status] });
    acknowledgePipelineFunction(exporter, config, { bucket, prefixes: [KEY_PREFIX.scores, KEY_PREFIX.normalized, KEY_PREFIX.exports] });
    acknowledgePipelineFunction(rescore, config, { bucket, prefixes: [] });
    acknowledgePipelineFunction(reconcile, config, { bucket, prefixes: [KEY_PREFIX.status] });
    acknowledgePipelineFunction(review, config, { bucket, prefixes: [KEY_PREFIX.reviews, KEY_PREFIX.scores, KEY_PREFIX.normalized, KEY_PREFIX.exports] });
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
    out('ReviewPrefix', `s3://${this.bucket.bucketName}/${KEY_PREFIX.reviews}`, 'Upload reviewed workbooks to reviews/{year}/{county}/{file}.xlsx');
    out('ReviewQueueUrl', this.reviewQueue.queue.queueUrl, 'Review queue');
    out('ReviewDeadLetterQueueUrl', this.reviewQueue.deadLetterQueue.queueUrl, 'Review dead-letter queue');
    out('ReviewFunctionName', review.function.functionName, 'Review function');
    out('ReconcileFunctionName', reconcile.function.functionName, 'Reconcile function (also on a schedule)');
    out('AlarmTopicArn', this.alarmTopic.topicArn, 'SNS topic receiving all alarms');
    out(
      'CliHint',
      `AWS_REGION=${Aws.REGION} FAZHI_BUCKET=${this.bucket.bucketName} FAZHI_TABLE=${this.table.tableName} ` +
        `FAZHI_SCORE_QUEUE_URL=${this.scoreQueue.queue.queueUrl} FAZHI_SCORE_DLQ_URL=${this.scoreQueue.deadLetterQueue.queueUrl} ` +
        `FAZHI_INGEST_QUEUE_URL=${this.ingestQueue.queue.queueUrl} FAZHI_INGEST_DLQ_URL=${this.ingestQueue.deadLetterQueue.queueUrl} ` +
        `FAZHI_REVIEW_QUEUE_URL=${this.reviewQueue.queue.queueUrl} FAZHI_REVIEW_DLQ_URL=${this.reviewQueue.deadLetterQueue.queueUrl} ` +
        'npx fazhi upload <file...> --year <YYYY> --county <name> ; npx fazhi status --year <YYYY> --county <name> ; ' +
        'npx fazhi export --year <YYYY> --county <name> ; npx fazhi rescore --year <YYYY> --rubric <id@version> ; npx fazhi reconcile',
      'How to point the fazhi CLI at this deployment',
    );
  }
}
