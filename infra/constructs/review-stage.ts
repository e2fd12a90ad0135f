import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { KEY_PREFIX } from '../../schemas/storage.ts';
import { acknowledgePipelineFunction } from '../nag-acknowledgements.ts';
import { handlerEntry } from '../paths.ts';
import { PipelineFunction } from './pipeline-function.ts';
import { WorkQueue } from './work-queue.ts';

export interface ReviewStageProps {
  readonly bucket: Bucket;
  readonly table: TableV2;
  readonly alarmAction: IAlarmAction;
  /** BUCKET_NAME, TABLE_NAME, LOG_LEVEL. */
  readonly environment: Record<string, string>;
  readonly removalPolicy: RemovalPolicy;
}

/** Sizes: reading a reviewed workbook, re-ranking the county·year and writing the final workbook, like the export. */
export const REVIEW_SPEC = {
  memorySize: 1024,
  timeout: Duration.seconds(120),
  batchSize: 1,
  maxConcurrency: 2,
  description: 'Fazhi: apply an assessor\'s reviewed workbook (append-only review items, final workbook)',
} as const;

/**
 * The review stage: S3 reviews/ → its own queue (with dead-letter queue and alarms) → the review function, which reads
 * the reviewed workbook, re-ranks the county·year from the score items and normalised reports (as the export does),
 * appends review items to the table and writes exports/…/final-….xlsx. Grants are prefix-scoped; no delete.
 */
export class ReviewStage extends Construct {
  readonly queue: WorkQueue;
  readonly function: PipelineFunction;
  readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ReviewStageProps) {
    super(scope, id);
    this.queue = new WorkQueue(this, 'Queue', { purpose: 'review', consumerTimeout: REVIEW_SPEC.timeout, alarmAction: props.alarmAction });
    this.function = new PipelineFunction(this, 'Function', {
      entry: handlerEntry('review'),
      description: REVIEW_SPEC.description,
      memorySize: REVIEW_SPEC.memorySize,
      timeout: REVIEW_SPEC.timeout,
      environment: { POWERTOOLS_SERVICE_NAME: 'fazhi-review', ...props.environment, MAX_RECEIVE_COUNT: String(this.queue.maxReceiveCount) },
      removalPolicy: props.removalPolicy,
    });
    const fn = this.function;
    const { bucket, table } = props;
    bucket.grantRead(fn, `${KEY_PREFIX.reviews}*`);
    // Re-ranking the county·year: the score items (and offloaded results) and the normalised reports.
    bucket.grantRead(fn, `${KEY_PREFIX.scores}*`);
    bucket.grantRead(fn, `${KEY_PREFIX.normalized}*`);
    bucket.grantPut(fn, `${KEY_PREFIX.exports}*`);
    // Reads the score and status items; writes only review items (conditional puts, never updates of score items).
    table.grantReadWriteData(fn);
    this.queue.addConsumer(fn, REVIEW_SPEC);

    this.errorsAlarm = new Alarm(fn, 'ErrorsAlarm', {
      alarmDescription: 'Fazhi review: the function failed (error or timeout). See its log group.',
      metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm.addAlarmAction(props.alarmAction);
    this.errorsAlarm.addOkAction(props.alarmAction);

    const p = (prefix: string): string => `${prefix}*`;
    acknowledgePipelineFunction(fn, {
      bucket,
      table,
      readPrefixes: [p(KEY_PREFIX.reviews), p(KEY_PREFIX.scores), p(KEY_PREFIX.normalized)],
      putPrefixes: [p(KEY_PREFIX.exports)],
    });
  }
}
