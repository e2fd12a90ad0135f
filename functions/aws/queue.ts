import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * Sending to an SQS queue in batches of ten (the API's limit), retrying the entries SQS reports as failed on its side
 * (throttling, internal errors) with a short backoff; entries failed by our fault (too large, invalid) are returned.
 */

export const SQS_BATCH_LIMIT = 10;

export interface SendOutcome {
  sent: number;
  failed: { index: number; reason: string }[];
}

export interface QueueSender {
  sendAll(queueUrl: string, bodies: readonly string[]): Promise<SendOutcome>;
}

export class SqsQueueSender implements QueueSender {
  constructor(
    readonly client: SQSClient,
    readonly options: { maxAttempts?: number; sleep?: (ms: number) => Promise<void> } = {},
  ) {}

  async sendAll(queueUrl: string, bodies: readonly string[]): Promise<SendOutcome> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const outcome: SendOutcome = { sent: 0, failed: [] };
    for (let start = 0; start < bodies.length; start += SQS_BATCH_LIMIT) {
      let pending = bodies.slice(start, start + SQS_BATCH_LIMIT).map((body, i) => ({ index: start + i, body }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const response = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending.map((p) => ({ Id: String(p.index), MessageBody: p.body })) }),
        );
        outcome.sent += response.Successful?.length ?? 0;
        const retry: typeof pending = [];
        for (const failure of response.Failed ?? []) {
          const entry = pending.find((p) => String(p.index) === failure.Id);
          if (!entry) continue;
          const reason = `${failure.Code ?? 'error'}: ${failure.Message ?? ''}`.trim();
          if (failure.SenderFault || attempt >= maxAttempts) outcome.failed.push({ index: entry.index, reason });
          else retry.push(entry);
        }
        pending = retry;
        if (pending.length > 0) await sleep(Math.min(2000, 100 * 2 ** (attempt - 1)));
      }
    }
    return outcome;
  }
}
