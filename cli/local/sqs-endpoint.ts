import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalQueue } from './queue.ts';

/**
 * Just enough of the SQS API (JSON protocol) for the CLI's pipeline commands: SendMessage, SendMessageBatch,
 * GetQueueUrl and GetQueueAttributes on the in-process queues, and ReceiveMessage/DeleteMessage on their dead-letter
 * lists (`<queue>-dlq`). It lets `fazhi rescore` and `fazhi reconcile` (the code the Lambdas run, with the real SQS
 * client) reach a local stack kept running with `fazhi local --keep`. Receiving from a work queue stays in-process:
 * the queues drive the handlers.
 */

export const LOCAL_ACCOUNT = '000000000000';

export interface SqsEndpoint {
  endpoint: string;
  queueUrl(name: string): string;
  close(): Promise<void>;
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

class SqsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly queryCode: string,
  ) {
    super(message);
  }
}

/**
 * A message body as SQS takes it: a string of at least one character. SQS refuses a request without one (MissingParameter)
 * rather than queue an empty or stringified message, and so does this endpoint.
 */
function messageBody(value: unknown, parameter: string): string {
  if (value === undefined || value === null || value === '')
    throw new SqsFault('com.amazonaws.sqs#MissingParameter', `The request must contain the parameter ${parameter}.`, 'MissingParameter');
  if (typeof value !== 'string') throw new SqsFault('com.amazonaws.sqs#InvalidParameterValue', `${parameter} must be a string.`, 'InvalidParameterValue');
  return value;
}

/** The most entries SQS takes in one batch request. */
const MAX_BATCH_ENTRIES = 10;

/** A batch as SQS takes it, or the fault SQS answers: at least one entry, at most ten, each Id once. */
function checkBatchEntries(entries: readonly { Id: string }[]): void {
  if (entries.length === 0)
    throw new SqsFault(
      'com.amazonaws.sqs#EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
      'AWS.SimpleQueueService.EmptyBatchRequest',
    );
  if (entries.length > MAX_BATCH_ENTRIES)
    throw new SqsFault(
      'com.amazonaws.sqs#TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    );
  const ids = new Set<string>();
  for (const { Id } of entries) {
    if (ids.has(Id)) throw new SqsFault('com.amazonaws.sqs#BatchEntryIdsNotDistinct', `Id ${Id} repeated.`, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
    ids.add(Id);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startSqsEndpoint(queues: Record<string, LocalQueue>): Promise<SqsEndpoint> {
  let base = '';
  const DLQ = '-dlq';
  const missing = (url: unknown): SqsFault =>
    new SqsFault('com.amazonaws.sqs#QueueDoesNotExist', `The specified queue does not exist: ${String(url)}`, 'AWS.SimpleQueueService.NonExistentQueue');
  const nameOf = (url: unknown): string => (typeof url === 'string' ? (url.split('/').pop() ?? '') : '');
  const queueOf = (url: unknown): LocalQueue => {
    const queue = queues[nameOf(url)];
    if (!queue) throw missing(url);
    return queue;
  };
  /** The queue whose dead letters `<name>-dlq` holds. */
  const deadLettersOf = (url: unknown): LocalQueue => {
    const name = nameOf(url);
    const queue = name.endsWith(DLQ) ? queues[name.slice(0, -DLQ.length)] : undefined;
    if (!queue) throw missing(url);
    return queue;
  };
  /** Dead letters handed out by ReceiveMessage stay hidden until this time (ms), as a visibility timeout would. */
  const hiddenUntil = new Map<string, number>();
  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    SendMessage: (input) => {
      const body = messageBody(input.MessageBody, 'MessageBody');
      return { MessageId: queueOf(input.QueueUrl).send(body), MD5OfMessageBody: md5(body) };
    },
    SendMessageBatch: (input) => {
      const queue = queueOf(input.QueueUrl);
      const entries = Array.isArray(input.Entries) ? (input.Entries as { Id: string; MessageBody: unknown }[]) : [];
      checkBatchEntries(entries);
      // Every body is checked before any is queued: a refused request queues nothing.
      const bodies = entries.map((e, i) => ({ Id: e.Id, body: messageBody(e.MessageBody, `SendMessageBatchRequestEntry.${i + 1}.MessageBody`) }));
      return { Successful: bodies.map((e) => ({ Id: e.Id, MessageId: queue.send(e.body), MD5OfMessageBody: md5(e.body) })), Failed: [] };
    },
    GetQueueUrl: (input) => {
      if (String(input.QueueName).endsWith(DLQ)) deadLettersOf(input.QueueName);
      else queueOf(input.QueueName);
      return { QueueUrl: `${base}/${LOCAL_ACCOUNT}/${String(input.QueueName)}` };
    },
    GetQueueAttributes: (input) => {
      const name = nameOf(input.QueueUrl);
      const depth = name.endsWith(DLQ) ? deadLettersOf(input.QueueUrl).deadLetters.length : queueOf(input.QueueUrl).depth;
      return {
        Attributes: { ApproximateNumberOfMessages: String(depth), ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '0' },
      };
    },
    ReceiveMessage: (input) => {
      const queue = deadLettersOf(input.QueueUrl);
      const now = Date.now();
      const max = Math.min(10, Number(input.MaxNumberOfMessages ?? 1));
      const visibilityMs = Number(input.VisibilityTimeout ?? 30) * 1000;
      const batch = queue.deadLetters.filter((m) => (hiddenUntil.get(m.messageId) ?? 0) <= now).slice(0, max);
      for (const m of batch) hiddenUntil.set(m.messageId, now + visibilityMs);
      return { Messages: batch.map((m) => ({ MessageId: m.messageId, ReceiptHandle: m.messageId, Body: m.body, MD5OfBody: md5(m.body) })) };
    },
    DeleteMessage: (input) => {
      const queue = deadLettersOf(input.QueueUrl);
      queue.dropDeadLetter(String(input.ReceiptHandle));
      hiddenUntil.delete(String(input.ReceiptHandle));
      return {};
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
      response.end(JSON.stringify(body));
    };
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = operations[target.replace(/^AmazonSQS\./, '')];
      const text = await readBody(request);
      if (request.method !== 'POST' || !operation)
        throw new SqsFault(
          'com.amazonaws.sqs#UnsupportedOperation',
          `The local queue endpoint does not support ${target || request.method}`,
          'AWS.SimpleQueueService.UnsupportedOperation',
        );
      reply(200, operation(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
    } catch (error) {
      const fault =
        error instanceof SqsFault ? error : new SqsFault('com.amazonaws.sqs#InvalidParameterValue', (error as Error).message, 'InvalidParameterValue');
      reply(400, { __type: fault.type, message: fault.message }, { 'x-amzn-query-error': `${fault.queryCode};Sender` });
    }
  };

  const server: Server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint: base,
    queueUrl: (name) => `${base}/${LOCAL_ACCOUNT}/${name}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
