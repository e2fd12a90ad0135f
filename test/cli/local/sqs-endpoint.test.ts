// The local SQS endpoint takes message bodies as SQS does: a string of at least one character, or the request is refused
// and nothing is queued (it used to queue '' for a missing body and '[object Object]' for an object).
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSqsClient } from '../../../functions/aws/clients.ts';
import { LocalQueue } from '../../../cli/local/queue.ts';
import { startSqsEndpoint, type SqsEndpoint } from '../../../cli/local/sqs-endpoint.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const NAME = 'endpoint-test-score';

interface Reply {
  status: number;
  type: string | undefined;
  queryError: string | null;
}

describe('the local SQS endpoint', () => {
  let queue: LocalQueue;
  let endpoint: SqsEndpoint;
  let client: SQSClient;

  beforeEach(async () => {
    // Paused: the messages stay queued where the test can read them; the handler never runs.
    queue = new LocalQueue({ name: NAME, handler: () => Promise.resolve(), batchSize: 10, maxReceiveCount: 3, visibilityTimeoutMs: 5 });
    queue.pause();
    endpoint = await startSqsEndpoint({ [NAME]: queue });
    client = makeSqsClient({ sqsEndpoint: endpoint.endpoint });
  });

  afterEach(async () => {
    client.destroy();
    queue.close();
    await endpoint.close();
  });

  /** A request as a client that is not the typed SDK may send it (a script, another language's SDK). */
  async function call(operation: string, input: Record<string, unknown>): Promise<Reply> {
    const response = await fetch(endpoint.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${operation}` },
      body: JSON.stringify({ QueueUrl: endpoint.queueUrl(NAME), ...input }),
    });
    const body = (await response.json()) as { __type?: string };
    return { status: response.status, type: body.__type, queryError: response.headers.get('x-amzn-query-error') };
  }

  it('queues the body the SDK sends and answers with its MD5, which the SDK checks', async () => {
    // Prepare
    const body = JSON.stringify({ normalizedKey: 'normalized/2024/临澜县/甲镇.json' });
    // Act
    const sent = await client.send(new SendMessageCommand({ QueueUrl: endpoint.queueUrl(NAME), MessageBody: body }));
    // Assess
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/u);
    expect(queue.pendingBodies).toEqual([body]);
  });

  it('refuses an empty body from the SDK with MissingParameter, as SQS does, and queues nothing', async () => {
    // Act
    const sending = client.send(new SendMessageCommand({ QueueUrl: endpoint.queueUrl(NAME), MessageBody: '' }));
    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'MissingParameter', message: 'The request must contain the parameter MessageBody.' });
    expect(queue.pendingBodies).toEqual([]);
  });

  it('refuses a SendMessage without a body, or with a body that is not a string, and queues nothing', async () => {
    // Act
    const missing = await call('SendMessage', {});
    const object = await call('SendMessage', { MessageBody: { normalizedKey: 'x' } });
    // Assess
    expect(missing).toEqual({ status: 400, type: 'com.amazonaws.sqs#MissingParameter', queryError: 'MissingParameter;Sender' });
    expect(object).toEqual({ status: 400, type: 'com.amazonaws.sqs#InvalidParameterValue', queryError: 'InvalidParameterValue;Sender' });
    expect(queue.pendingBodies).toEqual([]);
  });

  it('refuses a whole batch when one entry has no body: the good entries before it are not queued either', async () => {
    // Act
    const reply = await call('SendMessageBatch', { Entries: [{ Id: '0', MessageBody: '{"a":1}' }, { Id: '1' }] });
    // Assess
    expect(reply).toEqual({ status: 400, type: 'com.amazonaws.sqs#MissingParameter', queryError: 'MissingParameter;Sender' });
    expect(queue.pendingBodies).toEqual([]);
  });

  it('refuses an empty batch, one of more than 10 entries and one repeating an Id with the faults SQS gives, queuing nothing', async () => {
    // Prepare
    const entry = (id: string) => ({ Id: id, MessageBody: `{"n":"${id}"}` });
    // Act
    const empty = await call('SendMessageBatch', { Entries: [] });
    const eleven = await call('SendMessageBatch', { Entries: Array.from({ length: 11 }, (_, i) => entry(String(i))) });
    const repeated = await call('SendMessageBatch', { Entries: [entry('a'), entry('b'), entry('a')] });
    // Assess
    expect(empty).toEqual({ status: 400, type: 'com.amazonaws.sqs#EmptyBatchRequest', queryError: 'AWS.SimpleQueueService.EmptyBatchRequest;Sender' });
    expect(eleven).toEqual({
      status: 400,
      type: 'com.amazonaws.sqs#TooManyEntriesInBatchRequest',
      queryError: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest;Sender',
    });
    expect(repeated).toEqual({
      status: 400,
      type: 'com.amazonaws.sqs#BatchEntryIdsNotDistinct',
      queryError: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct;Sender',
    });
    expect(queue.pendingBodies).toEqual([]);
  });
});
