/**
 * Sentences are the unit of evidence: a point cites the sentence that earned it. A sentence ends at 。！？；(and their
 * half-width forms), keeping the mark; a closing quote or bracket right after the mark stays with the sentence.
 */

export interface SentenceSpan {
  text: string;
  /** Offset of the sentence in the text the paragraph came from. */
  offset: number;
}

const END = new Set(['。', '！', '？', '；', '!', '?', ';']);
const CLOSERS = new Set(['”', '’', '」', '』', '）', ')', '"', '】']);

export function splitSentences(paragraph: string, baseOffset: number): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  let start = 0;
  for (let i = 0; i < paragraph.length; i++) {
    if (!END.has(paragraph[i] ?? '')) continue;
    let end = i + 1;
    while (end < paragraph.length && CLOSERS.has(paragraph[end] ?? '')) end++;
    push(spans, paragraph, start, end, baseOffset);
    start = end;
    i = end - 1;
  }
  push(spans, paragraph, start, paragraph.length, baseOffset);
  return spans;
}

function push(spans: SentenceSpan[], paragraph: string, start: number, end: number, baseOffset: number): void {
  let from = start;
  while (from < end && /\s/u.test(paragraph[from] ?? '')) from++;
  let to = end;
  while (to > from && /\s/u.test(paragraph[to - 1] ?? '')) to--;
  if (to > from) spans.push({ text: paragraph.slice(from, to), offset: baseOffset + from });
}
