import type { Block } from '../../schemas/extracted.ts';
import { boldHints, collapseSpaces, dominantFontSize, makeBlock } from './blocks.ts';
import type { ExtractedContent, Segment } from './blocks.ts';
import { listLabels, paragraphKey, readNumbering, readStyleNumbering, scanParagraphs } from './docx-numbering.ts';
import { htmlToSourcedBlocks } from './html.ts';
import { ZIP_RATIO_MIN_BYTES } from './limits.ts';
import type { ExtractLimits } from './limits.ts';
import { tokenizeMarkup } from './markup.ts';
import { rejectEncrypted, rejectUnreadable, rejectZipBomb } from './rejections.ts';
import { ZipFormatError, ZipLimitError, inflateZipEntry } from './zip.ts';
import type { ZipDirectory, ZipEntry } from './zip.ts';

/**
 * .docx → blocks. Safety first, from the ZIP directory alone: entry count, total declared size, compression ratio and
 * the size of every XML part mammoth will parse; then each XML part is inflated with a hard output cap to prove the
 * directory does not lie. Only then does mammoth convert the file (Title → title, Heading n → headingLevel, no
 * external files, no images read) and our HTML reader turn it into blocks. Font size, bold and centring come from
 * mammoth's document model plus styles.xml, matched to blocks through a marker planted in each paragraph.
 */

const STYLE_MAP = ["p[style-name='Title'] => h1.title:fresh", "p[style-name='title'] => h1.title:fresh", "p[style-name='Subtitle'] => p:fresh"];

/** Private-use marker around a paragraph number; stripped again by the HTML reader. */
const MARKER_OPEN = '\ue7f0\ue7f1';
const MARKER_CLOSE = '\ue7f2';
const MARKER = /\ue7f0\ue7f1(\d+)\ue7f2/g;

/** Refuses zip bombs and lying directories; returns the inflated XML parts by name. */
export function checkDocxZip(bytes: Uint8Array, zip: ZipDirectory, limits: ExtractLimits): Map<string, Uint8Array> {
  if (zip.overLimit) throw rejectZipBomb(`${zip.declaredEntries} entries (limit ${limits.maxZipEntries})`);
  let declaredTotal = 0;
  for (const entry of zip.entries) {
    declaredTotal += entry.uncompressedSize;
    if (entry.flags & 0x1) throw rejectEncrypted('Word');
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize > ZIP_RATIO_MIN_BYTES && ratio > limits.maxZipCompressionRatio) {
      throw rejectZipBomb(`${entry.name} expands ${Math.round(ratio)}× (limit ${limits.maxZipCompressionRatio}×)`);
    }
  }
  if (declaredTotal > limits.maxDocxUncompressedBytes) {
    throw rejectZipBomb(`declares ${declaredTotal} uncompressed bytes (limit ${limits.maxDocxUncompressedBytes})`);
  }
  const parts = new Map<string, Uint8Array>();
  let inflatedTotal = 0;
  // Every part mammoth might read (XML, relationships, its own "mammoth/style-map") is inflated under a cap; only
  // images and embedded objects, which it never reads here, are left alone.
  for (const entry of zip.entries.filter((e) => !isMedia(e))) {
    if (entry.uncompressedSize > limits.maxDocxXmlPartBytes) {
      throw rejectZipBomb(`${entry.name} is ${entry.uncompressedSize} bytes (limit ${limits.maxDocxXmlPartBytes})`);
    }
    const data = inflateChecked(bytes, entry);
    inflatedTotal += data.length;
    if (inflatedTotal > limits.maxDocxUncompressedBytes) throw rejectZipBomb('parts inflate past the size limit');
    if (/\.(xml|rels)$/i.test(entry.name)) parts.set(entry.name, data);
  }
  return parts;
}

function isMedia(entry: ZipEntry): boolean {
  return /^word\/(media|embeddings)\//i.test(entry.name);
}

function inflateChecked(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  try {
    // The directory's size is what jszip trusts; an entry inflating past it is lying about its size.
    return inflateZipEntry(bytes, entry, entry.uncompressedSize);
  } catch (error) {
    if (error instanceof ZipLimitError) throw rejectZipBomb(`${entry.name} inflates past its declared ${entry.uncompressedSize} bytes`);
    if (error instanceof ZipFormatError) throw rejectUnreadable('Word', error.message);
    throw error;
  }
}

/** The part of mammoth's document model this reader uses. */
interface ModelElement {
  type: string;
  children?: ModelElement[];
  value?: string;
  styleId?: string | null;
  alignment?: string | null;
  isBold?: boolean;
  fontSize?: number | null;
}

interface ParagraphInfo {
  styleId: string | null;
  alignment: string | null;
  /** Word's automatic list number ("一、", "（二）"), which mammoth would drop. */
  label?: string;
  runs: { text: string; styleId: string | null; isBold: boolean; fontSize: number | null }[];
}

export async function extractDocx(bytes: Uint8Array, parts: Map<string, Uint8Array>): Promise<ExtractedContent> {
  // List labels come from our own scan of document.xml, found again in mammoth's model by the paragraph's text.
  const scanned = scanParagraphs(parts.get('word/document.xml'));
  const labels = listLabels(scanned, readNumbering(parts.get('word/numbering.xml')), readStyleNumbering(parts.get('word/styles.xml')));
  let cursor = 0;
  const labelOf = (key: string): string | undefined => {
    for (let index = cursor; index < Math.min(scanned.length, cursor + 200); index++) {
      if (scanned[index]!.key === key) {
        cursor = index + 1;
        return labels[index];
      }
    }
    return undefined;
  };

  const paragraphs: ParagraphInfo[] = [];
  const plantMarkers = (element: ModelElement): ModelElement => {
    if (element.type === 'paragraph') {
      const info = describeParagraph(element);
      if (info.runs.some((run) => /\S/.test(run.text))) {
        info.label = labelOf(paragraphKey(info.runs.map((run) => run.text).join('')));
        element.children = [markerRun(`${MARKER_OPEN}${paragraphs.length}${MARKER_CLOSE}${info.label ?? ''}`), ...(element.children ?? [])];
        paragraphs.push(info);
      }
      return element;
    }
    for (const child of element.children ?? []) plantMarkers(child);
    return element;
  };

  let html: string;
  try {
    // Loaded on first use, like the other format libraries: a separate chunk in the Lambda bundle.
    const { default: mammoth } = await import('mammoth');
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      {
        styleMap: STYLE_MAP,
        includeEmbeddedStyleMap: false,
        externalFileAccess: false,
        // Never read or inline images: they are not text and would only cost memory.
        convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })),
        transformDocument: plantMarkers,
      },
    );
    html = result.value;
  } catch (error) {
    throw rejectUnreadable('Word', error instanceof Error ? error.message : String(error));
  }

  const styles = readStyles(parts.get('word/styles.xml'));
  const { blocks, sources } = htmlToSourcedBlocks(html, MARKER);
  const enriched: Block[] = blocks.map((block) => {
    const source = sources.get(block);
    const paragraph = source === undefined ? undefined : paragraphs[source];
    return paragraph ? withModelHints(block, paragraph, styles) : block;
  });
  return { blocks: enriched, warnings: [] };
}

function markerRun(text: string): ModelElement {
  // A complete mammoth Run: the HTML writer reads every one of these properties.
  return {
    type: 'run',
    children: [{ type: 'text', value: text }],
    styleId: null,
    styleName: null,
    isBold: false,
    isUnderline: false,
    isItalic: false,
    isStrikethrough: false,
    isAllCaps: false,
    isSmallCaps: false,
    verticalAlignment: 'baseline',
    font: null,
    fontSize: null,
    highlight: null,
  } as ModelElement;
}

function describeParagraph(paragraph: ModelElement): ParagraphInfo {
  const runs: ParagraphInfo['runs'] = [];
  const visit = (element: ModelElement): void => {
    if (element.type === 'run') {
      runs.push({ text: textOf(element), styleId: element.styleId ?? null, isBold: element.isBold ?? false, fontSize: element.fontSize ?? null });
      return;
    }
    for (const child of element.children ?? []) visit(child);
  };
  visit(paragraph);
  return { styleId: paragraph.styleId ?? null, alignment: paragraph.alignment ?? null, runs };
}

function textOf(element: ModelElement): string {
  if (element.type === 'text') return element.value ?? '';
  if (element.type === 'tab') return '\t';
  return (element.children ?? []).map(textOf).join('');
}

function withModelHints(block: Block, paragraph: ParagraphInfo, styles: StyleSheet): Block {
  const paragraphStyle = paragraph.styleId ?? styles.defaultParagraphStyle;
  const runSegments: Segment[] = paragraph.runs.map((run) => {
    const fromRunStyle = styles.resolve(run.styleId);
    const fromParagraph = styles.resolve(paragraphStyle);
    return {
      text: run.text,
      bold: run.isBold || (fromRunStyle.bold ?? fromParagraph.bold ?? styles.defaults.bold ?? false),
      fontSize: run.fontSize ?? fromRunStyle.fontSize ?? fromParagraph.fontSize ?? styles.defaults.fontSize,
    };
  });
  // Word formats a list label like the paragraph's text; take the first run's look.
  const first = runSegments.find((segment) => /\S/.test(segment.text));
  const segments = paragraph.label ? [{ text: paragraph.label, bold: first?.bold ?? false, fontSize: first?.fontSize }, ...runSegments] : runSegments;
  const centered = paragraph.alignment === 'center' || (paragraph.alignment === null && styles.resolve(paragraphStyle).alignment === 'center');
  const sameText = collapseSpaces(segments.map((s) => s.text).join('')).trim() === block.text;
  const hint = { ...block.hint };
  // A paragraph split by line breaks keeps the HTML reader's per-piece bold hints; a whole one gets the styled ones.
  if (sameText) {
    delete hint.allBold;
    delete hint.leadingBold;
    Object.assign(hint, boldHints(segments));
  }
  return makeBlock(block.text, { ...hint, fontSize: dominantFontSize(segments) ?? hint.fontSize, centered: centered || hint.centered });
}

interface StyleProperties {
  bold?: boolean;
  fontSize?: number;
  alignment?: string;
}

interface StyleSheet {
  defaults: StyleProperties;
  defaultParagraphStyle: string | null;
  resolve(styleId: string | null): StyleProperties;
}

/** The few style properties that matter (w:b, w:sz, w:jc), with basedOn inheritance, from word/styles.xml. */
export function readStyles(xml: Uint8Array | undefined): StyleSheet {
  const own = new Map<string, StyleProperties & { basedOn?: string }>();
  const defaults: StyleProperties = {};
  let defaultParagraphStyle: string | null = null;
  if (xml) {
    let current: (StyleProperties & { basedOn?: string }) | undefined;
    let inDefaults = false;
    let inRunProperties = false;
    for (const token of tokenizeMarkup(new TextDecoder().decode(xml), { html: false })) {
      if (token.type === 'open') {
        const val = token.attrs['w:val'];
        switch (token.name) {
          case 'w:style':
            current = {};
            if (token.attrs['w:styleId']) own.set(token.attrs['w:styleId'], current);
            if (token.attrs['w:type'] === 'paragraph' && (token.attrs['w:default'] === '1' || token.attrs['w:default'] === 'true')) {
              defaultParagraphStyle = token.attrs['w:styleId'] ?? null;
            }
            break;
          case 'w:rPrDefault':
            inDefaults = true;
            break;
          case 'w:basedOn':
            if (current && val) current.basedOn = val;
            break;
          case 'w:rPr':
            inRunProperties = true;
            break;
          case 'w:b': {
            const target = inDefaults ? defaults : current;
            if (target && inRunProperties) target.bold = val === undefined || !['0', 'false', 'off'].includes(val);
            break;
          }
          case 'w:sz': {
            const target = inDefaults ? defaults : current;
            if (target && inRunProperties && val && /^\d+$/.test(val)) target.fontSize = Number(val) / 2;
            break;
          }
          case 'w:jc':
            if (current && !inRunProperties && val) current.alignment = val;
            break;
        }
      } else if (token.type === 'close') {
        if (token.name === 'w:style') current = undefined;
        else if (token.name === 'w:rPrDefault') inDefaults = false;
        else if (token.name === 'w:rPr') inRunProperties = false;
      }
    }
  }
  const resolved = new Map<string, StyleProperties>();
  const resolve = (styleId: string | null, depth = 0): StyleProperties => {
    if (!styleId || depth > 20) return {};
    const cached = resolved.get(styleId);
    if (cached) return cached;
    const style = own.get(styleId);
    if (!style) return {};
    const parent = resolve(style.basedOn ?? null, depth + 1);
    const result: StyleProperties = {
      bold: style.bold ?? parent.bold,
      fontSize: style.fontSize ?? parent.fontSize,
      alignment: style.alignment ?? parent.alignment,
    };
    resolved.set(styleId, result);
    return result;
  };
  return { defaults, defaultParagraphStyle, resolve: (styleId) => resolve(styleId) };
}
