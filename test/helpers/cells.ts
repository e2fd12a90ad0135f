import type ExcelJS from 'exceljs';

/**
 * A cell's text as a reader sees it, for tests reading workbooks with exceljs: rich-text runs joined, a formula's
 * cached result, a hyperlink's text, an error's code, numbers and booleans as String() writes them, '' when empty.
 * (String(value) would print '[object Object]' for the rich-text and formula cells a re-saved workbook may hold.)
 */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('error' in value) return value.error;
  if ('hyperlink' in value) return value.text;
  return cellText(value.result);
}
