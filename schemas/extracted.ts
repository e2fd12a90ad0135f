import { z } from 'zod';

/**
 * What the extract stage hands to the normalise stage: the document's text as blocks (paragraph-sized runs in reading
 * order) with the layout hints the file format offered. Nothing here is interpreted yet; the normaliser decides what
 * is a heading, a title or a broken line.
 */

/** Formats recognised from a file's bytes (magic numbers and content), never from its name alone. */
export const DocumentFormat = z.enum(['docx', 'doc', 'pdf', 'html', 'md', 'txt']);
export type DocumentFormat = z.infer<typeof DocumentFormat>;

export const BlockHint = z
  .object({
    /** A real heading in the source (Word heading style, HTML <h1>…<h6>, markdown #): 1 is the highest level. */
    headingLevel: z.number().int().min(1).max(6).optional(),
    /** The document's title (Word "Title" style, the largest font on a PDF's first page). */
    title: z.boolean().optional(),
    /** Bold text at the start of the block, e.g. a run-in head "健全领导机制。" set in bold. */
    leadingBold: z.string().optional(),
    /** The whole block is bold (a faked heading in Word). */
    allBold: z.boolean().optional(),
    /** Font size in points, where the format knows it (PDF, docx runs): large text hints at headings. */
    fontSize: z.number().positive().optional(),
    /** Centered text (titles, addressees in PDFs and Word). */
    centered: z.boolean().optional(),
    /**
     * The line began with indentation (a full-width space, a tab or two spaces) — in hard-wrapped plain text the usual
     * mark of a new paragraph, which the normaliser needs to rejoin broken lines. Set for plain text and markdown only.
     */
    indented: z.boolean().optional(),
  })
  .strict();
export type BlockHint = z.infer<typeof BlockHint>;

/** Where a later page begins inside a block: after `at` non-space characters of its text, page `page` starts. */
export const PageBreak = z
  .object({
    at: z.number().int().nonnegative(),
    page: z.number().int().positive(),
  })
  .strict();
export type PageBreak = z.infer<typeof PageBreak>;

export const Block = z
  .object({
    text: z.string(),
    hint: BlockHint.optional(),
    /** PDF only: the page (1-based) the block starts on, so evidence can say where to look on paper. */
    page: z.number().int().positive().optional(),
    /**
     * PDF only: the pages a block runs onto (a paragraph continued across a page break). Positions count non-space
     * characters, which survive the normaliser's cleaning of spaces and line breaks.
     */
    pageBreaks: z.array(PageBreak).optional(),
  })
  .strict();
export type Block = z.infer<typeof Block>;

export const ExtractedDocument = z
  .object({
    format: DocumentFormat,
    /** The character encoding the text was decoded from (text formats only), e.g. "utf-8", "gb18030", "utf-16le". */
    encoding: z.string().optional(),
    blocks: z.array(Block),
    /** Problems that did not stop extraction, e.g. an encoding guess, a dropped image, a truncated text. */
    warnings: z.array(z.object({ code: z.string(), message: z.string() }).strict()),
  })
  .strict();
export type ExtractedDocument = z.infer<typeof ExtractedDocument>;
