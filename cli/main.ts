import { isVisibleError } from '../pipeline/failure.ts';
import { consoleIo, EXIT, type Io } from './usage.ts';

export const HELP = `fazhi — 法治政府建设年度报告评分（Fazhi Score）

用法：fazhi <命令> [参数]

本机命令（不需要服务器）：
  parse <文件…>              解析报告，显示提纲、法定部分、单位、年度和数字事实（--json 输出完整结构）
  score <文件或目录…>        评分并排名（--out ranking.xlsx 写出工作簿，--json 输出 JSON）
  rubric check|schema|diff|explain   检查、生成、比较评分细则，逐项解释一份报告的得分
  review <工作簿> --out F    应用评审人员在工作簿中填写的复核（调整分、确认/撤销），重新排名，写出复核定稿

本机流水线（内嵌 S3 和 DynamoDB，不需要 AWS 或 Docker）：
  local [--input DIR] [--keep]  上传 samples/（或 DIR）、等待解析评分、导出工作簿并显示排名（npm start）；
                                上次运行被中断时，先恢复并说明恢复了哪些文件

流水线命令（连接 AWS 上的部署，或 local --keep 保持运行的本地服务）：
  upload <文件或目录…>       上传报告到 reports/{年度}/{县名}/
  status --year Y [--county C]   各报告的处理状态和失败原因
  export --year Y --county C     生成并下载排名工作簿
  rescore --year Y [--rubric R]  用（新的）评分细则重新评分，不重新解析
  reconcile [--dry-run]          核对：让每个上传的文件都有结果（重新处理丢失的工作，无法处理的标为失败并说明原因）
  invite --year Y --county C --units FILE --out DIR   为各单位生成浏览器上传页面（无需 AWS 账号）

每个命令都支持 --help。退出码：0 成功；1 有文件未能处理（逐一列出原因）；2 用法或配置错误。`;

type Command = (args: readonly string[], io: Io) => Promise<number>;

/**
 * Each command is imported when it runs, never before: a command's dependencies (the local servers, the AWS SDK,
 * exceljs…) load only for the command that needs them, so `fazhi parse` starts fast and no command fails because
 * another one's dependency is missing.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  parse: async () => (await import('./commands/parse.ts')).parseCommand,
  score: async () => (await import('./commands/score.ts')).scoreCommand,
  rubric: async () => (await import('./commands/rubric.ts')).rubricCommand,
  local: async () => (await import('./commands/local.ts')).localCommand,
  upload: async () => (await import('./commands/upload.ts')).uploadCommand,
  status: async () => (await import('./commands/status.ts')).statusCommand,
  export: async () => (await import('./commands/export.ts')).exportCommand,
  rescore: async () => (await import('./commands/rescore.ts')).rescoreCommand,
  review: async () => (await import('./commands/review.ts')).reviewCommand,
  reconcile: async () => (await import('./commands/reconcile.ts')).reconcileCommand,
  invite: async () => (await import('./commands/invite.ts')).inviteCommand,
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

/** What the person at the terminal sees for an error, and the exit code. */
export function reportError(error: unknown, io: Io, debug = !!process.env.FAZHI_DEBUG): number {
  // Written for the person who caused it (a usage mistake, a bad setting, an unknown rubric, invalid stored data).
  if (isVisibleError(error)) {
    io.err(error.message);
    if (debug) io.err(error.stack ?? '');
    return error.exitCode;
  }
  // A bug, not bad input: say so plainly; the stack trace only on request.
  io.err(`内部错误 (internal error): ${(error as Error).message}\n设置环境变量 FAZHI_DEBUG=1 可显示详细信息。`);
  if (debug) io.err((error as Error).stack ?? '');
  return EXIT.someFailed;
}

export async function main(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`未知命令“${name}”。\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    const command = await load();
    return await command(args, io);
  } catch (error) {
    return reportError(error, io);
  }
}
