// Turns the plain-text sources in scripts/sample-sources/ into the Word samples in samples/ (see samples/README.md).
// Run: node bin/run-ts.js scripts/make-sample-docx.ts
//
// The text files use the conventions of the other samples: one paragraph per line, headings on their own lines.
// Lines are laid out the way a township office's Word file usually is:
//   - title block (issuing body, 文号, 签发人) centred above the title; addressee line flush left;
//   - the title in Word's Title style; "一、…" lines in Heading 1; stand-alone "（一）…" lines in Heading 2;
//     stand-alone "1.…" lines in Heading 3;
//   - run-in heads ("（二）落实清单制度。全镇……", "1.规范决策程序。……") as a bold run followed by normal text;
//   - body paragraphs indented two characters; signature and date right-aligned at the end.
// One sample fakes its headings: the same lines become normal paragraphs with bold (larger) runs, no heading styles.
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlignmentType, Document, HeadingLevel, LineRuleType, Packer, Paragraph, TextRun } from 'docx';
import type { IParagraphOptions, IRunOptions } from 'docx';

interface SampleSpec {
  /** File name in scripts/sample-sources/ (and, with .docx, in samples/). */
  readonly source: string;
  /** 'styles': real Word heading styles; 'bold': headings faked with bold runs in Normal paragraphs. */
  readonly headings: 'styles' | 'bold';
}

const SAMPLES: readonly SampleSpec[] = [
  { source: '望江镇2024年法治政府建设情况报告.txt', headings: 'styles' },
  { source: '澜滨街道2024年法治政府建设情况报告.txt', headings: 'styles' },
  { source: '临澜县司法局2024年法治政府建设工作情况的报告.txt', headings: 'styles' },
  { source: '白沙镇2024年度法治政府建设情况报告.txt', headings: 'bold' },
];

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SOURCE_DIR = join(ROOT, 'scripts', 'sample-sources');
const OUT_DIR = join(ROOT, 'samples');

// Fonts and sizes of a typical Chinese government document (sizes in half-points: 三号 = 16pt = 32, 二号 = 22pt = 44).
const BODY_FONT = '仿宋_GB2312';
const TITLE_FONT = '方正小标宋简体';
const H1_FONT = '黑体';
const H2_FONT = '楷体_GB2312';
const BODY_SIZE = 32;
const TITLE_SIZE = 44;
const LINE_SPACING = { line: 560, lineRule: LineRuleType.EXACT } as const; // fixed 28pt
const INDENT_TWO_CHARS = { firstLineChars: 200 } as const;

function font(eastAsia: string): NonNullable<IRunOptions['font']> {
  return { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia };
}

type LineKind =
  | { kind: 'issuer' | 'docNumber' | 'signer' | 'title' | 'addressee' | 'closing' | 'body' | 'h1' | 'h2' | 'h3'; text: string }
  | { kind: 'runIn'; head: string; rest: string };

const DOC_NUMBER = /〔\d{4}〕\d+号$/;
const SIGNER = /^签发人[：:]/;
const DATE_LINE = /^\d{4}年\d{1,2}月(\d{1,2}日)?$/;
const H1 = /^[一二三四五六七八九十]+、/;
const H2 = /^[（(][一二三四五六七八九十]+[）)]/;
const H3 = /^\d+[.．、]/;

/** A numbered line with a short lead sentence ("（二）落实清单制度。全镇……") is a run-in head; returns its two parts. */
function splitRunIn(line: string): { head: string; rest: string } | null {
  const stop = line.indexOf('。');
  if (stop < 0 || stop === line.length - 1 || stop > 32) return null;
  return { head: line.slice(0, stop + 1), rest: line.slice(stop + 1) };
}

function classify(lines: readonly string[]): LineKind[] {
  const titleAt = lines.findIndex((l, i) => i < 6 && /(报告|总结)$/.test(l));
  if (titleAt < 0) throw new Error('no title line (a line ending in 报告 or 总结 among the first six)');
  // The closing block: the date line at the end and the short signature lines just above it.
  let closingFrom = lines.length;
  const last = lines.at(-1);
  if (last !== undefined && DATE_LINE.test(last)) {
    closingFrom = lines.length - 1;
    while (closingFrom > titleAt + 1) {
      const prev = lines[closingFrom - 1] ?? '';
      if (prev.length > 24 || /[。：:]$/.test(prev) || H1.test(prev) || H2.test(prev)) break;
      closingFrom--;
    }
  }
  return lines.map((text, i): LineKind => {
    if (i < titleAt) {
      if (DOC_NUMBER.test(text)) return { kind: 'docNumber', text };
      if (SIGNER.test(text)) return { kind: 'signer', text };
      return { kind: 'issuer', text };
    }
    if (i === titleAt) return { kind: 'title', text };
    if (i === titleAt + 1 && /[：:]$/.test(text) && text.length <= 60) return { kind: 'addressee', text };
    if (i >= closingFrom) return { kind: 'closing', text };
    if (H1.test(text)) return { kind: 'h1', text };
    if (H2.test(text) || H3.test(text)) {
      const runIn = splitRunIn(text);
      if (runIn) return { kind: 'runIn', ...runIn };
      if (!text.includes('。') && text.length <= 40) return { kind: H2.test(text) ? 'h2' : 'h3', text };
    }
    return { kind: 'body', text };
  });
}

function paragraph(options: IParagraphOptions): Paragraph {
  return new Paragraph({ spacing: LINE_SPACING, ...options });
}

function render(line: LineKind, headings: SampleSpec['headings']): Paragraph {
  const styled = headings === 'styles';
  switch (line.kind) {
    case 'issuer':
    case 'docNumber':
    case 'signer':
      return paragraph({
        alignment: line.kind === 'signer' ? AlignmentType.RIGHT : AlignmentType.CENTER,
        children: [new TextRun({ text: line.text, font: font(line.kind === 'issuer' ? TITLE_FONT : BODY_FONT) })],
      });
    case 'title':
      return styled
        ? paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun(line.text)] })
        : paragraph({
            alignment: AlignmentType.CENTER,
            children: [new TextRun({ text: line.text, bold: true, size: TITLE_SIZE, font: font(TITLE_FONT) })],
          });
    case 'addressee':
      return paragraph({ children: [new TextRun(line.text)] });
    case 'closing':
      return paragraph({ alignment: AlignmentType.RIGHT, children: [new TextRun(line.text)] });
    case 'h1':
    case 'h2':
    case 'h3': {
      if (styled) {
        const level = { h1: HeadingLevel.HEADING_1, h2: HeadingLevel.HEADING_2, h3: HeadingLevel.HEADING_3 }[line.kind];
        return paragraph({ heading: level, indent: INDENT_TWO_CHARS, children: [new TextRun(line.text)] });
      }
      const headFont = line.kind === 'h1' ? H1_FONT : line.kind === 'h2' ? H2_FONT : BODY_FONT;
      return paragraph({
        indent: INDENT_TWO_CHARS,
        children: [new TextRun({ text: line.text, bold: true, font: font(headFont) })],
      });
    }
    case 'runIn':
      return paragraph({
        indent: INDENT_TWO_CHARS,
        children: [new TextRun({ text: line.head, bold: true }), new TextRun(line.rest)],
      });
    case 'body':
      return paragraph({ indent: INDENT_TWO_CHARS, children: [new TextRun(line.text)] });
  }
}

function buildDocument(title: string, lines: readonly LineKind[], headings: SampleSpec['headings']): Document {
  const headingRun = (eastAsia: string) => ({ font: font(eastAsia), size: BODY_SIZE, bold: false, color: '000000' });
  return new Document({
    creator: '临澜县（虚构）样例',
    title,
    description: 'Fictional sample report for Fazhi Score; generated by scripts/make-sample-docx.ts',
    styles: {
      default: {
        document: { run: { font: font(BODY_FONT), size: BODY_SIZE } },
        title: {
          run: { font: font(TITLE_FONT), size: TITLE_SIZE, bold: false, color: '000000' },
          paragraph: { alignment: AlignmentType.CENTER, spacing: { before: 240, after: 240 } },
        },
        heading1: { run: headingRun(H1_FONT) },
        heading2: { run: headingRun(H2_FONT) },
        heading3: { run: { ...headingRun(BODY_FONT), bold: true } },
      },
    },
    sections: [
      {
        properties: {
          // A4 with the margins of GB/T 9704 (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), in twips.
          page: { size: { width: 11906, height: 16838 }, margin: { top: 2098, bottom: 1984, left: 1587, right: 1474 } },
        },
        children: lines.map((line) => render(line, headings)),
      },
    ],
  });
}

async function main(): Promise<void> {
  for (const spec of SAMPLES) {
    const text = await readFile(join(SOURCE_DIR, spec.source), 'utf8');
    const lines = text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    const kinds = classify(lines);
    const title = kinds.find((k) => k.kind === 'title');
    const doc = buildDocument(title && 'text' in title ? title.text : spec.source, kinds, spec.headings);
    const out = join(OUT_DIR, spec.source.replace(/\.txt$/, '.docx'));
    await writeFile(out, await Packer.toBuffer(doc));
    const count = (k: LineKind['kind']) => kinds.filter((x) => x.kind === k).length;
    console.log(
      `${out}: ${lines.length} paragraphs, headings ${spec.headings} (h1 ${count('h1')}, h2 ${count('h2')}, h3 ${count('h3')}, run-in ${count('runIn')})`,
    );
  }
}

await main();
