/** Text decoding: BOMs, declared charsets, BOM-less UTF-16, UTF-8, GB18030 vs Big5, and refusing mojibake. */
import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { canonicalLabel, decodeText, guessBomlessUtf16 } from '../../../pipeline/extract/decode.ts';
import { extractDocument } from '../../../pipeline/extract/index.ts';
import { isDocumentRejected } from '../../../pipeline/failure.ts';
import { big5Text } from '../../../scripts/make-format-fixtures.ts';

const SENTENCE = '望江镇坚持依法行政，全年调解纠纷56件，成功率96.4%。';

describe('decodeText', () => {
  it('uses a BOM and strips it', () => {
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SENTENCE)]))).toMatchObject({ text: SENTENCE, encoding: 'utf-8' });
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SENTENCE, 'utf16le')]))).toMatchObject({ text: SENTENCE, encoding: 'utf-16le' });
    const be = Buffer.from(SENTENCE, 'utf16le').swap16();
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toMatchObject({ text: SENTENCE, encoding: 'utf-16be' });
  });

  it('reads strict UTF-8 without a warning', () => {
    expect(decodeText(Buffer.from(SENTENCE))).toEqual({ text: SENTENCE, encoding: 'utf-8', warnings: [] });
  });

  it('reads GBK/GB18030, even very short texts where detectors guess Big5', () => {
    expect(decodeText(iconv.encode(SENTENCE, 'gbk'))).toMatchObject({ text: SENTENCE, encoding: 'gb18030' });
    expect(decodeText(iconv.encode('法治政府', 'gbk'))).toMatchObject({ text: '法治政府', encoding: 'gb18030' });
    // A character outside GBK, only in GB18030's four-byte range.
    expect(decodeText(iconv.encode('镇𠀀法治', 'gb18030')).text).toBe('镇𠀀法治');
  });

  it('reads Big5 when it clearly fits better', () => {
    const traditional = big5Text(SENTENCE.repeat(3));
    expect(decodeText(iconv.encode(traditional, 'big5'))).toMatchObject({ text: traditional, encoding: 'big5' });
  });

  it('reads BOM-less UTF-16 from its NUL pattern', () => {
    const text = `2024年度报告\n${SENTENCE}\n1. 2. 3.`;
    expect(guessBomlessUtf16(Buffer.from(text, 'utf16le'))).toBe('utf-16le');
    expect(decodeText(Buffer.from(text, 'utf16le'))).toMatchObject({ text, encoding: 'utf-16le' });
    expect(decodeText(Buffer.from(text, 'utf16le').swap16())).toMatchObject({ text, encoding: 'utf-16be' });
  });

  it('keeps UTF-8 with a stray broken byte, with a warning, instead of switching to GB18030 mojibake', () => {
    const bytes = Buffer.concat([Buffer.from(SENTENCE.repeat(20)), Buffer.from([0xe6, 0x20]), Buffer.from(SENTENCE.repeat(20))]);
    const decoded = decodeText(bytes);
    expect(decoded.encoding).toBe('utf-8');
    expect(decoded.warnings.map((w) => w.code)).toContain('encoding-replacements');
  });

  it('honours a declared charset that fits, and warns when it does not', () => {
    const gbk = iconv.encode(SENTENCE, 'gbk');
    expect(decodeText(gbk, 'GB2312')).toMatchObject({ text: SENTENCE, encoding: 'gb18030', warnings: [] });
    const misdeclared = decodeText(gbk, 'utf-8');
    expect(misdeclared.text).toBe(SENTENCE);
    expect(misdeclared.warnings.map((w) => w.code)).toContain('charset-mismatch');
  });

  it('refuses lossy or implausible decodings as encoding', () => {
    for (const bytes of [
      iconv.encode('法の支配と行政の透明性について報告いたします。'.repeat(4), 'shift_jis'),
      iconv.encode('법치 행정 보고서 입니다 주민 여러분'.repeat(5), 'euc-kr'),
    ]) {
      try {
        decodeText(bytes);
        expect.unreachable();
      } catch (error) {
        expect(isDocumentRejected(error) && error.code).toBe('encoding');
      }
    }
  });

  it('knows the usual charset labels', () => {
    expect(canonicalLabel('GBK')).toBe('gb18030');
    expect(canonicalLabel('gb2312')).toBe('gb18030');
    expect(canonicalLabel('UTF8')).toBe('utf-8');
    expect(canonicalLabel('big5')).toBe('big5');
    expect(canonicalLabel('no-such-charset')).toBeUndefined();
  });
});

describe('HTML charset', () => {
  it('honours <meta http-equiv content="…charset=gb2312">', async () => {
    const html = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body><p>${SENTENCE}</p><p>${SENTENCE}</p></body></html>`;
    const doc = await extractDocument(iconv.encode(html, 'gbk'));
    expect(doc).toMatchObject({ format: 'html', encoding: 'gb18030', blocks: [{ text: SENTENCE }, { text: SENTENCE }] });
  });

  it('decodes UTF-16 HTML with a BOM', async () => {
    const html = `<!DOCTYPE html><html><body><h1>报告</h1><p>${SENTENCE}</p></body></html>`;
    const doc = await extractDocument(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(html, 'utf16le')]));
    expect(doc).toMatchObject({ format: 'html', encoding: 'utf-16le' });
    expect(doc.blocks[0]).toEqual({ text: '报告', hint: { headingLevel: 1 } });
  });
});
