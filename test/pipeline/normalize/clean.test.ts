import { describe, expect, it } from 'vitest';
import { cleanBlockText, cleanBlocks } from '../../../pipeline/normalize/clean.ts';

describe('cleanBlockText()', () => {
  it('removes typographic spaces between Chinese characters and keeps a column gap as one space', () => {
    expect(cleanBlockText('关于2023年法治政府建设工作情况的 报 告').text).toBe('关于2023年法治政府建设工作情况的报告');
    expect(cleanBlockText('签发人：刘 兵').text).toBe('签发人：刘兵');
    expect(cleanBlockText('开展法律宣讲 20 余次').text).toBe('开展法律宣讲20余次');
    expect(cleanBlockText(' 中共临澜县望江镇委员会  临澜县望江镇人民政府').text).toBe('中共临澜县望江镇委员会 临澜县望江镇人民政府');
  });

  it('turns markdown into text plus layout hints', () => {
    const heading = cleanBlockText('#### **四、法治政府建设中存在的不足**');
    expect(heading).toEqual({ text: '四、法治政府建设中存在的不足', hint: { headingLevel: 4, leadingBold: '四、法治政府建设中存在的不足', allBold: true } });
    const runIn = cleanBlockText('**（二）落实清单制度。**全镇领导班子成员严格落实述法制度。');
    expect(runIn.text).toBe('（二）落实清单制度。全镇领导班子成员严格落实述法制度。');
    expect(runIn.hint.leadingBold).toBe('（二）落实清单制度。');
    expect(cleanBlockText('详见[通知](http://x.example/a)和![图](a.png)').text).toBe('详见通知和');
  });

  it('removes HTML debris and decodes entities', () => {
    expect(cleanBlockText('<p>依法&nbsp;行政<br/>&ldquo;三项制度&rdquo;</p>').text).toBe('依法行政“三项制度”');
  });
});

describe('cleanBlocks()', () => {
  it('joins a paragraph broken mid-sentence, even across a blank line', () => {
    const lines = cleanBlocks([
      { text: '（一）加强理论学习。全镇以集体学习、交流研讨等方式，深入学习贯彻党的二十大精神和习近平法' },
      { text: '' },
      { text: '治思想，及时传达学习会议精神。' },
    ]);
    expect(lines.map((l) => l.text)).toEqual([
      '（一）加强理论学习。全镇以集体学习、交流研讨等方式，深入学习贯彻党的二十大精神和习近平法治思想，及时传达学习会议精神。',
    ]);
  });

  it('never joins a heading, a title or an issuer line with what follows', () => {
    const lines = cleanBlocks([
      { text: '中共临澜县望江镇委员会 临澜县望江镇人民政府关于2024年法治政府建设情况的报告' },
      { text: '中共临澜县委、临澜县人民政府：' },
      { text: '一、2024年党政主要负责人履行推进法治建设第一责任人职责，加强法治政府建设的有关情况' },
      { text: '镇党委书记、镇长带头学法，全年主持专题会议4次。' },
    ]);
    expect(lines).toHaveLength(4);
  });

  it('rejoins thousands of broken lines into one paragraph (joined once, not re-read per line)', () => {
    const broken = Array.from({ length: 5000 }, () => ({ text: '全镇开展法治宣传活动和合法性审查工作落实会前学法和述法制度' }));
    const lines = cleanBlocks(broken);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.text.length).toBe(5000 * broken[0]!.text.length);
  });

  it('carries PDF pages through a join: the page turns where the second line began', () => {
    const lines = cleanBlocks([
      { text: '（一）加强理论学习。全镇以集体学习、交流研讨等方式深入学习贯彻党的二十大精神和习近平法', page: 3 },
      { text: '治思想，及时传达学习会议精神。', page: 4 },
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.page).toBe(3);
    expect(lines[0]!.pageBreaks).toEqual([{ at: '（一）加强理论学习。全镇以集体学习、交流研讨等方式深入学习贯彻党的二十大精神和习近平法'.length, page: 4 }]);
  });
});
