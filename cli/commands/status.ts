import { MISPLACED_UPLOADS, rubricTag, type ReportItem, type ReportStatus, type ScoreItem } from '../../schemas/storage.ts';
import { reviewUploadKey } from '../../schemas/review.ts';
import { bundledRubricFor } from '../../pipeline/score/bundled-rubrics.ts';
import { bundledRubricTags, rubricFromSetting, UnknownRubricError } from '../../functions/shared/rubrics.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import { ReviewRecords, type ReviewHistory } from '../../functions/shared/review-records.ts';
import { table } from '../format.ts';
import { reviewSummary, type ReviewSummary } from './review-status.ts';
import { againstTarget, connect, resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../pipeline-target.ts';
import { EXIT, intOption, parse, stringOption, UsageError, type Io } from '../usage.ts';

export const STATUS_HELP = `用法：fazhi status --year YEAR [--county NAME] [--rubric R] [--json] [连接选项]

显示已上传报告的处理状态：已接收（待解析）、已解析（待评分）、已评分（总分、等次）、失败（原因）。
给了 --county 时还显示该县本年度的复核情况：是否已复核、由谁复核、几项调整、定稿在哪里，以及重新评分后
需要重新复核的调整。不给 --county 时列出该年度所有县的报告。

选项：
  --year YEAR       年度（必填）
  --county NAME     只看这个县
  --rubric R        按哪个评分细则显示总分：年度（2024）、细则 id 或 id@版本（默认：该年度的细则）
  --json            输出 JSON
  -h, --help        显示本帮助

${TARGET_HELP}`;

export const STATUS_LABELS: Record<ReportStatus, string> = { received: '已接收', parsed: '已解析', scored: '已评分', failed: '失败' };
const ORDER: Record<ReportStatus, number> = { failed: 0, received: 1, parsed: 2, scored: 3 };

export function rubricOption(spec: string | undefined, year: number): LoadedRubric {
  if (!spec) return bundledRubricFor(year);
  try {
    return rubricFromSetting(spec);
  } catch (error) {
    if (error instanceof UnknownRubricError) {
      throw new UsageError(`--rubric ${spec}：不是随本程序发布的评分细则；可以写年度（如 2024）或 ${bundledRubricTags().join('、')}`);
    }
    throw error;
  }
}

export function requiredYear(values: Parameters<typeof intOption>[0], command: string): number {
  const year = intOption(values, 'year');
  if (year === undefined) throw new UsageError(`缺少 --year（年度）。运行 \`fazhi ${command} --help\` 查看用法。`);
  return year;
}

export async function statusCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(
    args,
    { ...TARGET_OPTIONS, year: { type: 'string' }, county: { type: 'string' }, rubric: { type: 'string' }, json: { type: 'boolean' } },
    'status',
  );
  if (values.help) {
    io.out(STATUS_HELP);
    return EXIT.ok;
  }
  const year = requiredYear(values, 'status');
  const county = stringOption(values, 'county');
  const loaded = rubricOption(stringOption(values, 'rubric'), year);
  const tag = rubricTag(loaded.rubric);
  const target = resolveTarget(values);
  const connection = connect(target);
  let uploads: ReportItem[];
  let scores: ScoreItem[];
  let misplaced: ReportItem[];
  let review: ReviewSummary | null = null;
  try {
    ({ uploads, scores, misplaced } = await againstTarget(target, async () => {
      const found = county
        ? await connection.records.partition(year, county).then((p) => ({ uploads: p.reports, scores: p.scores }))
        : { uploads: await connection.records.uploadsOfYear(year), scores: await connection.records.ranking(year, loaded.rubric) };
      const lost = (await connection.records.partition(MISPLACED_UPLOADS.year, MISPLACED_UPLOADS.county)).reports;
      return { ...found, misplaced: lost };
    }));
    if (county) {
      const history: ReviewHistory = await againstTarget(target, () => new ReviewRecords(connection.records.table).history(year, county));
      review = await againstTarget(target, () => reviewSummary(connection, year, county, history));
    }
  } finally {
    connection.close();
  }
  const scoreOf = new Map(scores.filter((s) => rubricTag(s.rubric) === tag).map((s) => [`${s.sourceKey}\u0000${s.sequencer}`, s]));
  const rows = uploads
    .map((u) => ({ upload: u, score: scoreOf.get(`${u.sourceKey}\u0000${u.sequencer}`) }))
    .sort(
      (a, b) =>
        a.upload.county.localeCompare(b.upload.county, 'zh') ||
        ORDER[a.upload.status] - ORDER[b.upload.status] ||
        (a.upload.sourceKey < b.upload.sourceKey ? -1 : 1),
    );

  if (values.json) {
    io.out(
      JSON.stringify(
        {
          year,
          county: county ?? null,
          rubric: tag,
          uploads: rows.map(({ upload, score }) => ({
            key: upload.sourceKey,
            county: upload.county,
            status: upload.status,
            township: score?.township ?? upload.township ?? null,
            total: score?.total ?? null,
            grade: score?.grade ?? null,
            failure: upload.failure ?? null,
            updatedAt: upload.updatedAt,
          })),
          misplaced: misplaced.map((m) => ({ key: m.sourceKey, failure: m.failure ?? null })),
          ...(county ? { review } : {}),
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  }

  const scope = county ? `${county} ${year}年度` : `${year}年度所有县`;
  if (rows.length === 0) io.out(`${scope}：还没有上传的报告。`);
  else {
    const counts = Object.fromEntries((Object.keys(STATUS_LABELS) as ReportStatus[]).map((s) => [s, rows.filter((r) => r.upload.status === s).length]));
    io.out(`${scope} · 评分细则 ${tag}`);
    io.out(
      table(
        ['状态', ...(county ? [] : ['县']), '单位', '单份得分', '初定等次', '文件'],
        rows.map(({ upload, score }) => [
          STATUS_LABELS[upload.status],
          ...(county ? [] : [upload.county]),
          score?.township ?? upload.township ?? '',
          score ? score.total.toFixed(2) : '',
          score?.grade ?? '',
          upload.sourceKey,
        ]),
        new Set([county ? 2 : 3]),
      ),
    );
    io.out((Object.keys(STATUS_LABELS) as ReportStatus[]).map((s) => `${STATUS_LABELS[s]} ${counts[s]}`).join(' · '));
    // The stored score is per report; copies, last year's plans, names of other units and grade quotas need the whole
    // county·year, which the export computes.
    if (rows.some((r) => r.score)) io.out('单份得分未计入雷同、上年安排落实等交叉比对和等次名额；名次和最终得分以 fazhi export 生成的工作簿为准。');
    const failed = rows.filter((r) => r.upload.status === 'failed');
    if (failed.length > 0)
      io.out(`\n失败原因：\n${failed.map(({ upload }) => `  ✗ ${upload.sourceKey}\n    ${upload.failure?.message ?? '（未记录原因）'}`).join('\n')}`);
    const unscored = rows.filter((r) => r.upload.status === 'scored' && !r.score).length;
    if (unscored > 0) io.out(`\n${unscored} 份已评分的报告还没有用 ${tag} 评分（fazhi rescore 可以补评）。`);
  }
  if (county && review) io.out(`\n${review.lines.join('\n')}`);
  else if (county && rows.some((r) => r.score))
    io.out(`\n复核：尚未复核。评审人员填好工作簿后，上传到 ${reviewUploadKey(year, county, '<文件名>.xlsx')}，或在本机运行 fazhi review。`);
  if (misplaced.length > 0) {
    io.out(`\n另有 ${misplaced.length} 个文件不在 reports/{年度}/{县名}/ 下，没有处理：\n${misplaced.map((m) => `  ✗ ${m.sourceKey}`).join('\n')}`);
  }
  return EXIT.ok;
}
