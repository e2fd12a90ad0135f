import { runRescore } from '../../functions/rescore/rescore.ts';
import { silentLogger } from '../../functions/shared/log.ts';
import { refOf } from '../../functions/shared/rubrics.ts';
import { againstTarget, connect, queueSender, resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../pipeline-target.ts';
import { EXIT, parse, stringOption, UsageError, type Io } from '../usage.ts';
import { requiredYear, rubricOption } from './status.ts';

export const RESCORE_HELP = `用法：fazhi rescore --year YEAR [--county NAME] [--rubric R] [--queue-url URL] [连接选项]

把该年度（或一个县）每个已解析的上传文件重新送去评分，不重新解析原文件：评分细则更新后使用。
内容相同、上传到不同县·年度或不同文件名的文件各算一份，分别评分。评分结果按细则版本分别保存，
旧版本的结果不会被覆盖。运行的是与重评 Lambda 相同的代码。

选项：
  --year YEAR       年度（必填）
  --county NAME     只重评这个县
  --rubric R        评分细则：年度（2024）、细则 id 或 id@版本（默认：每份报告按其年度选细则）
  --queue-url URL   评分队列（FAZHI_SCORE_QUEUE_URL；部署输出 ScoreQueueUrl；fazhi local --keep 也会给出）
  -h, --help        显示本帮助

${TARGET_HELP}

之后用 fazhi status --year <年度> --rubric <细则> 查看进度，用 fazhi export --rubric <细则> 导出。`;

export async function rescoreCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(
    args,
    { ...TARGET_OPTIONS, year: { type: 'string' }, county: { type: 'string' }, rubric: { type: 'string' }, 'queue-url': { type: 'string' } },
    'rescore',
  );
  if (values.help) {
    io.out(RESCORE_HELP);
    return EXIT.ok;
  }
  const year = requiredYear(values, 'rescore');
  const county = stringOption(values, 'county');
  const spec = stringOption(values, 'rubric');
  const rubric = spec ? refOf(rubricOption(spec, year)) : undefined;
  const queueUrl = stringOption(values, 'queue-url') ?? (process.env.FAZHI_SCORE_QUEUE_URL || undefined);
  if (!queueUrl) throw new UsageError('缺少评分队列地址：请用 --queue-url 或环境变量 FAZHI_SCORE_QUEUE_URL 指定（部署输出 ScoreQueueUrl）。');
  if (!URL.canParse(queueUrl)) throw new UsageError(`评分队列地址不是有效的 URL：${queueUrl}`);
  const target = resolveTarget(values);
  const connection = connect(target);
  const { sender, close } = queueSender(target, queueUrl);
  try {
    const outcome = await againstTarget(target, () =>
      runRescore(
        { records: connection.records, queue: sender, scoreQueueUrl: queueUrl, log: silentLogger },
        { year, ...(county ? { county } : {}), ...(rubric ? { rubric } : {}) },
      ),
    );
    const scope = county ? `${county} ${year} 年度` : `${year} 年度所有县`;
    io.out(`已为${scope}的 ${outcome.queued} 个上传文件发送评分指令${rubric ? `（细则 ${rubric.id}@${rubric.version}）` : ''}。`);
    if (outcome.skipped.length > 0) {
      const why = (status: string): string => (status === 'failed' ? '处理失败，没有可评分的内容' : '尚未解析完成');
      io.out(`${outcome.skipped.length} 个文件没有发送：\n${outcome.skipped.map((s) => `  … ${s.source}（${why(s.status)}）`).join('\n')}`);
    }
    io.out(`查看进度：fazhi status --year ${year}${county ? ` --county ${county}` : ''}${spec ? ` --rubric ${spec}` : ''}`);
    if (outcome.failed.length > 0) {
      io.err(`${outcome.failed.length} 条指令没有发出：\n${outcome.failed.map((f) => `  ✗ ${f.normalizedKey}：${f.reason}`).join('\n')}`);
      return EXIT.someFailed;
    }
    return EXIT.ok;
  } finally {
    close();
    connection.close();
  }
}
