import type { ReconcileAction, ReconcileReport } from '../../schemas/events.ts';
import { staleAfterSeconds } from '../../functions/shared/budgets.ts';
import { silentLogger } from '../../functions/shared/log.ts';
import { runReconcile } from '../../functions/reconcile/reconcile.ts';
import { ReviewRecords } from '../../functions/shared/review-records.ts';
import { makeUnitStatusWriter } from '../../functions/shared/unit-status.ts';
import { againstTarget, connect, QUEUE_HELP, QUEUE_OPTIONS, resolveTarget, stageQueues, TARGET_HELP, TARGET_OPTIONS } from '../pipeline-target.ts';
import { EXIT, intOption, parse, type Io } from '../usage.ts';

export const RECONCILE_HELP = `用法：fazhi reconcile [--dry-run] [--stale-after MINUTES] [--json] [连接选项] [队列选项]

核对流水线，让每个上传的文件最终都是“已评分”或“失败（附原因）”。比较三处：数据桶 reports/ 下的文件、
DynamoDB 中的处理状态、三个死信队列（解析、评分、复核）。丢失的工作（没有状态的文件、长时间停在“已接收/
已解析”的文件、死信队列中的消息）重新送去处理，每个文件最多 2 次；仍然无法完成的标为失败并写明原因。
复核工作簿的死信：已有复核记录的清除；没有记录的重新送去复核，最多 2 次，仍未完成的记为“没有被应用”并
写明原因（评审人员可重新上传同一工作簿）。运行的是与定时核对 Lambda 相同的代码；部署后它每 30 分钟自动
运行一次。

选项：
  --dry-run               只报告会做什么，不做任何改动
  --stale-after MINUTES   多久没有进展的工作视为丢失（默认 ${Math.round(staleAfterSeconds() / 60)} 分钟：比队列的全部重试周期还长）；
                          确认流水线已停止时可用 0
  --json                  输出 JSON 报告
  -h, --help              显示本帮助

${TARGET_HELP}

${QUEUE_HELP}

退出码：0 核对完成（包括重新处理了丢失的工作）；1 有文件被标为失败；2 用法或配置错误。`;

const WHY: Record<ReconcileAction['why'], string> = {
  'no-status': '没有处理记录（上传事件丢失）',
  stalled: '长时间没有进展',
  'dead-letter': '在死信队列中',
  gone: '原文件已不在数据桶中',
  'gave-up': '多次重新处理仍未完成',
  superseded: '该工作已完成或已被新版本取代',
};
const STAGE: Record<ReconcileAction['stage'], string> = { ingest: '解析', score: '评分', review: '复核' };
const ACTION: Record<ReconcileAction['action'], string> = { redriven: '↻ 重新处理', failed: '✗ 标为失败', cleared: '✓ 清除死信' };

export function reconcileSummary(report: ReconcileReport): string {
  const lines = [
    `核对了数据桶中的 ${report.objects} 个文件、${report.items} 条处理状态、${report.deadLetters} 条死信${report.dryRun ? '（试运行，没有改动）' : ''}。`,
  ];
  if (report.actions.length === 0) lines.push('没有发现丢失或卡住的工作。');
  for (const action of report.actions) {
    lines.push(`  ${ACTION[action.action]}  ${action.source}（${STAGE[action.stage]}：${WHY[action.why]}）${action.reason ? `\n      ${action.reason}` : ''}`);
  }
  if (report.waiting.length > 0) lines.push(`${report.waiting.length} 个文件仍在处理中或排队，暂不判断（可稍后再运行）。`);
  return lines.join('\n');
}

export async function reconcileCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(
    args,
    { ...TARGET_OPTIONS, ...QUEUE_OPTIONS, 'dry-run': { type: 'boolean' }, 'stale-after': { type: 'string' }, json: { type: 'boolean' } },
    'reconcile',
  );
  if (values.help) {
    io.out(RECONCILE_HELP);
    return EXIT.ok;
  }
  const staleMinutes = intOption(values, 'stale-after');
  const target = resolveTarget(values);
  const queues = stageQueues(target, values);
  const connection = connect(target);
  try {
    const report = await againstTarget(target, () =>
      runReconcile(
        {
          lister: connection.store,
          bucket: target.bucket,
          records: connection.records,
          queues,
          reviews: new ReviewRecords(connection.records.table),
          unitStatus: makeUnitStatusWriter({ store: connection.store, records: connection.records, log: silentLogger }),
          log: silentLogger,
          staleAfterMs: staleAfterSeconds() * 1000,
        },
        { ...(values['dry-run'] ? { dryRun: true } : {}), ...(staleMinutes !== undefined ? { staleAfterSeconds: staleMinutes * 60 } : {}) },
      ),
    );
    io.out(values.json ? JSON.stringify(report, null, 2) : reconcileSummary(report));
    return report.actions.some((a) => a.action === 'failed') ? EXIT.someFailed : EXIT.ok;
  } finally {
    queues.close();
    connection.close();
  }
}
