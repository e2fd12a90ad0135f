import type ExcelJS from 'exceljs';
import { PART_LABELS, type ReportPart } from '../../schemas/report.ts';
import type { Indicator, Penalty, Rubric } from '../../schemas/rubric.ts';
import type { IndicatorScore, ScoreResult } from '../../schemas/score.ts';
import { rankGroupLabel } from '../rank/index.ts';
import { FEEDBACK_PREFIX } from './keys.ts';
import { FLAG_LABELS, printable, shortQuote, unitName } from './labels.ts';
import type { Book } from './book.ts';
import { FONT, FONT_SIZE, FOOTER, linesIn, PAGE_MARGINS, rowHeight } from './table.ts';
import { causeLines, otherName, pendingLabel, signedPoints, sumPenalties, type Entry, type SheetContext } from './view.ts';
import { round2 } from '../score/numbers.ts';

/**
 * One feedback sheet per unit (反馈-望江镇), A4 portrait, something the county can hand each township: score, grade and
 * rank; each dimension; what earned points (with the sentence and where it is); what lost points and what would
 * have earned them, in the rubric's own terms (its requirement and the official source it cites); deductions and
 * bonus with causes; flags; items awaiting the assessor; and what to fix next year.
 *
 * Up to FEEDBACK_SHEET_LIMIT units only: a county·year has tens, at most a few hundred; a province's year has
 * thousands, which nobody prints from one workbook (and every sheet costs the workbook a little memory to the end, and
 * Excel and WPS time to open). The ranking sheet then says so, and each county's own export has its units' sheets.
 */

/**
 * Units up to which every unit gets its 反馈 sheet: above the largest county·year (tens of townships and up to about a
 * hundred departments), far below a province's year.
 */
export const FEEDBACK_SHEET_LIMIT = 500;

/** Portrait A4 holds ~77 units at 100 % in LibreOffice: 86 print at ≈ 90 % (≥ 9 pt), see table.ts. */
const WIDTHS = [19, 6, 6, 25, 30] as const;
const TOTAL_WIDTH = WIDTHS.reduce((s, w) => s + w, 0);
const SECTION_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDCE6F1' } };
const GRAY = { style: 'thin', color: { argb: 'FFB7B7B7' } } as const;
const BORDER: Partial<ExcelJS.Borders> = { top: GRAY, left: GRAY, bottom: GRAY, right: GRAY };
/** How many lost-point items the “明年改进要点” list names: enough to act on, few enough to read. */
const ADVICE_ITEMS = 6;

const partList = (parts: readonly ReportPart[] | undefined): string =>
  parts && parts.length > 0 ? parts.map((p) => `“${PART_LABELS[p]}”`).join('、') : '报告';

function bandsText(bands: readonly { min?: number; max?: number; points: number }[], unit = ''): string {
  return bands
    .filter((b) => b.points > 0)
    .map((b) => {
      const range =
        b.min !== undefined && b.max !== undefined
          ? `${b.min}${unit}–${b.max}${unit}`
          : b.min !== undefined
            ? `≥${b.min}${unit}`
            : b.max !== undefined
              ? `<${b.max}${unit}`
              : '任何数值';
      return `${range} 得 ${b.points} 分`;
    })
    .join('，');
}

const metricName = (rubric: Rubric, id: string): string => rubric.metrics.find((m) => m.id === id)?.name ?? '相关数据';

/** What the rubric asks for to earn an indicator's points, in its own terms (requirement, then the source it cites). */
export function howToEarn(indicator: Indicator, rubric: Rubric): string {
  const rule = indicator.rule;
  let need: string;
  switch (rule.kind) {
    case 'part-present':
      need = `写出“${PART_LABELS[rule.part]}”部分${rule.minChars > 0 ? `，不少于 ${rule.minChars} 字` : ''}`;
      break;
    case 'phrases':
      need = `写明“${indicator.name}”的具体做法${rule.requireFigure ? '，并附数字' : ''}（每个不同的句子 ${rule.pointsPerHit} 分，同一句话只计一次）`;
      break;
    case 'metric':
      need = `写明“${metricName(rubric, rule.metric)}”的数字：${bandsText(rule.bands)}`;
      break;
    case 'disclosure':
      need = `披露${rule.metrics.length > 0 ? rule.metrics.map((m) => `“${metricName(rubric, m)}”`).join('、') : `“${indicator.name}”`}的数字；没有发生也请明确写出（如“全年未发生”）`;
      break;
    case 'specificity':
      need = `在${partList(rule.parts)}中用数字说明工作：每千字数字个数 ${bandsText(rule.bands, ' 个')}`;
      break;
    case 'distinct-items':
      need = `“${PART_LABELS[rule.part]}”至少列出 ${rule.minItems} 条${rule.causePoints > 0 ? '，逐条说明原因' : ''}${rule.specificPoints > 0 ? '，至少一条指向具体事项' : ''}${rule.timedPoints > 0 ? '，措施写明完成时间或数量' : ''}`;
      break;
    case 'metadata': {
      const [month, day] = rule.deadline.split('-').map(Number);
      need =
        rule.field === 'submittedAt'
          ? `在次年 ${month}月${day}日前报送，上传时提供报送日期`
          : `在次年 ${month}月${day}日前向社会公开，上传时提供公开网址和日期`;
      break;
    }
    case 'cross-part':
      need = `“${PART_LABELS[rule.to]}”逐条对应“${PART_LABELS[rule.from]}”中查摆的问题`;
      break;
    case 'follow-through':
      need = '逐项落实上年报告中的“下一年度安排”，并在本年“主要举措和成效”中写明落实情况';
      break;
  }
  const source = `${printable(indicator.source.doc, rubric)}${indicator.source.clause ? ` ${printable(indicator.source.clause, rubric)}` : ''}`;
  return `${need}。依据：${source}`;
}

/** What to do about a deduction next year. */
export function howToAvoid(penalty: Penalty): string {
  const rule = penalty.rule;
  switch (rule.kind) {
    case 'missing-part':
      return `写全法定内容：${partList(rule.parts)}，每一部分单列标题`;
    case 'no-figures':
      return `用数字说明工作：全文每千字至少 ${rule.minPer1000Chars} 个数字，每个实质性部分都要有数字`;
    case 'boilerplate':
      return '少用空话套话，用具体做法、事例和数字说明工作';
    case 'template-leftovers':
      return '删除模板残留（如“XX镇”“20XX年”），核对年份和本单位名称';
    case 'perfunctory':
      return `“${PART_LABELS[rule.part]}”要具体查摆本单位的问题并说明原因，不少于 ${rule.minChars} 字`;
    case 'flag':
      if (rule.flag === 'similar-to') return '独立撰写本单位本年度的报告，不照搬其他单位或上年的报告';
      if (rule.flag === 'inconsistent-figures') return '报送前核对数据：比率、合计与各项数字前后一致';
      return `避免“${FLAG_LABELS[rule.flag as keyof typeof FLAG_LABELS] ?? penalty.name}”`;
    case 'metric':
      return `依法履职，减少“${penalty.name}”`;
  }
}

function indicatorOf(rubric: Rubric, id: string): Indicator | undefined {
  for (const d of rubric.dimensions) for (const i of d.indicators) if (i.id === id) return i;
  return rubric.bonus.indicators.find((i) => i.id === id);
}

/** Sheet names: at most 31 characters, none of : \ / ? * [ ], unique in the workbook. */
export function feedbackSheetName(unit: string, taken: Set<string>): string {
  const base = `${FEEDBACK_PREFIX}${unit}`.replace(/[:\\/?*[\]]/gu, '_').slice(0, 28);
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}（${n}）`;
  taken.add(name);
  return name;
}

class FeedbackWriter {
  private rows = 0;
  constructor(
    private readonly book: Book,
    readonly sheet: ExcelJS.Worksheet,
  ) {}

  /** A line across the page. */
  async line(text: string, options: { bold?: boolean; size?: number; fill?: ExcelJS.Fill } = {}): Promise<void> {
    const size = options.size ?? FONT_SIZE;
    const style = this.book.styles.get(`feedback-line|${options.bold ?? false}|${size}|${options.fill ? 'fill' : ''}`, () => ({
      font: { name: FONT, size, ...(options.bold ? { bold: true } : {}) },
      alignment: { vertical: 'middle', wrapText: true },
      ...(options.fill ? { fill: options.fill } : {}),
    }));
    await this.book.row(this.sheet, ++this.rows, [text], [style], {
      mergeAcross: WIDTHS.length,
      height: rowHeight(linesIn(text, TOTAL_WIDTH)) * (size / FONT_SIZE),
    });
  }

  /** A row of the five columns (项目, 得分, 满分, 说明, 原文或改进). */
  async cells(values: readonly (string | number | null)[], options: { bold?: boolean; fill?: ExcelJS.Fill } = {}): Promise<void> {
    let lines = 1;
    const styles = values.map((value, i) => {
      const numeric = typeof value === 'number';
      if (typeof value === 'string') lines = Math.max(lines, linesIn(value, WIDTHS[i] ?? 10));
      return this.book.styles.get(`feedback-cell|${options.bold ?? false}|${options.fill ? 'fill' : ''}|${numeric}`, () => ({
        font: { name: FONT, size: FONT_SIZE, ...(options.bold ? { bold: true } : {}) },
        alignment: { vertical: 'top', wrapText: true },
        border: BORDER,
        ...(numeric ? { numFmt: '0.##' } : {}),
        ...(options.fill ? { fill: options.fill } : {}),
      }));
    });
    await this.book.row(this.sheet, ++this.rows, values, styles, lines > 1 ? { height: rowHeight(lines) } : {});
  }

  async section(title: string, headers: readonly string[]): Promise<void> {
    await this.line('');
    await this.line(title, { bold: true });
    await this.cells(headers, { bold: true, fill: SECTION_FILL });
  }
}

const lost = (i: IndicatorScore): number => round2(i.max - i.score);

async function writeFeedback(book: Book, ctx: SheetContext, entry: Entry, name: string, groupSize: number): Promise<void> {
  const { rubric, input, units } = ctx;
  const result: ScoreResult = entry.shown;
  const unit = unitName(result);
  const sheet = book.addSheet(name, {
    pageSetup: {
      orientation: 'portrait',
      paperSize: 9,
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      horizontalCentered: true,
      margins: PAGE_MARGINS,
      printArea: 'A:E',
    },
    headerFooter: { oddHeader: `&C&"${FONT},Bold"&12${input.scope} ${unit} 年度报告评分反馈`, oddFooter: FOOTER },
  });
  sheet.columns = WIDTHS.map((width) => ({ width }));
  const w = new FeedbackWriter(book, sheet);

  await w.line(`${unit}${result.year ?? ''}年度法治政府建设年度报告评分反馈`, { bold: true, size: 14 });
  await w.line(
    `县（区）：${result.county ?? input.scope}\u3000排名组：${rankGroupLabel(result.rankGroup)}\u3000名次：第 ${result.rank ?? '—'} 名（共 ${groupSize} 个单位）\u3000等次：${result.grade}\u3000最终得分：${result.total} 分（满分 ${result.max}）`,
  );
  if (entry.final && entry.final.adjustment !== 0) await w.line(`机器得分 ${entry.machine.total} 分，经复核调整 ${signedPoints(entry.final.adjustment)} 分。`);
  if (result.rankNote) await w.line(`名次说明：${printable(result.rankNote, rubric)}`);

  await w.section('一、各方面得分', ['方面', '得分', '满分', '得分率', '失分最多的指标']);
  for (const d of result.dimensions) {
    const worst = [...d.indicators].filter((i) => lost(i) > 0).sort((a, b) => lost(b) - lost(a))[0];
    await w.cells([d.name, d.score, d.max, `${d.max > 0 ? Math.round((d.score / d.max) * 100) : 0}%`, worst ? `${worst.name}（失 ${lost(worst)} 分）` : '—']);
  }
  await w.cells(['加分项', result.bonus.score, result.bonus.max, '', '']);
  await w.cells(['扣分', -sumPenalties(result), null, '', '']);

  await w.section('二、得分项（原文依据）', ['指标', '得分', '满分', '评分说明', '原文依据（【位置】原文）']);
  /** An indicator that earned points, with the first sentence that earned them. */
  const earned = (i: IndicatorScore, name: string) =>
    w.cells([name, i.score, i.max, printable(i.note, rubric), i.evidence[0] ? shortQuote(i.evidence[0]) : '']);
  for (const d of result.dimensions) for (const i of d.indicators) if (i.score > 0) await earned(i, i.name);
  for (const i of result.bonus.indicators) if (i.score > 0) await earned(i, `加分·${i.name}`);

  await w.section('三、失分项及如何得分（评分细则的要求）', ['指标', '得分', '满分', '评分说明', '如何得分']);
  const lostItems = result.dimensions.flatMap((d) => d.indicators).filter((i) => lost(i) > 0);
  for (const i of lostItems) {
    const indicator = indicatorOf(rubric, i.id);
    await w.cells([i.name, i.score, i.max, printable(i.note, rubric), indicator ? howToEarn(indicator, rubric) : '']);
  }

  const causes = causeLines(result, rubric, units);
  await w.section('四、扣分与加分', ['项目', '分数', '最多', '原因', '原文依据或改进方向']);
  if (causes.length === 0) await w.cells(['无扣分和加分', null, null, '', '']);
  for (const p of result.penalties) {
    if (p.points === 0) continue;
    const penalty = rubric.penalties.find((x) => x.id === p.id);
    const where = p.evidence
      .slice(0, 2)
      .map((e) => shortQuote(e, 50))
      .join('\n');
    await w.cells([p.name, -p.points, -p.max, printable(p.note, rubric), [where, penalty ? `改进：${howToAvoid(penalty)}` : ''].filter(Boolean).join('\n')]);
  }
  for (const i of result.bonus.indicators) if (i.score > 0) await w.cells([`加分·${i.name}`, i.score, i.max, printable(i.note, rubric), '']);
  if (result.totalCap !== undefined) await w.cells(['总分封顶', result.totalCap, null, '缺少法定内容，总分不超过此分', '']);

  const flags = result.flags.filter((f) => f.severity !== 'info' || f.code === 'meta-missing' || f.code === 'meta-mismatch');
  await w.section('五、问题与提示', ['问题', '', '', '说明', '相关报告或原文']);
  if (flags.length === 0) await w.cells(['未发现问题', null, null, '', '']);
  for (const f of flags) {
    await w.cells([
      FLAG_LABELS[f.code],
      null,
      null,
      printable(f.message, rubric),
      [f.other ? `相关报告：${otherName(f.other, units)}` : '', ...(f.evidence ?? []).slice(0, 1).map((e) => shortQuote(e, 50))].filter(Boolean).join('\n'),
    ]);
  }

  const pending = entry.machine.pending ?? [];
  if (pending.length > 0) {
    await w.section('六、待评审确认的事项', ['事项', '分数', '', '说明', '当前结论']);
    for (const p of pending) {
      const decided = entry.final?.changes.find((c) => c.target.kind === 'decision' && c.target.id === p.id);
      const verdict =
        decided?.target.kind === 'decision'
          ? decided.target.decision === 'confirm'
            ? '评审已确认'
            : '评审已撤销'
          : p.kind === 'copy-deduction'
            ? '待评审确认（未扣分）'
            : '待评审确认（已计分）';
      await w.cells([pendingLabel(p, rubric), p.points, null, printable(p.message, rubric), verdict]);
    }
  }

  await w.line('');
  await w.line(`${pending.length > 0 ? '七' : '六'}、明年改进要点`, { bold: true });
  const advice: string[] = [];
  for (const p of result.penalties) {
    const penalty = rubric.penalties.find((x) => x.id === p.id);
    if (p.points > 0 && penalty) advice.push(`${howToAvoid(penalty)}（本年扣 ${p.points} 分）`);
  }
  const ranked = [...lostItems].sort((a, b) => lost(b) - lost(a) || (a.id < b.id ? -1 : 1)).slice(0, ADVICE_ITEMS);
  for (const i of ranked) {
    const indicator = indicatorOf(rubric, i.id);
    if (indicator) advice.push(`${i.name}：${howToEarn(indicator, rubric).split('。依据')[0]}（本年失 ${lost(i)} 分）`);
  }
  if (advice.length === 0) advice.push('保持本年的做法，继续用具体事例和数字说明工作。');
  for (const [i, text] of advice.entries()) await w.line(`${i + 1}. ${text}`);
  await w.line('');
  await w.line(`本反馈依据《${rubric.title}》（版本 ${rubric.version}）由系统生成；得分以县依法治县办复核签字的排名表为准。`);
  book.commitSheet(sheet);
}

export async function feedbackSheets(book: Book, ctx: SheetContext, taken: Set<string>): Promise<void> {
  if (!ctx.feedback) return;
  const groupOf = (r: Pick<ScoreResult, 'county' | 'year' | 'rankGroup'>): string => `${r.county ?? ''}|${r.year ?? ''}|${r.rankGroup}`;
  const groupSizes = new Map<string, number>();
  const unitCounts = new Map<string, number>();
  for (const f of ctx.facts) {
    groupSizes.set(groupOf(f), (groupSizes.get(groupOf(f)) ?? 0) + 1);
    unitCounts.set(unitName(f), (unitCounts.get(unitName(f)) ?? 0) + 1);
  }
  for (const entry of ctx.entries()) {
    const unit = unitName(entry.shown);
    // A unit listed twice (two years, or two counties) gets the year in its sheet name.
    const name = feedbackSheetName(unit + (entry.shown.year !== null && (unitCounts.get(unit) ?? 0) > 1 ? String(entry.shown.year) : ''), taken);
    await writeFeedback(book, ctx, entry, name, groupSizes.get(groupOf(entry.shown)) ?? 1);
  }
}
