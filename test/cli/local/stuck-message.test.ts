// What `fazhi local` says about uploads that did not finish: why it stopped waiting (a stall, or nothing left queued).
import { describe, expect, it } from 'vitest';
import { stuckMessage } from '../../../cli/commands/local.ts';
import type { WaitOutcome } from '../../../cli/local/wait.ts';

const outcome = (ended: WaitOutcome['ended']): WaitOutcome => ({
  total: 3,
  scored: 1,
  failed: 0,
  statuses: new Map(),
  stuck: [
    { key: 'reports/2024/临澜县/甲镇.docx', status: 'parsed' },
    { key: 'reports/2024/临澜县/乙镇.pdf', status: '未收到上传事件' },
  ],
  ended,
});

describe('the stuck message of fazhi local', () => {
  it('says a run made no progress for the stall interval, and names each file with the status it stopped at', () => {
    // Act
    const message = stuckMessage(outcome('stalled'), 0, 'out/fazhi-local.log');
    // Assess
    expect(message).toMatch(/^2 个文件没有处理完：10 分钟内没有任何进展/u);
    expect(message).toContain('  ✗ reports/2024/临澜县/甲镇.docx（停在：parsed）');
    expect(message).toContain('  ✗ reports/2024/临澜县/乙镇.pdf（停在：未收到上传事件）');
    expect(message).toContain('out/fazhi-local.log');
    expect(message).not.toContain('死信');
  });

  it('says the queues had nothing left when a run stopped with files unfinished, and counts the dead letters', () => {
    // Act
    const message = stuckMessage(outcome('idle'), 2, 'out/fazhi-local.log');
    // Assess
    expect(message).toContain('队列中已没有待处理的工作');
    expect(message).not.toContain('没有任何进展');
    expect(message).toContain('死信队列中有 2 条消息');
  });
});
