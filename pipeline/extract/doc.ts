import { cleanBlockText, makeBlock } from './blocks.ts';
import type { ExtractedContent } from './blocks.ts';
import { rejectUnreadable } from './rejections.ts';

/**
 * Legacy Word .doc (OLE2 with a WordDocument stream) → one block per paragraph, via word-extractor. The format's
 * styles are not read, so there are no layout hints: the normaliser finds headings from the text.
 */

/** word-extractor's Document; its bundled types omit the options object. */
interface WordDocumentText {
  getBody(options?: { filterUnicode?: boolean }): string;
}

export async function extractDoc(bytes: Uint8Array): Promise<ExtractedContent> {
  let body: string;
  try {
    const { default: WordExtractor } = await import('word-extractor');
    const document = (await new WordExtractor().extract(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) as unknown as WordDocumentText;
    // filterUnicode:false keeps “ ” ‘ ’ — – as written instead of turning them into ASCII.
    body = document.getBody({ filterUnicode: false });
  } catch (error) {
    throw rejectUnreadable('Word (.doc)', error instanceof Error ? error.message : String(error));
  }
  const blocks = [];
  for (const line of body.split(/\r\n|\r|\n|\u2028|\u2029|\f|\v/)) {
    // Table cells arrive tab-separated on one line, like the HTML reader's table rows.
    const text = cleanBlockText(line);
    if (text) blocks.push(makeBlock(text));
  }
  return { blocks, warnings: [] };
}
