import { describe, expect, it } from 'vitest';
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SqsQueueSender } from '../../functions/aws/queue.ts';
import { attachmentDisposition, rfc5987, workbookFileName } from '../../functions/export/export.ts';

/** An SQS client that fails some entries the first time (as SQS does under throttling). */
function flakyClient(plan: (id: string, attempt: number) => 'ok' | 'retry' | 'sender') {
  const attempts = new Map<string, number>();
  const calls: number[] = [];
  const client = {
    send: async (command: SendMessageBatchCommand) => {
      const entries = command.input.Entries ?? [];
      calls.push(entries.length);
      const Successful: { Id: string }[] = [];
      const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
      for (const entry of entries) {
        const attempt = (attempts.get(entry.Id!) ?? 0) + 1;
        attempts.set(entry.Id!, attempt);
        const outcome = plan(entry.Id!, attempt);
        if (outcome === 'ok') Successful.push({ Id: entry.Id! });
        else
          Failed.push({
            Id: entry.Id!,
            SenderFault: outcome === 'sender',
            Code: outcome === 'sender' ? 'InvalidMessageContents' : 'ServiceUnavailable',
            Message: 'm',
          });
      }
      return { Successful, Failed };
    },
  };
  return { client: client as unknown as SQSClient, calls };
}

describe('SqsQueueSender', () => {
  it('sends in batches of ten and retries entries that failed on the service side', async () => {
    const { client, calls } = flakyClient((id, attempt) => (Number(id) % 7 === 0 && attempt === 1 ? 'retry' : 'ok'));
    const sender = new SqsQueueSender(client, { sleep: async () => {} });
    const outcome = await sender.sendAll(
      'https://sqs.example/q',
      Array.from({ length: 23 }, (_, i) => `m${i}`),
    );
    expect(outcome).toEqual({ sent: 23, failed: [] });
    expect(calls.slice(0, 1)).toEqual([10]);
    expect(calls.every((n) => n <= 10)).toBe(true);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(23 + 4); // 0, 7, 14, 21 went twice
  });

  it('reports entries refused as the sender’s fault, and gives up on the others after maxAttempts', async () => {
    const { client } = flakyClient((id) => (id === '1' ? 'sender' : id === '2' ? 'retry' : 'ok'));
    const outcome = await new SqsQueueSender(client, { sleep: async () => {}, maxAttempts: 3 }).sendAll('q', ['a', 'b', 'c']);
    expect(outcome.sent).toBe(1);
    expect(outcome.failed.map((f) => f.index).sort()).toEqual([1, 2]);
    expect(outcome.failed.find((f) => f.index === 1)?.reason).toMatch(/InvalidMessageContents/);
  });
});

describe('download file names', () => {
  it('encodes the Chinese name per RFC 5987 with an ASCII fallback', () => {
    const disposition = attachmentDisposition('ranking-2024.xlsx', workbookFileName(2024, '临澜县', '2024.1.0'));
    expect(disposition).toBe(
      `attachment; filename="ranking-2024.xlsx"; filename*=UTF-8''%E4%B8%B4%E6%BE%9C%E5%8E%BF2024%E5%B9%B4%E5%BA%A6%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C%E5%BB%BA%E8%AE%BE%E6%8A%A5%E5%91%8A%E8%AF%84%E5%88%86%E6%8E%92%E5%90%8D%EF%BC%882024.1.0%EF%BC%89.xlsx`,
    );
    expect(disposition).toMatch(/^[\x20-\x7e]+$/);
  });

  it('escapes the characters encodeURIComponent leaves but RFC 5987 forbids, and quotes in the fallback', () => {
    expect(rfc5987("a'b(c)*")).toBe('a%27b%28c%29%2A');
    expect(attachmentDisposition('a"b\\.xlsx', 'x')).toContain('filename="a_b_.xlsx"');
  });
});
