import { EXIT, intOption, parse, stringOption, type Io } from '../usage.ts';
import { againstTarget, connect, resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../pipeline-target.ts';
import { checkPlacementOptions, planUploads, scopesOf, uploadAll } from '../uploads.ts';

export const UPLOAD_HELP = `用法：fazhi upload <文件或目录…> [--year YEAR] [--county NAME] [连接选项]

把报告上传到数据桶的 reports/{年度}/{县名}/{文件名}，流水线随即解析和评分。县名和年度取自文件旁的
<文件名>.meta.json 或目录的 fazhi.meta.json（与 fazhi score 相同），其次是 --county/--year，再次是报告正文；
报送日期、公开网址等写入 S3 对象元数据（x-amz-meta-submitted-at 等）。

选项：
  --year YEAR       报告和旁注都未写明年度时使用
  --county NAME     报告和旁注都未写明县名时使用
  -h, --help        显示本帮助

${TARGET_HELP}

之后用 fazhi status --year <年度> --county <县名> 查看处理进度。退出码：0 全部上传；1 有文件未上传；2 用法或配置错误。`;

export async function uploadCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...TARGET_OPTIONS, year: { type: 'string' }, county: { type: 'string' } }, 'upload');
  if (values.help) {
    io.out(UPLOAD_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) {
    io.err(`缺少要上传的文件或目录。\n\n${UPLOAD_HELP}`);
    return EXIT.usage;
  }
  const year = intOption(values, 'year');
  const county = stringOption(values, 'county');
  checkPlacementOptions({ ...(year !== undefined ? { year } : {}), ...(county !== undefined ? { county } : {}) });
  const target = resolveTarget(values);
  const plan = await planUploads(positionals, { ...(year ? { year } : {}), ...(county ? { county } : {}) });
  const connection = connect(target);
  try {
    await againstTarget(target, () => uploadAll(connection.store, plan.uploads, (u) => io.out(`  ↑ ${u.source} → s3://${target.bucket}/${u.key}`)));
  } finally {
    connection.close();
  }
  io.out(`已上传 ${plan.uploads.length} 个文件。`);
  for (const scope of scopesOf(plan.uploads)) io.out(`查看进度：fazhi status --year ${scope.year} --county ${scope.county}`);
  if (plan.refused.length > 0) {
    io.err(`${plan.refused.length} 个文件没有上传：\n${plan.refused.map((r) => `  ✗ ${r.source}\n    ${r.reason}`).join('\n')}`);
    return EXIT.someFailed;
  }
  return EXIT.ok;
}
