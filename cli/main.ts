import { RubricError } from '../pipeline/score/rubric.ts';
import { exportCommand } from './commands/export.ts';
import { inviteCommand } from './commands/invite.ts';
import { localCommand } from './commands/local.ts';
import { parseCommand } from './commands/parse.ts';
import { rescoreCommand } from './commands/rescore.ts';
import { rubricCommand } from './commands/rubric.ts';
import { scoreCommand } from './commands/score.ts';
import { statusCommand } from './commands/status.ts';
import { uploadCommand } from './commands/upload.ts';
import { consoleIo, EXIT, UsageError, type Io } from './usage.ts';

export const HELP = `fazhi — 法治政府建设年度报告评分（Fazhi Score）

用法：fazhi <命令> [参数]

本机命令（不需要服务器）：
  parse <文件…>              解析报告，显示提纲、法定部分、单位、年度和数字事实（--json 输出完整结构）
  score <文件或目录…>        评分并排名（--out ranking.xlsx 写出工作簿，--json 输出 JSON）
  rubric check|schema|diff|explain   检查、生成、比较评分细则，逐项解释一份报告的得分

本机流水线（内嵌 S3 和 DynamoDB，不需要 AWS 或 Docker）：
  local [--input DIR] [--keep]  上传 samples/（或 DIR）、等待解析评分、导出工作簿并显示排名（npm start）

流水线命令（连接 AWS 上的部署，或 local --keep 保持运行的本地服务）：
  upload <文件或目录…>       上传报告到 reports/{年度}/{县名}/
  status --year Y [--county C]   各报告的处理状态和失败原因
  export --year Y --county C     生成并下载排名工作簿
  rescore --year Y [--rubric R]  用（新的）评分细则重新评分，不重新解析
  invite --year Y --county C --units FILE --out DIR   为各单位生成浏览器上传页面（无需 AWS 账号）

每个命令都支持 --help。退出码：0 成功；1 有文件未能处理（逐一列出原因）；2 用法或配置错误。`;

type Command = (args: readonly string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  parse: parseCommand,
  score: scoreCommand,
  rubric: rubricCommand,
  local: localCommand,
  upload: uploadCommand,
  status: statusCommand,
  export: exportCommand,
  rescore: rescoreCommand,
  invite: inviteCommand,
};

export async function main(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`未知命令“${name}”。\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await command(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      return EXIT.usage;
    }
    if (error instanceof RubricError) {
      io.err(error.message);
      return EXIT.usage;
    }
    // A bug, not bad input: say so plainly; the stack trace only on request.
    io.err(`内部错误 (internal error): ${(error as Error).message}\n设置环境变量 FAZHI_DEBUG=1 可显示详细信息。`);
    if (process.env.FAZHI_DEBUG) io.err((error as Error).stack ?? '');
    return EXIT.someFailed;
  }
}
