/** PDF layout rules on hand-made pages: lines, paragraphs, page furniture, fake bold. */
import { describe, expect, it } from 'vitest';
import { extractDocument } from '../../../pipeline/extract/index.ts';
import { A4, makeUniGbPdf } from '../../../scripts/handmade-pdf.ts';
import type { PdfLine } from '../../../scripts/handmade-pdf.ts';

const LEFT = 72;
const SIZE = 12;
const PER_LINE = Math.floor((A4.width - 2 * LEFT) / SIZE);

/** Body lines of a page, top down, 18pt apart: each entry is [text, indent in characters]. */
function body(entries: [string, number][], top = 760): PdfLine[] {
  return entries.map(([text, indent], index) => ({ text, x: LEFT + indent * SIZE, y: top - index * 18, size: SIZE }));
}

function full(seed: string): string {
  return seed.repeat(Math.ceil(PER_LINE / seed.length)).slice(0, PER_LINE);
}

async function texts(pages: { lines: PdfLine[] }[]): Promise<string[]> {
  return (await extractDocument(makeUniGbPdf(pages))).blocks.map((b) => b.text);
}

describe('PDF paragraphs', () => {
  it('joins a full line with the next unless the next is indented, and ends a paragraph at a short line', async () => {
    const a = full('依法行政');
    const b = full('规范执法');
    expect(
      await texts([
        {
          lines: body([
            [a.slice(2), 2],
            [b, 0],
            ['短行结束。', 0],
            ['新段落开始的一行文字。', 2],
            [a, 0],
            ['下一行缩进了所以是新段落', 2],
          ]),
        },
      ]),
    ).toEqual([`${a.slice(2)}${b}短行结束。`, `新段落开始的一行文字。`, a, '下一行缩进了所以是新段落']);
  });

  it('continues a paragraph across a page break, but not after a short last line', async () => {
    const a = full('法治政府');
    const b = full('依法治理');
    const pages = [
      {
        lines: body([
          [b.slice(2), 2],
          [a, 0],
        ]),
      },
      {
        lines: body([
          ['接续的文字到此结束。', 0],
          ['第二段。', 2],
          [a.slice(2), 2],
          ['最后一行。', 0],
        ]),
      },
    ];
    expect(await texts(pages)).toEqual([b.slice(2) + a + '接续的文字到此结束。', '第二段。', `${a.slice(2)}最后一行。`]);
  });

  it('does not join lines far apart vertically', async () => {
    const a = full('建设');
    const lines = [
      ...body([
        [a.slice(2), 2],
        [a, 0],
        [a, 0],
      ]),
      { text: '隔了很远的一行文字内容。', x: LEFT, y: 500, size: SIZE },
    ];
    expect(await texts([{ lines }])).toEqual([a.slice(2) + a + a, '隔了很远的一行文字内容。']);
  });

  it("joins a wrapped large heading by its own leading (1.5 line spacing grows with the font), not the body's", async () => {
    // Body: 12pt at 18pt leading. Heading: 22pt at 33pt leading (1.5 × 22), wider than the body's 18 × 1.35.
    const headingPerLine = Math.floor((A4.width - 2 * LEFT) / 22);
    const heading = `二、${'党政主要负责人履行推进法治建设第一责任人职责情况'.repeat(2)}`.slice(0, headingPerLine + 6);
    const lines: PdfLine[] = [
      { text: '临澜县报告', x: 230, y: 800, size: 26 },
      ...body([['正文第一段内容，法治政府建设。', 2]], 760),
      { text: heading.slice(0, headingPerLine), x: LEFT, y: 710, size: 22 },
      { text: heading.slice(headingPerLine), x: LEFT, y: 677, size: 22 },
      ...body([['镇党委书记、镇长认真履行第一责任人职责。', 2]], 640),
    ];
    const result = await extractDocument(makeUniGbPdf([{ lines }]));
    expect(result.blocks.map((b) => b.text)).toEqual(['临澜县报告', '正文第一段内容，法治政府建设。', heading, '镇党委书记、镇长认真履行第一责任人职责。']);
    expect(result.blocks[2]!.hint?.headingLevel).toBe(1);
  });

  it('records the page a paragraph starts on and where it runs onto the next page', async () => {
    const a = full('法治政府');
    const pages = [
      {
        lines: body([
          ['第一页的段落。', 2],
          [a.slice(2), 2],
          [a, 0],
        ]),
      },
      {
        lines: body([
          ['接续的文字到此结束。', 0],
          ['第二页的段落。', 2],
        ]),
      },
    ];
    const blocks = (await extractDocument(makeUniGbPdf(pages))).blocks;
    expect(blocks.map((b) => [b.page, b.pageBreaks])).toEqual([
      [1, undefined],
      [1, [{ at: a.length - 2 + a.length, page: 2 }]],
      [2, undefined],
    ]);
  });

  it('joins Latin words broken across lines with a space', async () => {
    const first = `${'法'.repeat(PER_LINE - 7)}Digital`;
    expect(
      await texts([
        {
          lines: body([
            [first, 0],
            ['Government平台上线。', 0],
          ]),
        },
      ]),
    ).toEqual([`${first} Government平台上线。`]);
  });
});

describe('PDF page furniture', () => {
  const pageNumberStyles = ['- 1 -', '第 1 页 共 3 页', '1/3', '— 1 —', '1'];
  for (const style of pageNumberStyles) {
    it(`drops page numbers like "${style}"`, async () => {
      const words = ['一', '二', '三'];
      const pages = [1, 2, 3].map((n) => ({
        lines: [
          ...body(
            [
              [`第${words[n - 1]}页的正文内容，依法行政工作稳步推进。`, 2],
              ['第二行。', 2],
            ],
            740,
          ),
          { text: style.replace('1', String(n)), x: 280, y: 40, size: 12 },
        ],
      }));
      const result = await texts(pages);
      expect(result).toEqual(words.flatMap((w) => [`第${w}页的正文内容，依法行政工作稳步推进。`, '第二行。']));
    });
  }

  it('drops a running footer that recurs on most pages, and keeps a one-off line at the bottom of a page', async () => {
    const footer = (n: number): PdfLine => ({ text: `临澜县人民政府办公室印发（共4页第${n}页）`, x: 150, y: 50, size: 12 });
    const words = ['一', '二', '三', '四'];
    const pages = words.map((w, i) => ({ lines: [...body([[`第${w}页正文内容。`, 2]], 740), footer(i + 1)] }));
    pages[3]!.lines.splice(1, 0, { text: '抄送：县司法局。', x: LEFT, y: 100, size: 12 });
    expect(await texts(pages)).toEqual(['第一页正文内容。', '第二页正文内容。', '第三页正文内容。', '第四页正文内容。', '抄送：县司法局。']);
  });

  it('keeps a number that is body text in the middle of a page', async () => {
    expect(
      await texts([
        {
          lines: body([
            ['全年调解纠纷件数：', 2],
            ['56', 2],
            ['成功率很高的工作。', 2],
          ]),
        },
      ]),
    ).toEqual(['全年调解纠纷件数：', '56', '成功率很高的工作。']);
  });
});

describe('PDF hints', () => {
  it('reads overprinted ("fake bold") lines once, as allBold', async () => {
    const heading = '一、主要举措和成效';
    const lines = [
      { text: heading, x: LEFT, y: 760, size: SIZE },
      { text: heading, x: LEFT + 0.25, y: 760, size: SIZE },
      { text: heading, x: LEFT + 0.5, y: 760.2, size: SIZE },
      ...body([['正文段落内容。', 2]], 740),
    ];
    const result = await extractDocument(makeUniGbPdf([{ lines }]));
    expect(result.blocks).toEqual([
      { text: heading, hint: { allBold: true, fontSize: 12 }, page: 1 },
      { text: '正文段落内容。', hint: { fontSize: 12 }, page: 1 },
    ]);
  });

  it('ranks larger sizes as heading levels and the largest opening text as the title', async () => {
    const lines: PdfLine[] = [
      { text: '临澜县报告', x: 240, y: 780, size: 22 },
      { text: '一、大标题', x: LEFT, y: 740, size: 16 },
      { text: '（一）小标题', x: LEFT, y: 715, size: 14 },
      ...body(
        [
          ['正文第一段内容，法治政府建设。', 2],
          ['正文第二段内容，依法行政。', 2],
        ],
        690,
      ),
      { text: '二、第二个大标题', x: LEFT, y: 600, size: 16 },
    ];
    const result = await extractDocument(makeUniGbPdf([{ lines }]));
    expect(result.blocks.map((b) => [b.text, b.hint?.title ?? b.hint?.headingLevel ?? null])).toEqual([
      ['临澜县报告', true],
      ['一、大标题', 1],
      ['（一）小标题', 2],
      ['正文第一段内容，法治政府建设。', null],
      ['正文第二段内容，依法行政。', null],
      ['二、第二个大标题', 1],
    ]);
    expect(result.blocks[0]!.hint).toMatchObject({ centered: true, fontSize: 22 });
  });
});
