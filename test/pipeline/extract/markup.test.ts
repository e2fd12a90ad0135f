/** The HTML, markdown and plain-text readers on small hand-written inputs. */
import { describe, expect, it } from 'vitest';
import { htmlToBlocks, looksLikeHtml, sniffHtmlCharset } from '../../../pipeline/extract/html.ts';
import { decodeEntities, tokenizeMarkup } from '../../../pipeline/extract/markup.ts';
import { looksLikeMarkdown, markdownToBlocks, plainTextToBlocks, stripInline } from '../../../pipeline/extract/text.ts';

describe('tokenizeMarkup', () => {
  it('reads tags, attributes in all quoting styles, and self-closing tags', () => {
    const tokens = [...tokenizeMarkup(`<P Class="a b" data-x='1 > 2' hidden align=center>text<br/></p>`, { html: true })];
    expect(tokens).toEqual([
      { type: 'open', name: 'p', attrs: { class: 'a b', 'data-x': '1 > 2', hidden: '', align: 'center' }, selfClosing: false },
      { type: 'text', text: 'text' },
      { type: 'open', name: 'br', attrs: {}, selfClosing: true },
      { type: 'close', name: 'p' },
    ]);
  });

  it('skips comments, doctypes with internal subsets and processing instructions, and keeps CDATA raw', () => {
    const tokens = [...tokenizeMarkup('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "<b>">]><!-- <p>no</p> --><x><![CDATA[a<b>&amp;]]></x>', { html: false })];
    expect(tokens).toEqual([
      { type: 'open', name: 'x', attrs: {}, selfClosing: false },
      { type: 'text', text: 'a<b>&amp;', raw: true },
      { type: 'close', name: 'x' },
    ]);
  });

  it('never parses markup inside script or style, and treats stray < as text', () => {
    const tokens = [...tokenizeMarkup('<script>if (a < b) document.write("<p>x</p>")</script>a < b <3', { html: true })];
    expect(tokens.filter((t) => t.type === 'open').map((t) => t.type === 'open' && t.name)).toEqual(['script']);
    expect(
      tokens
        .filter((t) => t.type === 'text')
        .map((t) => t.type === 'text' && t.text)
        .join(''),
    ).toBe('a < b <3');
  });

  it('survives unterminated constructs', () => {
    for (const source of ['<p', '<!-- never closed', '<![CDATA[open', '<a href="x', '</', '<script>alert(1)']) {
      expect(() => [...tokenizeMarkup(source, { html: true })]).not.toThrow();
    }
  });

  it('decodes named and numeric entities, and leaves unknown ones alone', () => {
    expect(decodeEntities('&ldquo;法治&rdquo;&nbsp;&#20013;&#x56FD;&amp;&lt;&unknown;&copy')).toBe('\u201c法治\u201d\u00a0中国&<&unknown;&copy');
    expect(decodeEntities('&#0;&#xD800;&#x110000;')).toBe('\uFFFD\uFFFD\uFFFD');
  });
});

describe('htmlToBlocks', () => {
  it('makes one block per block element and per <br>, with heading levels', () => {
    const blocks = htmlToBlocks('<h1>标题</h1><div>第一段<br>第二行</div><p>第三段 <span>续</span></p><h3 class="x">小节</h3>');
    expect(blocks).toEqual([
      { text: '标题', hint: { headingLevel: 1 } },
      { text: '第一段' },
      { text: '第二行' },
      { text: '第三段 续' },
      { text: '小节', hint: { headingLevel: 3 } },
    ]);
  });

  it('gives leadingBold for a bold run-in head and allBold for a bold paragraph', () => {
    const blocks = htmlToBlocks(
      '<p><strong>（一）加强理论学习。</strong>镇党委全年学习12次。</p><p><b>二、存在的不足</b></p><p><span style="font-weight:700">一是</span>基础薄弱。</p>',
    );
    expect(blocks).toEqual([
      { text: '（一）加强理论学习。镇党委全年学习12次。', hint: { leadingBold: '（一）加强理论学习。' } },
      { text: '二、存在的不足', hint: { allBold: true } },
      { text: '一是基础薄弱。', hint: { leadingBold: '一是' } },
    ]);
  });

  it('reads centring and CSS font sizes', () => {
    const blocks = htmlToBlocks(
      '<p style="text-align: center"><span style="font-size:22pt">报告</span></p><center>落款</center><p align="center" style="font-size:16px">日期</p>',
    );
    expect(blocks).toEqual([
      { text: '报告', hint: { centered: true, fontSize: 22 } },
      { text: '落款', hint: { centered: true } },
      { text: '日期', hint: { centered: true, fontSize: 12 } },
    ]);
  });

  it('drops script, style, title, nav, hidden elements and comments', () => {
    const html =
      '<html><head><title>站点</title><style>p{}</style></head><body><nav>首页</nav><script>x()</script><!-- c --><p style="display:none">隐藏</p><p hidden>也隐藏</p><p>正文</p></body></html>';
    expect(htmlToBlocks(html)).toEqual([{ text: '正文' }]);
  });

  it('merges a short table row into one tab-separated block and keeps layout tables apart', () => {
    expect(htmlToBlocks('<table><tr><th>项目</th><th>数量</th></tr><tr><td><p>调解纠纷</p></td><td>56件</td></tr></table>')).toEqual([
      { text: '项目\t数量' },
      { text: '调解纠纷\t56件' },
    ]);
    const layout = '<table><tr><td><table><tr><td>导航</td></tr></table></td><td><p>第一段正文。</p><p>第二段正文。</p></td></tr></table>';
    expect(htmlToBlocks(layout).map((b) => b.text)).toEqual(['导航', '第一段正文。', '第二段正文。']);
  });

  it('copes with tag soup: unclosed <p>, <li> and <td>, stray closers', () => {
    const blocks = htmlToBlocks('<p>一<p>二</span><ul><li>三<li>四</ul><table><tr><td>五<td>六<tr><td>七</table></div>');
    expect(blocks.map((b) => b.text)).toEqual(['一', '二', '三', '四', '五\t六', '七']);
  });

  it('collapses whitespace except inside <pre>, where lines stay blocks', () => {
    expect(htmlToBlocks('<p>  法治\n   政府  </p><pre>第一行\n第二行</pre>')).toEqual([{ text: '法治 政府' }, { text: '第一行' }, { text: '第二行' }]);
  });

  it('recognises HTML documents and fragments, and their declared charset', () => {
    expect(looksLikeHtml('<!DOCTYPE html><html>')).toBe(true);
    expect(looksLikeHtml('  <html lang="zh">')).toBe(true);
    expect(looksLikeHtml('<p>一</p><p>二</p>')).toBe(true);
    expect(looksLikeHtml('<!-- saved from url=(0014)about:internet -->\r\n<html>')).toBe(true);
    expect(looksLikeHtml('一、报告中提到 <p> 标签')).toBe(false);
    expect(sniffHtmlCharset(Buffer.from('<meta charset="GBK">'))).toBe('GBK');
    expect(sniffHtmlCharset(Buffer.from('<meta http-equiv="content-type" content="text/html;charset=gb2312" />'))).toBe('gb2312');
    expect(sniffHtmlCharset(Buffer.from('<p>no meta</p>'))).toBeUndefined();
  });
});

describe('htmlToBlocks: title hints', () => {
  it('marks a short class="title" paragraph as the title, but never a long one (an opening paragraph styled as a title)', () => {
    const opening = `2024年，望江镇坚持以习近平法治思想为指导，${'扎实推进法治政府建设各项工作，'.repeat(20)}现将我镇有关情况报告如下：`;
    const blocks = htmlToBlocks(
      `<p class="title">临澜县望江镇2024年法治政府建设情况报告</p><p class="title">${opening}</p><div class="title main">短标题</div>`,
    );
    expect(blocks.map((b) => [b.text.length > 80 ? 'long' : b.text, b.hint?.title ?? false])).toEqual([
      ['临澜县望江镇2024年法治政府建设情况报告', true],
      ['long', false],
      ['短标题', true],
    ]);
  });
});

describe('markdownToBlocks', () => {
  it('turns # headings into heading levels and strips the marks', () => {
    expect(markdownToBlocks('# 标题 #\n\n## 一、主要举措\n###### 六级\n#没有空格')).toEqual([
      { text: '标题', hint: { headingLevel: 1 } },
      { text: '一、主要举措', hint: { headingLevel: 2 } },
      { text: '六级', hint: { headingLevel: 6 } },
      { text: '#没有空格' },
    ]);
  });

  it('reads setext headings and drops thematic breaks', () => {
    expect(markdownToBlocks('报告\n===\n\n一、举措\n---\n\n正文\n\n***\n')).toEqual([
      { text: '报告', hint: { headingLevel: 1 } },
      { text: '一、举措', hint: { headingLevel: 2 } },
      { text: '正文' },
    ]);
  });

  it('gives leadingBold for a **run-in head** and allBold for a bold line', () => {
    expect(markdownToBlocks('**（一）加强学习。**全年学习*12*次。\n**二、不足**')).toEqual([
      { text: '（一）加强学习。全年学习12次。', hint: { leadingBold: '（一）加强学习。' } },
      { text: '二、不足', hint: { allBold: true } },
    ]);
  });

  it('strips emphasis, links, images, code, inline HTML and bullets but keeps numbered-list numbers', () => {
    const md = '- 见[通知](http://x.gov.cn)和![图](a.png)`代码`\n* ~~删除~~ __强调__ _斜体_\n1. 第一项\n> 引用<br>文字\n[ref]: http://example.com\n\\*星号\\*';
    expect(markdownToBlocks(md).map((b) => b.text)).toEqual(['见通知和代码', '删除 强调 斜体', '1. 第一项', '引用文字', '*星号*']);
  });

  it('keeps code-fence content as text and drops the fences', () => {
    expect(markdownToBlocks('```text\n# 不是标题\n```\n正文').map((b) => [b.text, b.hint?.headingLevel])).toEqual([
      ['# 不是标题', undefined],
      ['正文', undefined],
    ]);
  });

  it('turns table rows into tab-separated blocks without the separator row', () => {
    expect(markdownToBlocks('| 项目 | 数量 |\n|---|:---:|\n| 调解纠纷 | 56件 |').map((b) => b.text)).toEqual(['项目\t数量', '调解纠纷\t56件']);
  });

  it('is told apart from plain text', () => {
    expect(looksLikeMarkdown('# 标题\n正文')).toBe(true);
    expect(looksLikeMarkdown('**一、** 正文\n| a | b |\n|---|---|')).toBe(true);
    expect(looksLikeMarkdown('一、主要举措\n（一）加强学习。全年*重点*工作 3*4=12。\n- 横线开头的一行')).toBe(false);
  });

  it('stripInline leaves snake_case and lone asterisks alone', () => {
    expect(stripInline('file_name_x 与 3 * 4 = 12')).toBe('file_name_x 与 3 * 4 = 12');
  });
});

describe('plainTextToBlocks', () => {
  it('makes one block per non-empty line, never merging, and marks indentation', () => {
    const text = '标题\r\n\r\n\u3000\u3000第一段开头\n接着的一行\n  两个空格\n\t制表符\n\f第二页';
    expect(plainTextToBlocks(text)).toEqual([
      { text: '标题' },
      { text: '第一段开头', hint: { indented: true } },
      { text: '接着的一行' },
      { text: '两个空格', hint: { indented: true } },
      { text: '制表符', hint: { indented: true } },
      { text: '第二页' },
    ]);
  });

  it('removes invisible characters but keeps the text', () => {
    expect(plainTextToBlocks('\ufeff法\u200b治\u0007政府')).toEqual([{ text: '法治政府' }]);
  });
});
