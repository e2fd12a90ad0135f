/**
 * A small, tolerant tokenizer for HTML and for the XML inside a .docx: tags with attributes, text, comments,
 * doctype/processing instructions (skipped, including a DOCTYPE's internal subset — no entity is ever defined or
 * expanded from it), CDATA, and HTML raw-text elements (script, style, …) whose content is never parsed as markup.
 * It never throws: anything that is not a well-formed tag is text.
 */

export type MarkupToken =
  | { type: 'open'; name: string; attrs: Record<string, string>; selfClosing: boolean }
  | { type: 'close'; name: string }
  /** `raw` is true for CDATA: no entity decoding. */
  | { type: 'text'; text: string; raw?: boolean }
  /** Content of an HTML raw-text element (script, style, title, …), for callers that want to skip it. */
  | { type: 'rawtext'; name: string; text: string };

export const HTML_RAW_TEXT_ELEMENTS = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript', 'iframe', 'noembed', 'noframes']);

export function* tokenizeMarkup(source: string, options: { html: boolean }): Generator<MarkupToken> {
  const { html } = options;
  const n = source.length;
  let i = 0;
  while (i < n) {
    const lt = source.indexOf('<', i);
    if (lt < 0) {
      yield { type: 'text', text: source.slice(i) };
      return;
    }
    if (lt > i) yield { type: 'text', text: source.slice(i, lt) };
    const next = source.charCodeAt(lt + 1);

    if (source.startsWith('<!--', lt)) {
      const end = source.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt + 9);
      yield { type: 'text', text: source.slice(lt + 9, end < 0 ? n : end), raw: true };
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (next === 0x21 /* ! */ || next === 0x3f /* ? */) {
      i = skipDeclaration(source, lt);
      continue;
    }
    if (next === 0x2f /* / */) {
      const match = /^<\/\s*([A-Za-z_][^\s/>]*)[^>]*>?/.exec(source.slice(lt, Math.min(n, lt + 256)));
      if (match) {
        yield { type: 'close', name: html ? match[1]!.toLowerCase() : match[1]! };
        i = lt + match[0].length;
        const end = source.indexOf('>', lt);
        if (!match[0].endsWith('>')) i = end < 0 ? n : end + 1;
        continue;
      }
      yield { type: 'text', text: '<' };
      i = lt + 1;
      continue;
    }
    if (!isNameStart(next)) {
      yield { type: 'text', text: '<' };
      i = lt + 1;
      continue;
    }

    let j = lt + 1;
    while (j < n && !isNameEnd(source.charCodeAt(j))) j++;
    const rawName = source.slice(lt + 1, j);
    const name = html ? rawName.toLowerCase() : rawName;
    const end = findTagEnd(source, j);
    const body = source.slice(j, end);
    const selfClosing = body.trimEnd().endsWith('/');
    yield { type: 'open', name, attrs: parseAttributes(body, html), selfClosing };
    i = end >= n ? n : end + 1;

    if (html && !selfClosing && HTML_RAW_TEXT_ELEMENTS.has(name)) {
      const closer = new RegExp(`</${name}\\s*>`, 'gi');
      closer.lastIndex = i;
      const found = closer.exec(source);
      const stop = found ? found.index : n;
      yield { type: 'rawtext', name, text: source.slice(i, stop) };
      if (found) yield { type: 'close', name };
      i = found ? found.index + found[0].length : n;
    }
  }
}

function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

function isNameEnd(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0c || code === 0x2f || code === 0x3e;
}

/** Index of the `>` closing a tag that starts before `from`, skipping quoted attribute values. */
function findTagEnd(source: string, from: number): number {
  let quote = 0;
  for (let k = from; k < source.length; k++) {
    const code = source.charCodeAt(k);
    if (quote) {
      if (code === quote) quote = 0;
    } else if (code === 0x22 || code === 0x27) {
      // A quote only opens a value right after `=` (possibly with spaces); stray quotes are ignored.
      let back = k - 1;
      while (back >= from && /\s/.test(source[back]!)) back--;
      if (source[back] === '=') quote = code;
    } else if (code === 0x3e) {
      return k;
    }
  }
  return source.length;
}

function skipDeclaration(source: string, lt: number): number {
  // <!DOCTYPE x [ … ]> may contain `>` inside its internal subset: skip to the `]` first.
  const close = source.indexOf('>', lt);
  const bracket = source.indexOf('[', lt);
  if (source.startsWith('<!DOCTYPE', lt) || source.startsWith('<!doctype', lt)) {
    if (bracket >= 0 && (close < 0 || bracket < close)) {
      const endSubset = source.indexOf(']', bracket);
      const after = endSubset < 0 ? -1 : source.indexOf('>', endSubset);
      return after < 0 ? source.length : after + 1;
    }
  }
  if (source.startsWith('<?', lt)) {
    const end = source.indexOf('?>', lt + 2);
    return end < 0 ? source.length : end + 2;
  }
  return close < 0 ? source.length : close + 1;
}

const ATTRIBUTE = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;

function parseAttributes(body: string, html: boolean): Record<string, string> {
  const attrs: Record<string, string> = {};
  if (!/[^\s/]/.test(body)) return attrs;
  ATTRIBUTE.lastIndex = 0;
  for (let match = ATTRIBUTE.exec(body); match; match = ATTRIBUTE.exec(body)) {
    const key = html ? match[1]!.toLowerCase() : match[1]!;
    attrs[key] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attrs;
}

/** The named entities that occur in Chinese government pages and Word exports; unknown names stay as written. */
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ensp: '\u2002',
  emsp: '\u2003',
  thinsp: '\u2009',
  ldquo: '\u201c',
  rdquo: '\u201d',
  lsquo: '\u2018',
  rsquo: '\u2019',
  laquo: '\u00ab',
  raquo: '\u00bb',
  mdash: '\u2014',
  ndash: '\u2013',
  hellip: '\u2026',
  middot: '\u00b7',
  bull: '\u2022',
  times: '\u00d7',
  divide: '\u00f7',
  plusmn: '\u00b1',
  deg: '\u00b0',
  permil: '\u2030',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  sect: '\u00a7',
  para: '\u00b6',
  yen: '\u00a5',
  cent: '\u00a2',
  pound: '\u00a3',
  euro: '\u20ac',
  zwnj: '\u200c',
  zwj: '\u200d',
  shy: '\u00ad',
  larr: '\u2190',
  rarr: '\u2192',
  uarr: '\u2191',
  darr: '\u2193',
  le: '\u2264',
  ge: '\u2265',
  ne: '\u2260',
  asymp: '\u2248',
  infin: '\u221e',
  radic: '\u221a',
  micro: '\u00b5',
  frac12: '\u00bd',
  frac14: '\u00bc',
  frac34: '\u00be',
  sup2: '\u00b2',
  sup3: '\u00b3',
  ordm: '\u00ba',
  rsaquo: '\u203a',
  lsaquo: '\u2039',
  prime: '\u2032',
  Prime: '\u2033',
  loz: '\u25ca',
  hearts: '\u2665',
};
/** Names HTML also accepts without the closing semicolon. */
const LEGACY_NO_SEMICOLON = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp']);

const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}))(;?)/g;

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined, semi: string) => {
    if (dec !== undefined || hex !== undefined) {
      const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\uFFFD';
      return String.fromCodePoint(code);
    }
    const value = NAMED_ENTITIES[name!];
    if (value === undefined || (!semi && !LEGACY_NO_SEMICOLON.has(name!))) return whole;
    return value;
  });
}
