import { parseQueueMessage, SqsEvent, type S3EventRecord, type SqsBatchResponse, type SqsRecord } from '../../schemas/events.ts';
import { parseAt } from './boundary.ts';
import type { Logger } from './log.ts';

/**
 * SQS batches with partial failures: each record is handled on its own; a record that throws is reported in
 * `batchItemFailures` (only it returns to the queue, and after maxReceiveCount deliveries it goes to the DLQ), the
 * others are acknowledged. A bad file does not throw (it is recorded as failed), so it never holds up a batch.
 */

export interface RecordContext {
  messageId: string;
  /** The delivery attempt of this message (1 on first delivery). */
  receiveCount: number;
  /** True when this delivery is the last before the queue moves the message to its DLQ. */
  finalAttempt: boolean;
  log: Logger;
}

export async function processBatch(
  event: unknown,
  options: { log: Logger; maxReceiveCount: number; handle: (record: SqsRecord, context: RecordContext) => Promise<void> },
): Promise<SqsBatchResponse> {
  const batch = parseAt(SqsEvent, event, 'SQS event');
  const batchItemFailures: SqsBatchResponse['batchItemFailures'] = [];
  for (const record of batch.Records) {
    const receiveCount = record.attributes.ApproximateReceiveCount;
    const log = options.log.child({ messageId: record.messageId, receiveCount });
    const finalAttempt = receiveCount >= options.maxReceiveCount;
    try {
      await options.handle(record, { messageId: record.messageId, receiveCount, finalAttempt, log });
    } catch (error) {
      log.error(finalAttempt ? 'record failed on its last delivery; it goes to the dead-letter queue' : 'record failed; it will be retried', { error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

/**
 * The batch driver of a stage fed by S3 notifications only (ingest, review): s3:TestEvent acknowledged, every S3
 * record of a message handed to the stage's named record handler in order.
 */
export function s3NotificationBatch(
  event: unknown,
  options: { log: Logger; maxReceiveCount: number; handleRecord: (record: S3EventRecord, context: RecordContext) => Promise<void> },
): Promise<SqsBatchResponse> {
  return processBatch(event, {
    log: options.log,
    maxReceiveCount: options.maxReceiveCount,
    handle: async (record, context) => {
      const message = parseQueueMessage(record.body, { scoreCommands: false });
      if (message.kind === 'test') {
        context.log.info('s3:TestEvent acknowledged', { bucket: message.event.Bucket });
        return;
      }
      if (message.kind !== 's3') throw new Error('unreachable: score commands are not accepted here');
      for (const s3 of message.notification.Records) await options.handleRecord(s3, context);
    },
  });
}
