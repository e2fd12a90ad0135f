import { describe, expect, it } from 'vitest';
import { processBatch } from '../../functions/shared/batch.ts';
import { createLogger } from '../../functions/shared/log.ts';

const record = (messageId: string, body: string, receiveCount: number) => ({ messageId, body, attributes: { ApproximateReceiveCount: String(receiveCount) } });

describe('processBatch', () => {
  it('reports only the records that threw, and tells the handler which delivery is the last', async () => {
    const logs: string[] = [];
    const seen: [string, number, boolean][] = [];
    const response = await processBatch(
      { Records: [record('a', 'ok', 1), record('b', 'boom', 2), record('c', 'ok', 4)] },
      {
        log: createLogger({ service: 't', sink: (l) => logs.push(l) }),
        maxReceiveCount: 4,
        handle: async (r, context) => {
          seen.push([r.messageId, context.receiveCount, context.finalAttempt]);
          if (r.body === 'boom') throw new Error('unexpected');
        },
      },
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }] });
    expect(seen).toEqual([
      ['a', 1, false],
      ['b', 2, false],
      ['c', 4, true],
    ]);
    const error = JSON.parse(logs.find((l) => l.includes('"ERROR"'))!) as { messageId: string; error: { message: string } };
    expect(error).toMatchObject({ messageId: 'b', error: { message: 'unexpected' } });
  });

  it('refuses an event that is not an SQS batch, naming the path', async () => {
    await expect(
      processBatch({ Records: [{ body: 'x' }] }, { log: createLogger({ service: 't', sink: () => {} }), maxReceiveCount: 3, handle: async () => {} }),
    ).rejects.toThrow(/SQS event is not valid: Records\[0\]\.messageId/);
  });
});

describe('createLogger', () => {
  it('writes one JSON line per call above the level, with bound fields and errors spelled out', () => {
    const lines: string[] = [];
    const log = createLogger({ service: 'fazhi-test', level: 'INFO', sink: (l) => lines.push(l), clock: () => new Date('2025-01-01T00:00:00Z') }).child({
      key: 'reports/2024/县/a.txt',
    });
    log.debug('hidden');
    log.warn('visible', { error: new RangeError('bad'), skipped: undefined });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      time: '2025-01-01T00:00:00.000Z',
      level: 'WARN',
      service: 'fazhi-test',
      message: 'visible',
      key: 'reports/2024/县/a.txt',
      error: { name: 'RangeError', message: 'bad' },
    });
    expect(lines[0]).not.toContain('skipped');
  });
});
