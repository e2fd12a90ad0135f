/** The .docx reader's own parts: style-derived hints and Word list numbers. */
import { describe, expect, it } from 'vitest';
import { extractDocument } from '../../../pipeline/extract/index.ts';
import { formatNumber, listLabels, readNumbering, readStyleNumbering, scanParagraphs } from '../../../pipeline/extract/docx-numbering.ts';
import { readStyles } from '../../../pipeline/extract/docx.ts';
import { autoNumbering, chineseNumeral, parseReportLines } from '../../../scripts/make-format-fixtures.ts';
import { minimalDocx } from './helpers.ts';

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const xml = (text: string): Uint8Array => Buffer.from(text, 'utf8');

const STYLES = `<?xml version="1.0"?><w:styles ${W}>
<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="32"/></w:rPr></w:rPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="FakeHead"><w:name w:val="报告小标题"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:sz w:val="44"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Child"><w:basedOn w:val="FakeHead"/><w:rPr><w:sz w:val="36"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Outline1"><w:name w:val="outline 1"/><w:pPr><w:numPr><w:numId w:val="7"/></w:numPr></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Outline2"><w:basedOn w:val="Outline1"/><w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr></w:style>
</w:styles>`;

const NUMBERING = `<?xml version="1.0"?><w:numbering ${W}>
<w:abstractNum w:abstractNumId="3">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="4"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="●"/></w:lvl></w:abstractNum>
<w:num w:numId="7"><w:abstractNumId w:val="3"/></w:num>
<w:num w:numId="8"><w:abstractNumId w:val="4"/></w:num>
<w:num w:numId="9"><w:abstractNumId w:val="3"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
</w:numbering>`;

function paragraph(text: string, pPr = '', rPr = ''): string {
  return `<w:p><w:pPr>${pPr}</w:pPr><w:r><w:rPr>${rPr}</w:rPr><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;
}

function docxWith(paragraphs: string[]): Uint8Array {
  const document = `<?xml version="1.0"?><w:document ${W}><w:body>${paragraphs.join('')}</w:body></w:document>`;
  return minimalDocx(document, [
    { name: 'word/styles.xml', data: STYLES },
    { name: 'word/numbering.xml', data: NUMBERING },
    {
      name: 'word/_rels/document.xml.rels',
      data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>`,
    },
  ]);
}

describe('style-derived hints', () => {
  it('resolves bold, size and centring through basedOn and document defaults', () => {
    const styles = readStyles(xml(STYLES));
    expect(styles.defaults).toEqual({ fontSize: 16 });
    expect(styles.defaultParagraphStyle).toBe('Normal');
    expect(styles.resolve('FakeHead')).toEqual({ bold: true, fontSize: 22, alignment: 'center' });
    expect(styles.resolve('Child')).toEqual({ bold: true, fontSize: 18, alignment: 'center' });
    expect(styles.resolve('Missing')).toEqual({});
  });

  it('marks a paragraph whose style is bold as allBold, with the style size and centring', async () => {
    const doc = await extractDocument(
      docxWith([
        paragraph('临澜县望江镇工作报告', '<w:pStyle w:val="FakeHead"/>'),
        paragraph('正文段落，依法行政全面推进。', '', '<w:sz w:val="28"/>'),
        paragraph('默认字号的段落内容。'),
      ]),
    );
    expect(doc.blocks).toEqual([
      { text: '临澜县望江镇工作报告', hint: { allBold: true, fontSize: 22, centered: true } },
      { text: '正文段落，依法行政全面推进。', hint: { fontSize: 14 } },
      { text: '默认字号的段落内容。', hint: { fontSize: 16 } },
    ]);
  });

  it('gives leadingBold from direct run formatting', async () => {
    const runIn = `<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>（一）加强学习。</w:t></w:r><w:r><w:t>镇党委全年学习12次。</w:t></w:r></w:p>`;
    const doc = await extractDocument(docxWith([runIn]));
    expect(doc.blocks[0]).toEqual({ text: '（一）加强学习。镇党委全年学习12次。', hint: { leadingBold: '（一）加强学习。', fontSize: 16 } });
  });
});

describe('Word list numbers', () => {
  it('formats counters the way Word does', () => {
    expect([1, 2, 10, 11, 20, 21, 99].map((n) => formatNumber(n, 'chineseCounting'))).toEqual(['一', '二', '十', '十一', '二十', '二十一', '九十九']);
    expect(formatNumber(3, 'chineseLegalSimplified')).toBe('叁');
    expect(formatNumber(2, 'ideographTraditional')).toBe('乙');
    expect(formatNumber(3, 'decimalEnclosedCircle')).toBe('③');
    expect(formatNumber(12, 'decimalFullWidth')).toBe('１２');
    expect(formatNumber(28, 'upperLetter')).toBe('AB');
    expect(formatNumber(14, 'lowerRoman')).toBe('xiv');
    expect(formatNumber(7, 'somethingNew')).toBe('7');
  });

  it('keeps counters per list, restarts deeper levels, honours start overrides, and follows style numbering', () => {
    const document = xml(
      `<w:document ${W}><w:body>${[
        paragraph('主要举措', '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="7"/></w:numPr>'),
        paragraph('加强领导', '<w:numPr><w:ilvl w:val="1"/><w:numId w:val="7"/></w:numPr>'),
        paragraph('规范决策', '<w:pStyle w:val="Outline2"/>'),
        paragraph('细项', '<w:numPr><w:ilvl w:val="2"/><w:numId w:val="7"/></w:numPr>'),
        paragraph('存在不足', '<w:pStyle w:val="Outline1"/>'),
        paragraph('第一项', '<w:numPr><w:ilvl w:val="1"/><w:numId w:val="7"/></w:numPr>'),
        paragraph('要点', '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="8"/></w:numPr>'),
        paragraph('另起', '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="9"/></w:numPr>'),
        paragraph('无编号', '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>'),
      ].join('')}</w:body></w:document>`,
    );
    const scanned = scanParagraphs(document);
    expect(scanned.map((p) => p.key)).toEqual(['主要举措', '加强领导', '规范决策', '细项', '存在不足', '第一项', '要点', '另起', '无编号']);
    const labels = listLabels(scanned, readNumbering(xml(NUMBERING)), readStyleNumbering(xml(STYLES)));
    expect(labels).toEqual(['一、', '（一）', '（二）', '1.', '二、', '（一）', undefined, '五、', undefined]);
  });

  it('puts the numbers back into the text of an auto-numbered .docx, formatted like the paragraph', async () => {
    const doc = await extractDocument(
      docxWith([
        paragraph('主要举措和成效', '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="7"/></w:numPr>', '<w:b/>'),
        paragraph('加强组织领导。全年召开会议4次。', '<w:numPr><w:ilvl w:val="1"/><w:numId w:val="7"/></w:numPr>'),
        paragraph('存在的不足和原因', '<w:pStyle w:val="Outline1"/>'),
      ]),
    );
    expect(doc.blocks.map((b) => b.text)).toEqual(['一、主要举措和成效', '（一）加强组织领导。全年召开会议4次。', '二、存在的不足和原因']);
    expect(doc.blocks[0]!.hint).toMatchObject({ allBold: true });
  });
});

describe('fixture helpers', () => {
  it('parse Chinese numerals and convert only numbers that continue the sequence', () => {
    expect(['一', '十', '十二', '二十', '二十三', '九十九', '零', '', '十十'].map(chineseNumeral)).toEqual([
      1,
      10,
      12,
      20,
      23,
      99,
      undefined,
      undefined,
      undefined,
    ]);
    const lines = parseReportLines('标题\n一、甲\n（一）乙\n（三）丙\n三、丁\n二、戊');
    expect(autoNumbering(lines).map((n) => n && `${n.level}:${n.text}`)).toEqual([undefined, '0:甲', '1:乙', undefined, undefined, '0:戊']);
  });
});
