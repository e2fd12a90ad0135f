/**
 * Tiny hand-written PDFs for extract-stage tests, in pure JS (no LibreOffice):
 *
 * - makeUniGbPdf: Chinese text in the NON-embedded font STSong-Light with the /UniGB-UCS2-H CMap and no ToUnicode —
 *   how many older Chinese PDFs are made. pdf.js can only read it with its CMap files (see pipeline/extract/pdf-data.ts).
 * - layoutReportPdf: a report laid out on A4 pages in that font, with a running header, "- n -" page numbers,
 *   first-line indents and lines broken by the page width: the paragraph rejoining and header/footer removal test.
 * - makeScannedPdf: pages holding only an image, no text layer.
 * - makePasswordPdf: a PDF with a Standard security handler whose user password is not empty.
 */

export interface PdfLine {
  text: string;
  x: number;
  /** Baseline, from the bottom of the page (PDF space). */
  y: number;
  size: number;
}

export interface PdfPage {
  lines: PdfLine[];
  /** Paint a grey image over the page (what a scanner produces). */
  image?: boolean;
}

export const A4 = { width: 595, height: 842 } as const;

/** UCS-2 big-endian hex, the string encoding /UniGB-UCS2-H expects. */
function ucs2Hex(text: string): string {
  let hex = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code > 0xffff) throw new Error(`not in the BMP: ${char}`);
    hex += code.toString(16).padStart(4, '0');
  }
  return hex;
}

function randomHex(bytes: number): string {
  let hex = '';
  for (let i = 0; i < bytes; i++)
    hex += Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0');
  return hex;
}

/** Assembles numbered objects into a PDF file with a correct xref table. */
function assemblePdf(objects: (string | Buffer)[], trailerExtra = ''): Uint8Array {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(offset);
    const body = Buffer.concat([
      Buffer.from(`${index + 1} 0 obj\n`, 'latin1'),
      typeof object === 'string' ? Buffer.from(object, 'latin1') : object,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    parts.push(body);
    offset += body.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${offset}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

function stream(dictionary: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`<< ${dictionary} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);
}

/**
 * A PDF whose text is set in STSong-Light (not embedded) through /UniGB-UCS2-H, without a ToUnicode map.
 * Every glyph is 1 em wide (/DW 1000), Latin letters and digits included.
 */
export function makeUniGbPdf(pages: PdfPage[], options: { encrypt?: boolean } = {}): Uint8Array {
  // 1 catalog, 2 pages, 3 Type0 font, 4 CIDFont, 5 descriptor, 6 image, then per page: page, contents.
  const objects: (string | Buffer)[] = [];
  const pageIds = pages.map((_, index) => 7 + index * 2);
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(`<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`);
  objects.push('<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>');
  objects.push(
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R /DW 1000 >>',
  );
  objects.push(
    '<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
  );
  const pixels = Buffer.alloc(16 * 16, 0x80);
  objects.push(stream('/Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray /BitsPerComponent 8', pixels));
  for (const page of pages) {
    const id = objects.length + 1;
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${A4.width} ${A4.height}] /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 6 0 R >> >> /Contents ${id + 1} 0 R >>`,
    );
    const operators = page.lines.map((line) => `BT /F1 ${line.size} Tf ${line.x.toFixed(2)} ${line.y.toFixed(2)} Td <${ucs2Hex(line.text)}> Tj ET`);
    if (page.image) operators.unshift(`q ${A4.width - 100} 0 0 ${A4.height - 100} 50 50 cm /Im1 Do Q`);
    objects.push(stream('', Buffer.from(operators.join('\n'), 'latin1')));
  }
  let trailer = '';
  if (options.encrypt) {
    // A Standard security handler (RC4, revision 2) whose /U does not match the empty password: readers must ask.
    objects.push(`<< /Filter /Standard /V 1 /R 2 /O <${randomHex(32)}> /U <${randomHex(32)}> /P -44 >>`);
    trailer = `/Encrypt ${objects.length} 0 R /ID [<${randomHex(16)}> <${randomHex(16)}>] `;
  }
  return assemblePdf(objects, trailer);
}

export interface ReportLayoutOptions {
  /** Body size in points (default 12). */
  size?: number;
  /** A running header printed at the top of every page. */
  header?: string;
  /** Print "- n -" page numbers at the bottom (default true). */
  pageNumbers?: boolean;
}

/**
 * Lays a plain-text report out on A4 pages like a word processor would: the first line is a centred title (body size
 * + 6pt), "一、" lines are headings (body size + 2pt), other lines are paragraphs with a two-character first-line indent, wrapped at the
 * right margin (every character is 1 em wide in this font, so wrapping is exact).
 */
export function layoutReportPdf(text: string, options: ReportLayoutOptions = {}): Uint8Array {
  const size = options.size ?? 12;
  const left = 72;
  const right = A4.width - 72;
  const top = A4.height - 80;
  const bottom = 80;
  const lineGap = size * 1.5;
  const pages: PdfPage[] = [{ lines: [] }];
  let y = top;
  const place = (line: Omit<PdfLine, 'y'>, gap: number): void => {
    if (y - gap < bottom) {
      pages.push({ lines: [] });
      y = top;
    }
    y -= gap;
    pages.at(-1)!.lines.push({ ...line, y });
  };
  const paragraphs = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  paragraphs.forEach((paragraph, index) => {
    if (index === 0) {
      // The title is centred, wrapped at the margins like any paragraph.
      const titleSize = size + 6;
      const chars = [...paragraph];
      const perLine = Math.floor((right - left) / titleSize);
      for (let line = 0; chars.length > 0; line++) {
        const taken = chars.splice(0, perLine);
        place({ text: taken.join(''), x: (A4.width - taken.length * titleSize) / 2, size: titleSize }, line === 0 ? titleSize * 2 : titleSize * 1.4);
      }
      return;
    }
    if (/^[一二三四五六七八九十]+、/.test(paragraph)) {
      place({ text: paragraph, x: left, size: size + 2 }, (size + 2) * 1.8);
      return;
    }
    const chars = [...paragraph];
    const perLine = Math.floor((right - left) / size);
    let first = true;
    while (chars.length > 0) {
      const indent = first ? 2 : 0;
      const taken = chars.splice(0, perLine - indent);
      place({ text: taken.join(''), x: left + indent * size, size }, lineGap);
      first = false;
    }
  });
  pages.forEach((page, index) => {
    if (options.header) page.lines.unshift({ text: options.header, x: right - [...options.header].length * 9, y: A4.height - 40, size: 9 });
    if (options.pageNumbers ?? true) {
      const label = `- ${index + 1} -`;
      page.lines.push({ text: label, x: (A4.width - [...label].length * 10) / 2, y: 40, size: 10 });
    }
  });
  return makeUniGbPdf(pages);
}

/** A "scanned" PDF: every page is an image, there is no text layer. */
export function makeScannedPdf(pageCount = 2): Uint8Array {
  return makeUniGbPdf(Array.from({ length: pageCount }, () => ({ lines: [], image: true })));
}

/** A PDF that needs a password to open. */
export function makePasswordPdf(): Uint8Array {
  return makeUniGbPdf([{ lines: [{ text: '机密文件内容', x: 72, y: 700, size: 12 }] }], { encrypt: true });
}
