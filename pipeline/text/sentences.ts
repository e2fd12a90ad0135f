/**
 * Sentences are the unit of evidence: a point cites the sentence that earned it. A sentence ends at 。！？；(and their
 * half-width forms), keeping the mark; a closing quote or bracket right after the mark stays with the sentence.
 *
 * A "sentence" is also bounded in length: text that runs on without a sentence end (a table pasted as one line, a
 * hostile upload) is cut at a clause break before MAX_SENTENCE_CHARS, or hard at the limit, so that no work done per
 * sentence (keyword coverage, pattern windows, skeletons) can grow with the length of the whole text.
 */

export interface SentenceSpan {
  text: string;
  /** Offset of the sentence in the text the paragraph came from. */
  offset: number;
}

/**
 * Longest sentence kept whole (characters). The longest real sentences in the seed reports run to ~250 characters
 * (long enumerations of measures); a run four times as long has no sentence structure left to cite.
 */
export const MAX_SENTENCE_CHARS = 1000;

/** Where an over-long run is preferably cut: a clause break in the last quarter before the limit. */
const CLAUSE_BREAKS = new Set(['，', ',', '、', '：', ':']);

/** 。！？；!?; (compared as UTF-16 units: this runs on every character of every report). */
const isEnd = (code: number): boolean =>
  code === 0x3002 || code === 0xff01 || code === 0xff1f || code === 0xff1b || code === 0x21 || code === 0x3f || code === 0x3b;
/** ”’」』）)"】 */
const isCloser = (code: number): boolean =>
  code === 0x201d || code === 0x2019 || code === 0x300d || code === 0x300f || code === 0xff09 || code === 0x29 || code === 0x22 || code === 0x3011;

export function splitSentences(paragraph: string, baseOffset: number): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  let start = 0;
  for (let i = 0; i < paragraph.length; i++) {
    if (i - start >= MAX_SENTENCE_CHARS) {
      const cut = clauseCut(paragraph, start, i);
      push(spans, paragraph, start, cut, baseOffset);
      start = cut;
    }
    if (!isEnd(paragraph.charCodeAt(i))) continue;
    let end = i + 1;
    while (end < paragraph.length && isCloser(paragraph.charCodeAt(end))) end++;
    push(spans, paragraph, start, end, baseOffset);
    start = end;
    i = end - 1;
  }
  push(spans, paragraph, start, paragraph.length, baseOffset);
  return spans;
}

/** The end of a cut sentence that starts at `start` and has reached `limit`: after the last clause break in its last quarter. */
function clauseCut(paragraph: string, start: number, limit: number): number {
  for (let k = limit; k > start + (MAX_SENTENCE_CHARS * 3) / 4; k--) {
    if (CLAUSE_BREAKS.has(paragraph[k - 1] ?? '')) return k;
  }
  return limit;
}

function push(spans: SentenceSpan[], paragraph: string, start: number, end: number, baseOffset: number): void {
  let from = start;
  while (from < end && /\s/u.test(paragraph[from] ?? '')) from++;
  let to = end;
  while (to > from && /\s/u.test(paragraph[to - 1] ?? '')) to--;
  if (to > from) spans.push({ text: paragraph.slice(from, to), offset: baseOffset + from });
}
