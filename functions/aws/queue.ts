import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

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

/** A message in a dead-letter queue: its body as sent, and the handle that deletes it. */
export interface DeadLetter {
  id: string;
  body: string;
  handle: string;
}

/**
 * One stage's queue pair as the reconciler sees it: send work, tell whether work is still queued, read and delete
 * dead letters. SQS cannot say which messages are queued (`bodies` stays unknown); the local queue can.
 */
export interface StageQueue {
  send(bodies: readonly string[]): Promise<SendOutcome>;
  pending(): Promise<{ depth: number; bodies?: readonly string[] }>;
  deadLetters(): Promise<DeadLetter[]>;
  deleteDeadLetter(letter: DeadLetter): Promise<void>;
}

/** Most dead letters read in one reconcile run (the rest are read by the next run). */
export const MAX_DEAD_LETTERS_PER_RUN = 500;
/**
 * Dead letters read are hidden from other readers this long (s); enough for one reconcile run to decide and act.
 * They reappear afterwards unless deleted (the re-driven and the superseded ones are).
 */
export const DEAD_LETTER_VISIBILITY_SECONDS = 300;

export class SqsStageQueue implements StageQueue {
  constructor(
    readonly client: SQSClient,
    readonly queueUrl: string,
    readonly deadLetterQueueUrl: string,
    readonly sender: QueueSender = new SqsQueueSender(client),
  ) {}

  send(bodies: readonly string[]): Promise<SendOutcome> {
    return this.sender.sendAll(this.queueUrl, bodies);
  }

  async pending(): Promise<{ depth: number }> {
    const response = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const attributes: Record<string, string | undefined> = response.Attributes ?? {};
    const depth = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'].reduce(
      (sum, name) => sum + Number(attributes[name] ?? 0),
      0,
    );
    return { depth };
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const letters = new Map<string, DeadLetter>();
    // Short polls sample a subset of servers: stop after two empty answers in a row, or at the cap.
    for (let empty = 0; empty < 2 && letters.size < MAX_DEAD_LETTERS_PER_RUN;) {
      const response = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: DEAD_LETTER_VISIBILITY_SECONDS,
          WaitTimeSeconds: 1,
        }),
      );
      const messages = response.Messages ?? [];
      empty = messages.length === 0 ? empty + 1 : 0;
      for (const m of messages) {
        if (m.MessageId && m.ReceiptHandle && m.Body !== undefined) letters.set(m.MessageId, { id: m.MessageId, body: m.Body, handle: m.ReceiptHandle });
      }
    }
    return [...letters.values()];
  }

  async deleteDeadLetter(letter: DeadLetter): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: this.deadLetterQueueUrl, ReceiptHandle: letter.handle }));
  }
}
