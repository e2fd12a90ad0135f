/**
 * DynamoDB item size as DynamoDB counts it: attribute names and string values in UTF-8 bytes (a Chinese character is
 * three), numbers by their significant digits, lists and maps with a few bytes of overhead. The local server counts
 * characters instead, so without this check an item that works locally is refused by AWS.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

function numberBytes(value: number): number {
  const digits = Math.abs(value).toExponential().replace(/e.*$/, '').replace('.', '').replace(/0+$/, '').length;
  return Math.min(21, Math.ceil(Math.max(1, digits) / 2) + 1);
}

export function attributeValueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(Number(value));
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + attributeValueBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + attributeValueBytes(v), 0);
  if (typeof value === 'object') {
    return (
      3 + Object.entries(value as Record<string, unknown>).reduce((sum, [k, v]) => (v === undefined ? sum : sum + 1 + utf8(k) + attributeValueBytes(v)), 0)
    );
  }
  throw new TypeError(`cannot size a ${typeof value} for DynamoDB`);
}

export function itemBytes(item: Record<string, unknown>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) total += utf8(name) + attributeValueBytes(value);
  return total;
}
