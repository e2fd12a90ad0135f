import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PipelineFunction } from './pipeline-function.ts';
import { DEFAULT_MAX_RECEIVE_COUNT, VISIBILITY_FACTOR } from '../../functions/shared/budgets.ts';

export interface WorkQueueProps {
  /** Human name used in alarm descriptions, e.g. "ingest". */
  readonly purpose: string;
  /** Timeout of the one function that consumes the queue: the visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
  /** Receives before a message moves to the DLQ (3–5: enough for transient errors, not for a poison message). */
  readonly maxReceiveCount?: number;
  /** Alarm when the oldest message has waited this long (the consumer is stuck, throttled or failing). */
  readonly maxMessageAge?: Duration;
  /** Where every alarm of this queue goes (alarm and OK transitions). */
  readonly alarmAction: IAlarmAction;
}

export interface ConsumerOptions {
  readonly batchSize: number;
  /** Upper bound of concurrent invocations the event source starts (2–1000); no reserved concurrency needed. */
  readonly maxConcurrency: number;
}

/**
 * A work queue with its dead-letter queue and alarms. Both queues use SQS-managed SSE (S3 event notifications cannot
 * publish to a queue encrypted with the AWS-managed KMS key, and a customer key would add a key policy for S3 and
 * kms:Decrypt for every consumer for no gain) and refuse non-TLS requests.
 */
export class WorkQueue extends Construct {
  /** AWS: visibility timeout ≥ 6 × the function timeout (+ batching window), so retries of a slow batch don't overlap. */
  static readonly VISIBILITY_FACTOR = VISIBILITY_FACTOR;

  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly dlqDepthAlarm: Alarm;
  readonly ageAlarm: Alarm;
  /** Deliveries before a message moves to the dead-letter queue; the consumer marks the file failed on the last one. */
  readonly maxReceiveCount: number;
  private readonly consumerTimeout: Duration;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.consumerTimeout = props.consumerTimeout;
    const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 3 || maxReceiveCount > 5) {
      throw new Error(`${id}: maxReceiveCount must be 3..5, got ${maxReceiveCount}`);
    }
    this.maxReceiveCount = maxReceiveCount;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Standard queues keep the original enqueue time when a message is dead-lettered, so the DLQ must retain
      // longer than the source queue; 14 days is the maximum and gives a fortnight to inspect and redrive.
      retentionPeriod: Duration.days(14),
    });
    // The DLQ is the end of the line; giving it its own DLQ would only move the problem.
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is the dead-letter queue of the ${props.purpose} queue; it is watched by a depth alarm instead.`,
    });

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * WorkQueue.VISIBILITY_FACTOR),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    this.dlqDepthAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Fazhi ${props.purpose}: messages in the dead-letter queue (failed ${maxReceiveCount} times). Inspect, fix, redrive.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const maxAge = props.maxMessageAge ?? Duration.minutes(15);
    this.ageAlarm = new Alarm(this, 'MessageAgeAlarm', {
      alarmDescription: `Fazhi ${props.purpose}: oldest message waited more than ${maxAge.toMinutes()} min; the consumer is stuck or throttled.`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: maxAge.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    for (const alarm of [this.dlqDepthAlarm, this.ageAlarm]) {
      alarm.addAlarmAction(props.alarmAction);
      alarm.addOkAction(props.alarmAction);
    }
  }

  /**
   * Attaches the consumer with partial batch responses (only failed message IDs return to the queue). Refuses a
   * function whose timeout no longer fits the visibility timeout computed from `consumerTimeout`.
   */
  addConsumer(consumer: PipelineFunction, options: ConsumerOptions): void {
    const timeout = consumer.function.timeout ?? Duration.seconds(3);
    if (timeout.toSeconds() > this.consumerTimeout.toSeconds()) {
      throw new Error(
        `${this.node.id}: consumer timeout ${timeout.toSeconds()} s exceeds the ${this.consumerTimeout.toSeconds()} s the visibility timeout was sized for`,
      );
    }
    consumer.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: options.batchSize,
        maxConcurrency: options.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}
