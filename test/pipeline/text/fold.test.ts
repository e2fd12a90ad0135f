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
