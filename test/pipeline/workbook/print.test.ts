// The print check: the workbook rendered by LibreOffice Calc to PDF, page 1 read back with pdf.js, as an assessor
// holds it before signing. Skipped (with a notice) where LibreOffice Calc is not installed; .ci/run installs it.
import { beforeAll, describe, expect, it } from 'vitest';
import { getDocumentProxy } from 'unpdf';
import { runScore } from '../../../cli/commands/score.ts';
import { rankResults } from '../../../pipeline/rank/index.ts';
import { pdfDataOptions } from '../../../pipeline/extract/pdf-data.ts';
import { workbookBuffer } from '../../../pipeline/workbook/index.ts';
import { englishLeft } from '../../../pipeline/workbook/labels.ts';
import { rubric2024, SAMPLES_DIR } from '../../helpers/reports.ts';
import { convertWithLibreOffice, SOFFICE } from '../../helpers/review.ts';
import { samplesWorkbookInput } from '../../helpers/workbook.ts';

if (!SOFFICE) console.warn('[workbook print check] soffice (LibreOffice Calc) not on PATH: the rendered-page check is SKIPPED');

interface Line {
  text: string;
  /** Glyph height in points as printed (the text matrix includes the page's fit-to-width scale). */
  size: number;
  y: number;
}

interface Page {
  width: number;
  height: number;
  lines: Line[];
}

/** Every page's text, grouped into lines by baseline, with the smallest glyph size on each. */
async function pages(pdf: Uint8Array): Promise<Page[]> {
  const doc = await getDocumentProxy(new Uint8Array(pdf), { ...pdfDataOptions(), verbosity: 0, isEvalSupported: false });
  const out: Page[] = [];
  for (let n = 1; n <= doc.numPages; n++) out.push(await pageText(await doc.getPage(n)));
  await doc.destroy();
  return out;
}

async function pageText(page: Awaited<ReturnType<Awaited<ReturnType<typeof getDocumentProxy>>['getPage']>>): Promise<Page> {
  const { width, height } = page.getViewport({ scale: 1 });
  // pdf.js types a text item's transform (its 6-number matrix) as any[].
  const items = (await page.getTextContent()).items.flatMap((i) =>
    'str' in i && i.str.trim() !== '' ? [{ str: i.str, transform: i.transform as number[] }] : [],
  );
  const byLine = new Map<number, Line>();
  for (const item of items) {
    const y = Math.round(item.transform[5]!);
    const size = Math.hypot(item.transform[2]!, item.transform[3]!);
    const line = byLine.get(y) ?? { text: '', size, y };
    line.text += item.str;
    line.size = Math.min(line.size, size);
    byLine.set(y, line);
  }
  return { width, height, lines: [...byLine.values()].sort((a, b) => b.y - a.y) };
}

/** The page body: running head and footer (printed from the page setup, 9 and 12 pt) left out. */
const body = (page: Page): Line[] => page.lines.filter((l) => l.y > 40 && l.y < page.height - 30);

describe.skipIf(!SOFFICE)('the ranking page as LibreOffice prints it', () => {
  let all: Page[];
  let page: Page;
  let text: string;
  /** Page 1 without spaces or line breaks (columns wrap; text of one cell continues on the next line). */
  let flat: string;
  /** Every page of 排名, flattened likewise. */
  let ranking: string;
  /** What 桃源镇 (a known copier in the samples) loses for copying. */
  let copyDeduction: number;

  beforeAll(async () => {
    const run = await runScore([SAMPLES_DIR], {});
    const results = run.results.filter((r) => r.year === 2024);
    copyDeduction = results.find((r) => r.township === '桃源镇')!.penalties.find((p) => p.id === 'P.copy')!.points;
    const xlsx = await workbookBuffer(samplesWorkbookInput(results));
    all = await pages(convertWithLibreOffice(xlsx, 'xlsx', 'pdf'));
    page = all[0]!;
    text = page.lines.map((l) => l.text).join('\n');
    flat = text.replace(/\s+/gu, '');
    ranking = all
      .filter((p) => p.lines.some((l) => l.text.includes('评分排名')))
      .flatMap((p) => p.lines.map((l) => l.text))
      .join('')
      .replace(/\s+/gu, '');
  }, 240_000);

  it('is A4 landscape, titled with the county and year', () => {
    expect([Math.round(page.width), Math.round(page.height)]).toEqual([842, 595]);
    expect(flat).toContain('临澜县2024年度法治政府建设年度报告评分排名');
  });

  it('shows the explanation columns and the causes of deductions in words', () => {
    // Headers wrap in narrow columns ("机器得" / "分"), so look for what fits on one line.
    for (const header of ['名次', '单位', '等次', '调整分', '机器得', '最终得', '扣分、加分及原因', '问题标记', '名次说明']) expect(flat).toContain(header);
    // 桃源镇's copy deduction and 柳溪乡's contradictory figures on page 1, 河湾镇's 套话 on the next, each with its
    // cause (cells wrap, so only the start of each cause is on one line); 青石镇's grade lowered by the quota.
    expect(flat).toContain(`−${copyDeduction}内容雷同（照搬`);
    expect(flat).toContain('−2数据前后矛盾：1处“数');
    expect(ranking).toContain('−4空话套话过多：套话');
    expect(ranking).toContain('评审人（签字）');
    expect(flat).toContain('名额已');
    expect(flat).toContain('望江镇');
  });

  it('prints the signatures on the page of the check codes they sign for, never on a page of their own', () => {
    // Prepare: the samples' ranking ends near the foot of its page (before stop 22 the signature line went on alone).
    const flatOf = (p: Page): string =>
      p.lines
        .map((l) => l.text)
        .join('')
        .replace(/\s+/gu, '');
    // Act
    const signed = all.filter((p) => flatOf(p).includes('评审人（签字）'));
    // Assess
    expect(signed).toHaveLength(1);
    expect(flatOf(signed[0]!)).toMatch(/评分细则：.*数据校验码：.*生成时间：.*评审人（签字）/u);
  });

  it('has no English or internal ids on the ranking page', () => {
    expect(
      englishLeft(
        body(page)
          .map((l) => l.text)
          .join('\n'),
      ),
    ).toEqual([]);
    expect(text).not.toMatch(/(?<![A-Za-z])D\d(?!\d)|P\.[a-z]/u);
  });

  it('prints every page of every sheet at 9 pt or more, on A4', () => {
    const small: string[] = [];
    all.forEach((p, i) => {
      expect([Math.round(Math.min(p.width, p.height)), Math.round(Math.max(p.width, p.height))]).toEqual([595, 842]);
      for (const line of body(p)) if (line.size < 8.95) small.push(`page ${i + 1}: ${line.size.toFixed(2)} pt ${line.text.slice(0, 30)}`);
    });
    expect(all.length).toBeGreaterThan(10);
    expect(small).toEqual([]);
  });
});

describe.skipIf(!SOFFICE)('the ranking page of a year-wide (several-county) workbook as LibreOffice prints it', () => {
  let all: Page[];
  let flat: string;

  beforeAll(async () => {
    // The samples filed as two counties, each ranked within its own county·year, as the year-wide export lists them.
    const run = await runScore([SAMPLES_DIR], {});
    const split = rankResults(
      run.results.filter((r) => r.year === 2024).map((r, i) => ({ ...r, county: i % 2 === 0 ? '临澜县' : '安河县' })),
      rubric2024.rubric,
    );
    const xlsx = await workbookBuffer({
      results: split,
      failures: [],
      rubric: rubric2024,
      scope: '全省 2024年度',
      scopeKey: { county: null, year: 2024 },
      generatedAt: '2025-04-10T08:00:00.000Z',
    });
    all = await pages(convertWithLibreOffice(xlsx, 'xlsx', 'pdf'));
    flat = all[0]!.lines
      .map((l) => l.text)
      .join('')
      .replace(/\s+/gu, '');
  }, 240_000);

  it('prints 县（区） and 全省排名 beside the county rank on page 1, with no English, at 9 pt or more on every page', () => {
    expect(flat).toContain('全省2024年度法治政府建设年度报告评分排名');
    // Narrow headers wrap: look for what fits on one line.
    for (const header of ['县内', '县（区', '全省', '等次', '名次说明']) expect(flat).toContain(header);
    expect(flat).toContain('安河县');
    expect(
      englishLeft(
        body(all[0]!)
          .map((l) => l.text)
          .join('\n'),
      ),
    ).toEqual([]);
    const small = all.flatMap((p, i) =>
      body(p)
        .filter((l) => l.size < 8.95)
        .map((l) => `page ${i + 1}: ${l.size.toFixed(2)} pt ${l.text.slice(0, 30)}`),
    );
    expect(small).toEqual([]);
  });
});
