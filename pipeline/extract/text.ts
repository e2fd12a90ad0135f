import type { Block } from '../../schemas/extracted.ts';
import { cleanBlockText, makeBlock } from './blocks.ts';
import { decodeEntities } from './markup.ts';

/**
 * Plain text and markdown → blocks, one per line. Lines are neither merged nor interpreted here (the normaliser
 * rejoins hard-wrapped lines and finds headings); only the line's leading indentation is kept, as `indented`.
 */

const LINE_BREAK = /\r\n|\r|\n|\u2028|\u2029|\f|\v/;

/** Leading indentation that marks a paragraph start: a full-width space, a tab or at least two spaces. */
function isIndented(line: string): boolean {
  const lead = /^[ \t\u00a0\u3000]*/.exec(line)![0];
  return lead.includes('\u3000') || lead.includes('\t') || lead.length >= 2;
}

export function splitLines(text: string): string[] {
  return text.split(LINE_BREAK);
}

export function plainTextToBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  for (const line of splitLines(text)) {
    const clean = cleanBlockText(line);
    if (clean) blocks.push(makeBlock(clean, { indented: isIndented(line) }));
  }
  return blocks;
}

const ATX_HEADING = /^\s{0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_1 = /^\s{0,3}=+\s*$/;
const SETEXT_2 = /^\s{0,3}-+\s*$/;
const THEMATIC_BREAK = /^\s{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
const LINK_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*\S+/;
const BULLET = /^(\s*)[-*+][ \t]+(\[[ xX]\][ \t]+)?/;
const BLOCKQUOTE = /^\s{0,3}(>[ \t]?)+/;

/**
 * Markdown → blocks, one per line: `#` headings give `headingLevel`, a leading `**…**` gives `leadingBold` (or
 * `allBold`), and emphasis, links, images, code fences, table pipes and bullet markers are removed while the text is
 * kept. Numbered-list numbers are kept: in a Chinese report "1." is part of the outline the normaliser reads.
 */
export function markdownToBlocks(text: string): Block[] {
  const lines = splitLines(text);
  const blocks: Block[] = [];
  let fence: string | undefined;
  let inTable = false;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!;
    const fenceMatch = FENCE.exec(raw);
    if (fence !== undefined) {
      if (fenceMatch && fenceMatch[1]!.startsWith(fence)) fence = undefined;
      else pushLine(blocks, raw, {});
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1]!.slice(0, 3);
      continue;
    }
    if (!raw.trim()) {
      inTable = false;
      continue;
    }
    if (THEMATIC_BREAK.test(raw) && !(SETEXT_2.test(raw) && index > 0 && lines[index - 1]!.trim())) continue;
    if (LINK_DEFINITION.test(raw) || SETEXT_1.test(raw) || SETEXT_2.test(raw) || TABLE_SEPARATOR.test(raw)) continue;

    const next = lines[index + 1] ?? '';
    if (!inTable && raw.includes('|') && TABLE_SEPARATOR.test(next) && next.includes('-')) inTable = true;
    if (inTable && raw.includes('|')) {
      const cells = raw
        .trim()
        .replace(/^\|/, '')
        .replace(/(?<!\\)\|$/, '')
        .split(/(?<!\\)\|/);
      const row = cells
        .map((cell) => stripInline(cell).trim())
        .filter((cell) => cell.length > 0)
        .join('\t');
      pushLine(blocks, row, {});
      continue;
    }
    inTable = false;

    const heading = ATX_HEADING.exec(raw);
    if (heading) {
      pushLine(blocks, stripInline(heading[2] ?? ''), { headingLevel: heading[1]!.length });
      continue;
    }
    if (SETEXT_1.test(next) || (SETEXT_2.test(next) && !BULLET.test(raw))) {
      pushLine(blocks, stripInline(raw), { headingLevel: SETEXT_1.test(next) ? 1 : 2 });
      continue;
    }

    const indented = isIndented(raw);
    const content = raw.replace(BLOCKQUOTE, '').replace(BULLET, '$1');
    const bold = /^\s*(\*\*|__)(.+?)\1/.exec(content);
    if (bold) {
      const whole = content.trim() === bold[0].trim();
      const lead = stripInline(bold[2]!).trim();
      pushLine(blocks, stripInline(content), whole ? { allBold: true, indented } : { leadingBold: lead, indented });
    } else {
      pushLine(blocks, stripInline(content), { indented });
    }
  }
  return blocks;
}

function pushLine(blocks: Block[], text: string, hint: Parameters<typeof makeBlock>[1]): void {
  const clean = cleanBlockText(text);
  if (clean) blocks.push(makeBlock(clean, hint));
}

// Escaped markdown characters are parked in the private-use area while the inline syntax is stripped.
const ESCAPABLE = '\\`*_{}[]()#+-.!|~<>';
const PARK_BASE = 0xe000;

/** Removes inline markdown (emphasis, code, links, images, inline HTML) and keeps the text. */
export function stripInline(text: string): string {
  let out = text.replace(/\\(.)/g, (whole, char: string) => {
    const at = ESCAPABLE.indexOf(char);
    return at < 0 ? whole : String.fromCharCode(PARK_BASE + at);
  });
  out = out
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/!\[[^\]]*\]\[[^\]]*\]/g, '')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<(https?:\/\/[^>\s]+)>/g, '$1')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<\/?[A-Za-z][^>]*>/g, '')
    .replace(/(`+)(.+?)\1/g, '$2')
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '$1')
    .replace(/\*(?=\S)(.+?)(?<=\S)\*/g, '$1')
    .replace(/(^|[^\p{L}\p{N}_])_(?=\S)(.+?)(?<=\S)_(?![\p{L}\p{N}_])/gu, '$1$2');
  out = decodeEntities(out);
  return out.replace(/[\ue000-\ue013]/g, (char) => ESCAPABLE[char.charCodeAt(0) - PARK_BASE]!);
}

/** Whether decoded text is markdown rather than plain text: needs real markdown syntax, not just a stray `*`. */
export function looksLikeMarkdown(text: string): boolean {
  let score = 0;
  const lines = splitLines(text.slice(0, 64 * 1024)).slice(0, 400);
  for (let index = 0; index < lines.length && score < 2; index++) {
    const line = lines[index]!;
    if (/^\s{0,3}#{1,6}[ \t]+\S/.test(line)) score += 2;
    else if (FENCE.test(line) || (TABLE_SEPARATOR.test(line) && line.includes('|'))) score += 2;
    else if (/^\s*(\*\*|__)\S.*?\S?\1/.test(line)) score += 1;
    else if (/\[[^\]]+\]\([^)\s]+\)/.test(line)) score += 1;
    else if (/^\s*[-*+][ \t]+\S/.test(line)) score += 0.5;
  }
  return score >= 2;
}
