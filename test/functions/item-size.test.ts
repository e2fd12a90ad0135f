import { describe, expect, it } from 'vitest';
import { INLINE_RESULT_LIMIT_BYTES, MAX_ITEM_BYTES } from '../../schemas/storage.ts';
import { attributeValueBytes, itemBytes } from '../../functions/aws/item-size.ts';
import { layoutScoreItem } from '../../functions/score/score.ts';

const base = {
  pk: 'CY#2024#临澜县',
  sk: 'SCORE#fazhi-2024@2024.1.0#reports/2024/临澜县/望江镇.docx',
  kind: 'score' as const,
  sourceKey: 'reports/2024/临澜县/望江镇.docx',
  uploadId: 'fedcba9876543210',
  reportId: '0123456789abcdef',
  year: 2024,
  county: '临澜县',
  township: '望江镇',
  rubric: { id: 'fazhi-2024', version: '2024.1.0', sha256: 'a'.repeat(64) },
  sequencer: '0'.repeat(32),
  gsi1pk: 'Y#2024#fazhi-2024@2024.1.0',
  gsi1sk: 95.5,
  total: 95.5,
  max: 100,
  grade: '优秀',
  scoredAt: '2025-04-01T00:00:00.000Z',
};

describe('DynamoDB item size in UTF-8 bytes', () => {
  it('counts a Chinese character as three bytes, in names and values', () => {
    expect(attributeValueBytes('法治')).toBe(6);
    expect(itemBytes({ 县: '临澜县' })).toBe(3 + 9);
  });

  it('counts numbers, lists, maps and sets', () => {
    expect(attributeValueBytes(95.5)).toBeLessThanOrEqual(21);
    expect(attributeValueBytes(true)).toBe(1);
    expect(attributeValueBytes(['ab', 'c'])).toBe(3 + (1 + 2) + (1 + 1));
    expect(attributeValueBytes({ a: 'xy' })).toBe(3 + 1 + 1 + 2);
    expect(attributeValueBytes(new Set(['ab', 'cde']))).toBe(5);
  });

  it('sees that 140 000 Chinese characters are over 400 KB although under 400 000 characters', () => {
    const text = '法'.repeat(140_000);
    expect(text.length).toBeLessThan(MAX_ITEM_BYTES);
    expect(itemBytes({ pk: 'x', text })).toBeGreaterThan(MAX_ITEM_BYTES);
  });
});

describe('layoutScoreItem', () => {
  it('keeps a normal result inline', () => {
    const { item, offloaded } = layoutScoreItem(base, JSON.stringify({ total: 95.5 }), 'sig', 'scores/x.json');
    expect(offloaded).toBe(false);
    expect(item).toMatchObject({ result: '{"total":95.5}', signature: 'sig' });
    expect(item.resultKey).toBeUndefined();
  });

  it('moves a result over the inline limit in UTF-8 bytes to S3, even when its character count is under it', () => {
    const json = JSON.stringify({ evidence: '证'.repeat(110_000) });
    expect(json.length).toBeLessThan(INLINE_RESULT_LIMIT_BYTES);
    const { item, offloaded } = layoutScoreItem(base, json, 'sig', 'scores/0123456789abcdef/fazhi-2024@2024.1.0.json');
    expect(offloaded).toBe(true);
    expect(item.result).toBeUndefined();
    expect(item.resultKey).toBe('scores/0123456789abcdef/fazhi-2024@2024.1.0.json');
    expect(itemBytes(item)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
  });

  it('moves the result out when result and signature together would pass 400 KB, and drops a signature too big on its own', () => {
    const json = JSON.stringify({ evidence: 'x'.repeat(250_000) });
    const signature = 's'.repeat(200_000);
    expect(layoutScoreItem(base, json, signature, 'scores/k.json')).toMatchObject({ offloaded: true, item: { signature } });
    const huge = layoutScoreItem(base, json, 's'.repeat(MAX_ITEM_BYTES), 'scores/k.json');
    expect(huge.item.signature).toBeUndefined();
    expect(itemBytes(huge.item)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
  });
});
