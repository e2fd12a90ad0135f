import { createHash, randomUUID } from 'node:crypto';
import type { SqsBatchResponse } from '../../schemas/events.ts';
import type { DeadLetter, SendOutcome, StageQueue } from '../../functions/aws/queue.ts';
import type { QueueJournal } from './journal.ts';

/**
 * An in-process SQS queue driving a Lambda handler the way an event source mapping does: batches of up to
 * `batchSize`, a visibility timeout, receive counts (ApproximateReceiveCount), partial batch responses (only the
 * listed messages return), and a dead-letter list once a message has been received `maxReceiveCount` times. With a
 * journal, every send, completion and dead letter is on disk first, and the queue starts with what it held when its
 * process stopped (see journal.ts).
 */

export interface QueuedMessage {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  visibleAt: number;
  inFlight: boolean;
  /** Why the last delivery failed (for the dead-letter list). */
  lastError?: string;
}

export type BatchHandler = (event: unknown) => Promise<SqsBatchResponse | void>;

export interface LocalQueueOptions {
  name: string;
  handler: BatchHandler;
  batchSize: number;
  maxReceiveCount: number;
  visibilityTimeoutMs: number;
  /** Batches handled at the same time (the event source mapping's maxConcurrency). */
  concurrency?: number;
  region?: string;
  /** Called when a whole invocation throws (the handler's own logs say more). */
  onInvocationError?: (error: unknown) => void;
  /** Keeps the messages on disk across restarts. */
  journal?: QueueJournal;
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

export class LocalQueue {
  readonly deadLetters: QueuedMessage[] = [];
  private readonly messages: QueuedMessage[] = [];
  private running = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private paused = false;
  private waiters: (() => void)[] = [];
  /** Messages handled successfully (deleted), for progress displays and tests. */
  deleted = 0;
  /** Deliveries that ended, handled or not: the queue's sign of life for progress and stall detection. */
  delivered = 0;

  /** Messages this queue started with, from its journal (work a previous process left unfinished). */
  readonly restored: number;
  /** Their bodies, as they were when the queue started. */
  readonly restoredBodies: readonly string[];

  constructor(readonly options: LocalQueueOptions) {
    const state = options.journal?.restored;
    for (const m of state?.pending ?? [])
      this.messages.push({ messageId: m.id, body: m.body, sentAt: m.sentAt, receiveCount: 0, visibleAt: 0, inFlight: false });
    for (const m of state?.dead ?? [])
      this.deadLetters.push({
        messageId: m.id,
        body: m.body,
        sentAt: m.sentAt,
        receiveCount: m.receiveCount,
        visibleAt: 0,
        inFlight: false,
        ...(m.lastError ? { lastError: m.lastError } : {}),
      });
    this.restored = this.messages.length;
    this.restoredBodies = this.messages.map((m) => m.body);
    if (this.messages.length > 0) this.schedule();
  }

  /** The bodies of the messages waiting or in flight (what `fazhi local` names when it stops). */
  get pendingBodies(): string[] {
    return this.messages.map((m) => m.body);
  }

  get arn(): string {
    return `arn:aws:sqs:${this.options.region ?? 'us-east-1'}:000000000000:${this.options.name}`;
  }

  /** Messages waiting or in flight (not the dead letters). */
  get depth(): number {
    return this.messages.length;
  }

  /** Still accepting messages (close() not called). */
  get open(): boolean {
    return !this.closed;
  }

  get idle(): boolean {
    return this.messages.length === 0 && this.running === 0;
  }

  send(body: string): string {
    if (this.closed) throw new Error(`queue ${this.options.name} is closed`);
    const messageId = randomUUID();
    const now = Date.now();
    this.options.journal?.append({ op: 'send', id: messageId, body, sentAt: now });
    this.messages.push({ messageId, body, sentAt: now, receiveCount: 0, visibleAt: now, inFlight: false });
    this.schedule();
    return messageId;
  }

  /** Resolves when nothing is waiting or in flight. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops delivering (messages are still accepted); `resume()` starts again. Tests use it to lose a message on purpose. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  /** Deletes every message not in flight, as SQS PurgeQueue does; returns how many. */
  purge(): number {
    const waiting = this.messages.filter((m) => !m.inFlight);
    for (const message of waiting) {
      this.options.journal?.append({ op: 'done', id: message.messageId });
      this.messages.splice(this.messages.indexOf(message), 1);
    }
    return waiting.length;
  }

  /** Removes a dead letter (the reconciler re-drove it, or its work is done); false if it is not there. */
  dropDeadLetter(messageId: string): boolean {
    const index = this.deadLetters.findIndex((m) => m.messageId === messageId);
    if (index < 0) return false;
    this.options.journal?.append({ op: 'drop', id: messageId });
    this.deadLetters.splice(index, 1);
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves once no delivery is running (after close() nothing new starts), or after `timeoutMs`. */
  async settled(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed || this.paused) return;
    const concurrency = this.options.concurrency ?? 1;
    while (this.running < concurrency) {
      const now = Date.now();
      const batch = this.visibleBatch(now);
      if (batch.length === 0) break;
      for (const message of batch) {
        message.inFlight = true;
        message.receiveCount++;
        message.firstReceivedAt ??= now;
        message.visibleAt = now + this.options.visibilityTimeoutMs;
      }
      this.running++;
      void this.deliver(batch).finally(() => {
        this.running--;
        this.schedule();
      });
    }
    this.armTimer();
    if (this.idle) for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Up to batchSize messages not in flight and visible at `now`, oldest first (stops looking once it has them). */
  private visibleBatch(now: number): QueuedMessage[] {
    const batch: QueuedMessage[] = [];
    for (const message of this.messages) {
      if (!message.inFlight && message.visibleAt <= now) batch.push(message);
      if (batch.length === this.options.batchSize) break;
    }
    return batch;
  }

  /**
   * Wakes up when the next invisible message becomes visible again. A visible message still waiting needs no timer:
   * it waits for a running delivery, whose end pumps again.
   */
  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let next = Infinity;
    for (const message of this.messages) if (!message.inFlight && message.visibleAt < next) next = message.visibleAt;
    if (next === Infinity) return;
    const now = Date.now();
    if (next <= now && this.running > 0) return;
    this.timer = setTimeout(() => this.schedule(), Math.max(0, next - now));
  }

  private event(batch: readonly QueuedMessage[]): unknown {
    return {
      Records: batch.map((m) => ({
        messageId: m.messageId,
        receiptHandle: `${m.messageId}#${m.receiveCount}`,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: 'LOCAL',
          ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
        },
        messageAttributes: {},
        md5OfBody: md5(m.body),
        eventSource: 'aws:sqs',
        eventSourceARN: this.arn,
        awsRegion: this.options.region ?? 'us-east-1',
      })),
    };
  }

  private async deliver(batch: QueuedMessage[]): Promise<void> {
    let failed: Set<string>;
    let reason = 'listed in batchItemFailures';
    try {
      const response = await this.options.handler(this.event(batch));
      const ids = new Set(batch.map((m) => m.messageId));
      const listed = response?.batchItemFailures ?? [];
      // Lambda treats a response naming a message that was not in the batch as a failure of the whole batch.
      failed = listed.every((f) => ids.has(f.itemIdentifier)) ? new Set(listed.map((f) => f.itemIdentifier)) : ids;
    } catch (error) {
      failed = new Set(batch.map((m) => m.messageId));
      reason = `invocation failed: ${(error as Error).message}`;
      this.options.onInvocationError?.(error);
    }
    for (const message of batch) {
      message.inFlight = false;
      const index = this.messages.indexOf(message);
      if (!failed.has(message.messageId)) {
        this.options.journal?.append({ op: 'done', id: message.messageId });
        this.messages.splice(index, 1);
        this.deleted++;
      } else if (message.receiveCount >= this.options.maxReceiveCount) {
        // SQS moves it on the next receive; doing it now lets a local run finish instead of waiting a timeout.
        this.options.journal?.append({ op: 'dead', id: message.messageId, receiveCount: message.receiveCount, lastError: reason });
        this.messages.splice(index, 1);
        this.deadLetters.push({ ...message, lastError: reason });
      } else {
        message.lastError = reason;
      }
    }
    this.delivered++;
  }
}

/** A local queue as the reconciler sees a stage: unlike SQS it can say exactly which messages are queued. */
export class LocalStageQueue implements StageQueue {
  constructor(readonly queue: LocalQueue) {}

  async send(bodies: readonly string[]): Promise<SendOutcome> {
    for (const body of bodies) this.queue.send(body);
    return { sent: bodies.length, failed: [] };
  }

  async pending(): Promise<{ depth: number; bodies: readonly string[] }> {
    const bodies = this.queue.pendingBodies;
    return { depth: bodies.length, bodies };
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return this.queue.deadLetters.map((m) => ({ id: m.messageId, body: m.body, handle: m.messageId }));
  }

  async deleteDeadLetter(letter: DeadLetter): Promise<void> {
    this.queue.dropDeadLetter(letter.handle);
  }
}
