import { describe, expect, it } from 'vitest';
import { fold, hanCount } from '../../../pipeline/text/fold.ts';
import { splitSentences } from '../../../pipeline/text/sentences.ts';

describe('fold()', () => {
  it('maps full-width forms to half-width one character for one, so offsets stay valid', () => {
    const text = '（一）培训３０余次，合格率１００％。';
    const folded = fold(text);
    expect(folded).toBe('(一)培训30余次,合格率100%。');
    expect(folded.length).toBe(text.length);
  });

  it('folds traditional characters and the ideographic space, copying everything else as it is', () => {
    // Prepare
    const text = '開展法治宣傳\u3000活動２場，abc。';
    // Act
    const folded = fold(text);
    // Assess
    expect(folded).toBe('开展法治宣传 活动2场,abc。');
    expect(fold('依法行政工作。')).toBe('依法行政工作。');
  });

  it('keeps characters outside the BMP whole and turns a lone surrogate into U+FFFD, one unit each', () => {
    // Prepare: 𠀀 (U+20000) is a surrogate pair; a lone high surrogate can come from a broken file or an HTML entity.
    const pair = '\u{20000}镇，调解３件';
    const lone = '调解\ud800３件，';
    // Act
    const foldedPair = fold(pair);
    const foldedLone = fold(lone);
    // Assess
    expect(foldedPair).toBe('\u{20000}镇,调解3件');
    expect(foldedLone).toBe('调解\ufffd3件,');
    expect(foldedLone.length).toBe(lone.length);
    expect(fold('调解\ud800件')).toBe('调解\ud800件');
  });

  it('counts Han characters, not punctuation or digits', () => {
    expect(hanCount('调解121件，成功率98.3%。')).toBe(6);
  });
});

describe('splitSentences()', () => {
  it('splits at 。；！？ keeping the mark and a closing quote, with offsets into the paragraph', () => {
    const paragraph = '一是加强培训；二是“规范执法。”三是完善制度！';
    const spans = splitSentences(paragraph, 100);
    expect(spans.map((s) => s.text)).toEqual(['一是加强培训；', '二是“规范执法。”', '三是完善制度！']);
    for (const span of spans) expect(paragraph.slice(span.offset - 100, span.offset - 100 + span.text.length)).toBe(span.text);
  });
});
