import { decodeEntities, tokenizeMarkup } from './markup.ts';
import type { MarkupToken } from './markup.ts';

/**
 * Word's automatic numbering, rendered back into text. Word turns a typed "一、" or "（一）" at the start of a paragraph
 * into list numbering, and mammoth drops list numbers, so without this the outline numbers the normaliser reads would
 * vanish. We scan word/document.xml for each paragraph's numbering (direct, or through its style), keep Word's
 * counters, and render the label ("一、", "（二）", "1.", "①") from numbering.xml's format and level text.
 */

interface Level {
  start: number;
  format: string;
  text: string;
  /** What follows the label: a tab (default), a space, or nothing. */
  suffix: string;
}

export interface Numbering {
  abstractOf(numId: string): string | undefined;
  level(numId: string, ilvl: number): Level | undefined;
  startOverride(numId: string, ilvl: number): number | undefined;
}

export interface ScannedParagraph {
  /** Text of the paragraph's runs (w:t, tabs), whitespace removed: the key used to find it again in mammoth's model. */
  key: string;
  styleId?: string;
  numId?: string;
  ilvl?: number;
}

function* xmlTokens(xml: Uint8Array | undefined): Generator<MarkupToken> {
  if (xml) yield* tokenizeMarkup(new TextDecoder().decode(xml), { html: false });
}

export function readNumbering(xml: Uint8Array | undefined): Numbering {
  const abstracts = new Map<string, Map<number, Level>>();
  const nums = new Map<string, { abstractId: string; overrides: Map<number, number> }>();
  let abstract: Map<number, Level> | undefined;
  let level: Level | undefined;
  let num: { abstractId: string; overrides: Map<number, number> } | undefined;
  let overrideLevel: number | undefined;
  for (const token of xmlTokens(xml)) {
    if (token.type === 'open') {
      const val = token.attrs['w:val'];
      switch (token.name) {
        case 'w:abstractNum':
          abstract = new Map();
          abstracts.set(token.attrs['w:abstractNumId'] ?? '', abstract);
          break;
        case 'w:lvl':
          level = { start: 1, format: 'decimal', text: '', suffix: 'tab' };
          if (abstract) abstract.set(Number(token.attrs['w:ilvl'] ?? 0), level);
          break;
        case 'w:start':
          if (level && val !== undefined) level.start = Number(val);
          break;
        case 'w:numFmt':
          if (level && val !== undefined) level.format = val;
          break;
        case 'w:lvlText':
          if (level && val !== undefined) level.text = val;
          break;
        case 'w:suff':
          if (level && val !== undefined) level.suffix = val;
          break;
        case 'w:num':
          num = { abstractId: '', overrides: new Map() };
          nums.set(token.attrs['w:numId'] ?? '', num);
          break;
        case 'w:abstractNumId':
          if (num && val !== undefined) num.abstractId = val;
          break;
        case 'w:lvlOverride':
          overrideLevel = Number(token.attrs['w:ilvl'] ?? 0);
          break;
        case 'w:startOverride':
          if (num && overrideLevel !== undefined && val !== undefined) num.overrides.set(overrideLevel, Number(val));
          break;
      }
      if (token.selfClosing && token.name === 'w:lvl') level = undefined;
    } else if (token.type === 'close') {
      if (token.name === 'w:abstractNum') abstract = undefined;
      else if (token.name === 'w:lvl') level = undefined;
      else if (token.name === 'w:num') num = undefined;
      else if (token.name === 'w:lvlOverride') overrideLevel = undefined;
    }
  }
  return {
    abstractOf: (numId) => nums.get(numId)?.abstractId,
    level: (numId, ilvl) => {
      const abstractId = nums.get(numId)?.abstractId;
      return abstractId === undefined ? undefined : abstracts.get(abstractId)?.get(ilvl);
    },
    startOverride: (numId, ilvl) => nums.get(numId)?.overrides.get(ilvl),
  };
}

/** Paragraph styles that carry numbering (w:style/w:pPr/w:numPr), with basedOn inheritance. */
export function readStyleNumbering(xml: Uint8Array | undefined): (styleId: string | undefined) => { numId: string; ilvl: number } | undefined {
  const own = new Map<string, { numId?: string; ilvl?: number; basedOn?: string }>();
  let current: { numId?: string; ilvl?: number; basedOn?: string } | undefined;
  for (const token of xmlTokens(xml)) {
    if (token.type === 'open') {
      const val = token.attrs['w:val'];
      if (token.name === 'w:style') {
        current = {};
        own.set(token.attrs['w:styleId'] ?? '', current);
      } else if (current && val !== undefined) {
        if (token.name === 'w:basedOn') current.basedOn = val;
        else if (token.name === 'w:numId') current.numId = val;
        else if (token.name === 'w:ilvl') current.ilvl = Number(val);
      }
    } else if (token.type === 'close' && token.name === 'w:style') {
      current = undefined;
    }
  }
  return (styleId) => {
    let ilvl: number | undefined;
    for (let id = styleId, depth = 0; id && depth < 20; depth++) {
      const style = own.get(id);
      if (!style) return undefined;
      ilvl ??= style.ilvl;
      if (style.numId !== undefined) return style.numId === '0' ? undefined : { numId: style.numId, ilvl: ilvl ?? 0 };
      id = style.basedOn;
    }
    return undefined;
  };
}

/** Every w:p of word/document.xml in document order, with its direct numbering and style. */
export function scanParagraphs(xml: Uint8Array | undefined): ScannedParagraph[] {
  const paragraphs: ScannedParagraph[] = [];
  const open: { paragraph: ScannedParagraph; text: string }[] = [];
  let inText = false;
  let inParagraphProperties = 0;
  for (const token of xmlTokens(xml)) {
    const current = open.at(-1);
    if (token.type === 'open') {
      const val = token.attrs['w:val'];
      switch (token.name) {
        case 'w:p': {
          const paragraph: ScannedParagraph = { key: '' };
          paragraphs.push(paragraph);
          if (!token.selfClosing) open.push({ paragraph, text: '' });
          break;
        }
        case 'w:pPr':
          if (!token.selfClosing) inParagraphProperties++;
          break;
        case 'w:pStyle':
          if (current && inParagraphProperties > 0 && val !== undefined) current.paragraph.styleId = val;
          break;
        case 'w:numId':
          if (current && inParagraphProperties > 0 && val !== undefined) current.paragraph.numId = val;
          break;
        case 'w:ilvl':
          if (current && inParagraphProperties > 0 && val !== undefined) current.paragraph.ilvl = Number(val);
          break;
        case 'w:t':
          inText = !token.selfClosing;
          break;
      }
    } else if (token.type === 'close') {
      if (token.name === 'w:t') inText = false;
      else if (token.name === 'w:pPr') inParagraphProperties = Math.max(0, inParagraphProperties - 1);
      else if (token.name === 'w:p') {
        const done = open.pop();
        if (done) done.paragraph.key = paragraphKey(done.text);
      }
    } else if (token.type === 'text' && inText && current) {
      current.text += token.raw ? token.text : decodeEntities(token.text);
    }
  }
  return paragraphs;
}

export function paragraphKey(text: string): string {
  return text.replace(/\s+/g, '');
}

/**
 * The label Word shows before each paragraph (undefined when it has none), keeping Word's counters: one set per
 * abstract numbering, a level's counter restarting whenever a higher level advances.
 */
export function listLabels(
  paragraphs: ScannedParagraph[],
  numbering: Numbering,
  styleNumbering: ReturnType<typeof readStyleNumbering>,
): (string | undefined)[] {
  const counters = new Map<string, (number | undefined)[]>();
  const seenNumIds = new Set<string>();
  return paragraphs.map((paragraph) => {
    const fromStyle = styleNumbering(paragraph.styleId);
    const numId = paragraph.numId ?? fromStyle?.numId;
    if (numId === undefined || numId === '0') return undefined;
    const ilvl = paragraph.ilvl ?? fromStyle?.ilvl ?? 0;
    const level = numbering.level(numId, ilvl);
    const abstractId = numbering.abstractOf(numId);
    if (!level || abstractId === undefined) return undefined;
    const values = counters.get(abstractId) ?? [];
    counters.set(abstractId, values);
    if (!seenNumIds.has(numId)) {
      seenNumIds.add(numId);
      for (let l = 0; l < 9; l++) {
        const override = numbering.startOverride(numId, l);
        if (override !== undefined) values[l] = override - 1;
      }
    }
    values[ilvl] = (values[ilvl] ?? level.start - 1) + 1;
    for (let deeper = ilvl + 1; deeper < 9; deeper++) values[deeper] = undefined;
    if (level.format === 'bullet' || level.format === 'none' || !level.text) return undefined;
    const label = level.text.replace(/%([1-9])/g, (_, digit: string) => {
      const at = Number(digit) - 1;
      const atLevel = numbering.level(numId, at);
      return formatNumber(values[at] ?? atLevel?.start ?? 1, atLevel?.format ?? 'decimal');
    });
    // "一、" and "（一）" end in punctuation and run straight into the text; "第一章" or "1" are followed by a space.
    return /\p{P}$/u.test(label) || level.suffix === 'nothing' ? label : `${label} `;
  });
}

const CHINESE_DIGITS = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const CHINESE_LEGAL = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const HEAVENLY_STEMS = '甲乙丙丁戊己庚辛壬癸';
const EARTHLY_BRANCHES = '子丑寅卯辰巳午未申酉戌亥';

function chineseNumber(n: number, digits: string[], ten: string): string {
  if (n <= 0 || n >= 100) return String(n);
  if (n < 10) return digits[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : digits[tens]}${ten}${ones === 0 ? '' : digits[ones]}`;
}

function letters(n: number, base: string): string {
  let out = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) out = String.fromCharCode(base.charCodeAt(0) + ((k - 1) % 26)) + out;
  return out;
}

function roman(n: number): string {
  const table: [number, string][] = [
    [1000, 'M'],
    [900, 'CM'],
    [500, 'D'],
    [400, 'CD'],
    [100, 'C'],
    [90, 'XC'],
    [50, 'L'],
    [40, 'XL'],
    [10, 'X'],
    [9, 'IX'],
    [5, 'V'],
    [4, 'IV'],
    [1, 'I'],
  ];
  let out = '';
  let rest = n;
  for (const [value, symbol] of table) while (rest >= value) [out, rest] = [out + symbol, rest - value];
  return out;
}

/** A counter value in one of Word's number formats (w:numFmt). Unknown formats fall back to decimal. */
export function formatNumber(n: number, format: string): string {
  switch (format) {
    case 'chineseCounting':
    case 'chineseCountingThousand':
    case 'japaneseCounting':
    case 'taiwaneseCounting':
    case 'taiwaneseCountingThousand':
    case 'ideographDigital':
      return chineseNumber(n, CHINESE_DIGITS, '十');
    case 'chineseLegalSimplified':
      return chineseNumber(n, CHINESE_LEGAL, '拾');
    case 'ideographTraditional':
      return HEAVENLY_STEMS[(n - 1) % 10] ?? String(n);
    case 'ideographZodiac':
      return EARTHLY_BRANCHES[(n - 1) % 12] ?? String(n);
    case 'decimalEnclosedCircle':
    case 'decimalEnclosedCircleChinese':
    case 'ideographEnclosedCircle':
      return n >= 1 && n <= 20 ? String.fromCodePoint(0x2460 + n - 1) : String(n);
    case 'decimalEnclosedParen':
      return n >= 1 && n <= 20 ? String.fromCodePoint(0x2474 + n - 1) : `(${n})`;
    case 'decimalEnclosedFullstop':
      return n >= 1 && n <= 20 ? String.fromCodePoint(0x2488 + n - 1) : `${n}.`;
    case 'decimalFullWidth':
    case 'decimalFullWidth2':
      return String(n).replace(/\d/g, (d) => String.fromCodePoint(0xff10 + Number(d)));
    case 'decimalZero':
      return String(n).padStart(2, '0');
    case 'upperLetter':
      return letters(n, 'A');
    case 'lowerLetter':
      return letters(n, 'a');
    case 'upperRoman':
      return roman(n);
    case 'lowerRoman':
      return roman(n).toLowerCase();
    default:
      return String(n);
  }
}
