/**
 * Renders a plain-text report into every upload format the extract stage reads, for tests and benchmarks:
 *
 *   node bin/run-ts.js scripts/make-format-fixtures.ts OUTDIR [INPUT.txt…]
 *
 * (default input: the fictional reports in test/fixtures/formats/*.txt). Writes, per input NAME:
 *   NAME.utf8.txt, NAME.utf8-bom.txt, NAME.gb18030.txt, NAME.utf16le.txt, NAME.utf16be.txt (both with BOM),
 *   NAME.big5.txt — converted to traditional characters with opencc-js first; characters Big5 lacks become "?",
 *     so compare a Big5 extraction with `big5Text(text)`, not with the original,
 *   NAME.utf8.html, NAME.gb18030.html (with <meta charset>), NAME.md,
 *   NAME.docx (real Title / Heading 1 / Heading 2 styles, a running header and "— n —" page numbers),
 *   NAME.fake-headings.docx (no heading styles: headings are bold, larger, Normal-style paragraphs),
 *   NAME.auto-numbered.docx (heading numbers "一、"/"（一）" made by Word list numbering, not typed — as Word's
 *     AutoFormat does; only where the source's numbers run in sequence),
 *   NAME.title-class.html (a government-site page that marks the title AND the long opening paragraph with
 *     class="title": only the short line is a title),
 *   NAME.wrapped-headings.docx (level-1 and level-2 headings in 二号 (22pt), so long headings wrap onto a second
 *     line in print),
 *   NAME.title-opening.docx (the opening paragraph after the title set in Word's Title style: large and centred),
 *   and, when `soffice` is on PATH, NAME.pdf and NAME.doc converted from NAME.docx by LibreOffice, plus
 *   NAME.wrapped-headings.pdf and NAME.title-opening.pdf from the two .docx variants above.
 *
 * Heading lines are recognised the way Chinese reports write them: "一、…" is a level-1 heading, "（一）…" a level-2
 * heading when short, or a bold run-in head when the paragraph continues after the first sentence.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import iconv from 'iconv-lite';
import * as OpenCC from 'opencc-js';
import { AlignmentType, Document, Footer, Header, HeadingLevel, LevelFormat, LevelSuffix, LineRuleType, Packer, PageNumber, Paragraph, TextRun } from 'docx';

export type ReportLineKind = 'title' | 'heading1' | 'heading2' | 'runin' | 'body';

export interface ReportLine {
  kind: ReportLineKind;
  text: string;
  /** For `runin`: the bold head that starts the paragraph. */
  head?: string;
}

const HEADING_1 = /^[一二三四五六七八九十]+、/;
const HEADING_2 = /^[（(][一二三四五六七八九十]+[)）]/;
/** A heading line longer than this is a paragraph that merely starts with a number. */
const MAX_HEADING_CHARS = 60;

/** Splits a plain-text report into lines with the role a Word author would give them. */
export function parseReportLines(text: string): ReportLine[] {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const result: ReportLine[] = [];
  let inTitle = true;
  for (const line of lines) {
    // The first short lines without a full stop (issuer, report name) form the title block.
    if (inTitle && result.length < 3 && line.length <= 40 && !/[。：:]/.test(line) && !HEADING_1.test(line) && !HEADING_2.test(line)) {
      result.push({ kind: 'title', text: line });
      continue;
    }
    inTitle = false;
    if (HEADING_1.test(line) && (line.length <= MAX_HEADING_CHARS || !line.slice(0, -1).includes('。'))) {
      result.push({ kind: 'heading1', text: line });
    } else if (HEADING_2.test(line)) {
      const stop = line.indexOf('。');
      if (stop < 0 && line.length <= MAX_HEADING_CHARS) result.push({ kind: 'heading2', text: line });
      else if (stop > 0 && stop < 40 && stop < line.length - 1) result.push({ kind: 'runin', text: line, head: line.slice(0, stop + 1) });
      else result.push({ kind: 'body', text: line });
    } else {
      result.push({ kind: 'body', text: line });
    }
  }
  return result;
}

/** The first prose paragraph (not an addressee line): what a template may style as a title. */
export function openingParagraph(lines: readonly ReportLine[]): number {
  return lines.findIndex((line) => line.kind === 'body' && line.text.length > 40);
}

// ---------------------------------------------------------------------------------------------------------------
// Text encodings

export type TextVariant = 'utf8' | 'utf8-bom' | 'gb18030' | 'utf16le' | 'utf16be' | 'big5';

const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });

/** The text a Big5 rendering holds: traditional characters, with "?" where Big5 has no character. */
export function big5Text(text: string): string {
  return iconv.decode(iconv.encode(toTraditional(text), 'big5'), 'big5');
}

export function renderText(text: string, variant: TextVariant): Uint8Array {
  switch (variant) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'utf8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'gb18030':
      return iconv.encode(text, 'gb18030');
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be': {
      const le = Buffer.from(text, 'utf16le');
      return Buffer.concat([Buffer.from([0xfe, 0xff]), le.swap16()]);
    }
    case 'big5':
      return iconv.encode(toTraditional(text), 'big5');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTML and markdown

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A web page as a government site would publish it: <h1>/<h2>/<h3>, <p>, <strong> run-in heads. With `titleClass`,
 * the page marks its title lines and also its first body paragraph (the long opening prose) as <p class="title">, as
 * some site templates do.
 */
export function renderHtml(text: string, charset: 'utf-8' | 'gb18030', options: { titleClass?: boolean } = {}): Uint8Array {
  const lines = parseReportLines(text);
  const opening = openingParagraph(lines);
  const body = lines
    .map((line, index) => {
      const html = escapeHtml(line.text);
      if (options.titleClass && (line.kind === 'title' || index === opening)) return `<p class="title">${html}</p>`;
      switch (line.kind) {
        case 'title':
          return `<h1 style="text-align:center">${html}</h1>`;
        case 'heading1':
          return `<h2>${html}</h2>`;
        case 'heading2':
          return `<h3>${html}</h3>`;
        case 'runin':
          return `<p>\u3000\u3000<strong>${escapeHtml(line.head!)}</strong>${escapeHtml(line.text.slice(line.head!.length))}</p>`;
        case 'body':
          return `<p style="text-indent:2em">${html}</p>`;
      }
    })
    .join('\n');
  const page = `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="${charset}">
<title>${escapeHtml(parseReportLines(text)[0]?.text ?? '')} - 政府信息公开</title>
<style>p { line-height: 1.8; } /* 正文 */</style>
<script>var _hmt = _hmt || []; document.write("<p>统计代码</p>");</script>
</head>
<body>
<!-- 页面头部 -->
<nav><a href="/">首页</a> &gt; <a href="/xxgk">信息公开</a></nav>
<div class="article">
${body}
</div>
</body>
</html>
`;
  return charset === 'utf-8' ? Buffer.from(page, 'utf8') : iconv.encode(page, 'gb18030');
}

export function renderMarkdown(text: string): string {
  return (
    parseReportLines(text)
      .map((line) => {
        switch (line.kind) {
          case 'title':
            return `# ${line.text}`;
          case 'heading1':
            return `## ${line.text}`;
          case 'heading2':
            return `### ${line.text}`;
          case 'runin':
            return `**${line.head!}**${line.text.slice(line.head!.length)}`;
          case 'body':
            return line.text;
        }
      })
      .join('\n\n') + '\n'
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Word

/** Half-points, as docx wants them: 22pt title (二号), 16pt level-1, 15pt level-2, 14pt body. */
const SIZE = { title: 44, heading1: 32, heading2: 30, body: 28 } as const;
const FONT = 'Noto Serif CJK SC';

const CHINESE_NUMERALS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

/** 1–99 from "一", "十二", "二十三"; undefined for anything else. */
export function chineseNumeral(text: string): number | undefined {
  const match = /^([二三四五六七八九]?)(十?)([一二三四五六七八九]?)$/.exec(text);
  if (!match || text === '') return undefined;
  const [, tens, ten, ones] = match as unknown as [string, string, string, string];
  // Without 十 it is a single digit, which the first group may have taken.
  if (!ten) return tens && ones ? undefined : CHINESE_NUMERALS.indexOf(tens || ones);
  return (tens ? CHINESE_NUMERALS.indexOf(tens) : 1) * 10 + (ones ? CHINESE_NUMERALS.indexOf(ones) : 0);
}

/**
 * For the auto-numbered rendering: which lines get Word list numbering (level 0 "%1、", level 1 "（%2）") and their
 * text without the typed number. Only numbers that continue Word's counters are converted, so the rendering shows
 * exactly the source's numbers.
 */
export function autoNumbering(lines: ReportLine[]): ({ level: 0 | 1; text: string } | undefined)[] {
  const counters = [0, 0];
  return lines.map((line) => {
    const level = line.kind === 'heading1' ? 0 : line.kind === 'heading2' || line.kind === 'runin' ? 1 : undefined;
    if (level === undefined) return undefined;
    const match = level === 0 ? /^([一二三四五六七八九十]+)、/.exec(line.text) : /^（([一二三四五六七八九十]+)）/.exec(line.text);
    const value = match ? chineseNumeral(match[1]!) : undefined;
    if (!match || value !== counters[level]! + 1 || (level === 1 && counters[0] === 0)) return undefined;
    counters[level] = value;
    if (level === 0) counters[1] = 0;
    return { level, text: line.text.slice(match[0].length) };
  });
}

export interface DocxOptions {
  /** No heading styles: headings are bold, larger Normal paragraphs. */
  fakeHeadings?: boolean;
  /** Heading numbers made by Word list numbering. */
  autoNumbered?: boolean;
  /** Level-1 and level-2 headings in 二号 (22pt, the title's size), so long ones wrap onto a second line in print. */
  wrappedHeadings?: boolean;
  /** The first body paragraph (the opening prose) in Word's Title style. */
  titleStyledOpening?: boolean;
}

export async function renderDocx(text: string, options: DocxOptions = {}): Promise<Uint8Array> {
  const lines = parseReportLines(text);
  const running = lines.find((l) => l.kind === 'title')?.text ?? '';
  const numbered = options.autoNumbered ? autoNumbering(lines) : [];
  const opening = openingParagraph(lines);
  const headingSize = options.wrappedHeadings ? SIZE.title : undefined;
  const children = lines.map((line, index) => {
    if (options.titleStyledOpening && index === opening) return new Paragraph({ heading: HeadingLevel.TITLE, text: line.text });
    const auto = numbered[index];
    if (auto) {
      const numbering = { reference: 'outline', level: auto.level };
      if (line.kind === 'runin') {
        const head = line.head!.slice(line.text.length - auto.text.length);
        return new Paragraph({
          numbering,
          children: [new TextRun({ text: head, bold: true }), new TextRun(line.text.slice(line.head!.length))],
        });
      }
      return new Paragraph({ heading: auto.level === 0 ? HeadingLevel.HEADING_1 : HeadingLevel.HEADING_2, numbering, text: auto.text });
    }
    if (options.fakeHeadings && line.kind !== 'body' && line.kind !== 'runin') {
      // A heading typed as a bold, larger Normal paragraph: what many township documents do.
      const size = line.kind === 'title' ? SIZE.title : line.kind === 'heading1' ? SIZE.heading1 : SIZE.heading2;
      return new Paragraph({
        alignment: line.kind === 'title' ? AlignmentType.CENTER : undefined,
        children: [new TextRun({ text: line.text, bold: true, size })],
      });
    }
    switch (line.kind) {
      case 'title':
        return new Paragraph({ heading: HeadingLevel.TITLE, text: line.text });
      case 'heading1':
        return new Paragraph({ heading: HeadingLevel.HEADING_1, text: line.text });
      case 'heading2':
        return new Paragraph({ heading: HeadingLevel.HEADING_2, text: line.text });
      case 'runin':
        return new Paragraph({
          indent: { firstLine: 560 },
          children: [new TextRun({ text: line.head!, bold: true }), new TextRun(line.text.slice(line.head!.length))],
        });
      case 'body':
        return new Paragraph({ indent: { firstLine: 560 }, text: line.text });
    }
  });
  const document = new Document({
    creator: 'fazhi-score fixtures',
    numbering: {
      config: [
        {
          reference: 'outline',
          levels: [
            { level: 0, format: LevelFormat.CHINESE_COUNTING, text: '%1、', suffix: LevelSuffix.NOTHING },
            { level: 1, format: LevelFormat.CHINESE_COUNTING, text: '（%2）', suffix: LevelSuffix.NOTHING },
          ],
        },
      ],
    },
    styles: {
      default: {
        // The wrapped-heading rendering uses Word's proportional "1.5 倍行距" (line height grows with the font size),
        // so a wrapped 二号 heading has a wider leading than the body text.
        document: {
          run: { size: SIZE.body, font: FONT },
          paragraph: { spacing: options.wrappedHeadings ? { line: 360, lineRule: LineRuleType.AUTO } : { line: 360 } },
        },
        title: { run: { size: SIZE.title, bold: true, font: FONT, color: '000000' }, paragraph: { alignment: AlignmentType.CENTER, spacing: { after: 240 } } },
        heading1: { run: { size: headingSize ?? SIZE.heading1, bold: true, font: FONT, color: '000000' }, paragraph: { spacing: { before: 120, after: 120 } } },
        heading2: { run: { size: headingSize ?? SIZE.heading2, bold: true, font: FONT, color: '000000' }, paragraph: { spacing: { before: 60, after: 60 } } },
      },
    },
    sections: [
      {
        headers: {
          default: new Header({ children: [new Paragraph({ alignment: AlignmentType.RIGHT, children: [new TextRun({ text: running, size: 18 })] })] }),
        },
        footers: {
          default: new Footer({
            children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ children: ['— ', PageNumber.CURRENT, ' —'], size: 20 })] })],
          }),
        },
        children,
      },
    ],
  });
  return Packer.toBuffer(document);
}

// ---------------------------------------------------------------------------------------------------------------
// LibreOffice

/** A probe result is reused by the other test files of one run for this long (each probe starts LibreOffice). */
const SOFFICE_PROBE_TTL_MS = 10 * 60_000;

/**
 * Whether LibreOffice can render our documents. `soffice --version` also succeeds where Writer is not installed
 * (libreoffice-core alone), and every conversion then fails: so a one-line document is converted to PDF. The answer
 * is cached in the temp directory for a few minutes, so the test files of one run probe once.
 */
export function hasSoffice(): boolean {
  if (spawnSync('soffice', ['--version'], { stdio: 'ignore' }).status !== 0) return false;
  const cache = join(tmpdir(), `fazhi-soffice-probe-${process.getuid?.() ?? 'user'}.json`);
  try {
    const cached = JSON.parse(readFileSync(cache, 'utf8')) as { at: number; converts: boolean };
    if (Date.now() - cached.at < SOFFICE_PROBE_TTL_MS) return cached.converts;
  } catch {
    // No (readable) cache: probe.
  }
  const dir = mkdtempSync(join(tmpdir(), 'fazhi-soffice-probe-'));
  let converts: boolean;
  try {
    writeFileSync(join(dir, 'probe.txt'), '法治政府建设 LibreOffice probe\n');
    converts = convertWithSoffice([join(dir, 'probe.txt')], 'pdf', join(dir, 'out')).every(
      (output) => readFileSync(output).subarray(0, 5).toString() === '%PDF-',
    );
  } catch {
    converts = false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  writeFileSync(cache, JSON.stringify({ at: Date.now(), converts }));
  return converts;
}

/**
 * Converts files with one LibreOffice run (start-up is most of the cost) into `outDir`, e.g. to "pdf" or "doc".
 * `filter` overrides the export filter, e.g. `pdf:writer_pdf_Export:{"EncryptFile":…}` (JSON options, LibreOffice
 * ≥ 7.4). Uses a throw-away profile so parallel runs do not fight over ~/.config/libreoffice.
 */
export function convertWithSoffice(inputs: string[], target: 'pdf' | 'doc', outDir: string, filter?: string): string[] {
  if (inputs.length === 0) return [];
  mkdirSync(outDir, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'fazhi-soffice-'));
  try {
    filter ??= target === 'doc' ? 'doc:MS Word 97' : 'pdf:writer_pdf_Export';
    const run = spawnSync(
      'soffice',
      [`-env:UserInstallation=${pathToFileURL(profile).href}`, '--headless', '--norestore', '--convert-to', filter, '--outdir', outDir, ...inputs],
      { encoding: 'utf8', timeout: 180_000 },
    );
    const outputs = inputs.map((input) => join(outDir, basename(input).replace(/\.[^.]+$/, `.${target}`)));
    const missing = outputs.filter((output) => !existsSync(output));
    if (run.status !== 0 || missing.length > 0) {
      throw new Error(`soffice --convert-to ${target} failed (status ${run.status}): ${run.stderr || run.stdout} missing ${missing.join(', ')}`);
    }
    return outputs;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Everything at once

export interface FormatFixture {
  /** File name in the output directory. */
  file: string;
  path: string;
  /** What extractDocument should report. */
  format: 'txt' | 'md' | 'html' | 'docx' | 'doc' | 'pdf';
  variant: string;
  /** The text the rendering holds (differs from the input only for Big5). */
  expectedText: string;
  /** Whether the format carries heading hints (styles, tags, #). */
  hasHeadingHints: boolean;
}

export interface FixtureOptions {
  /** Also make .pdf and .doc with LibreOffice (default: when soffice is on PATH). */
  soffice?: boolean;
}

/** Renders every input into `outDir`; LibreOffice runs once per target format for all inputs together. */
export async function makeFormatFixtures(inputs: { name: string; text: string }[], outDir: string, options: FixtureOptions = {}): Promise<FormatFixture[]> {
  mkdirSync(outDir, { recursive: true });
  const fixtures: FormatFixture[] = [];
  const write = (file: string, bytes: Uint8Array | string, fixture: Omit<FormatFixture, 'file' | 'path'>): string => {
    const path = join(outDir, file);
    writeFileSync(path, bytes);
    fixtures.push({ file, path, ...fixture });
    return path;
  };
  const docxFiles: { path: string; name: string; text: string }[] = [];
  // Variants that matter only in print: converted to PDF, not to .doc.
  const printOnly: { path: string; text: string; variant: string }[] = [];
  for (const { name, text } of inputs) {
    for (const variant of ['utf8', 'utf8-bom', 'gb18030', 'utf16le', 'utf16be', 'big5'] as const) {
      write(`${name}.${variant}.txt`, renderText(text, variant), {
        format: 'txt',
        variant,
        expectedText: variant === 'big5' ? big5Text(text) : text,
        hasHeadingHints: false,
      });
    }
    write(`${name}.utf8.html`, renderHtml(text, 'utf-8'), { format: 'html', variant: 'utf8', expectedText: text, hasHeadingHints: true });
    write(`${name}.gb18030.html`, renderHtml(text, 'gb18030'), { format: 'html', variant: 'gb18030', expectedText: text, hasHeadingHints: true });
    write(`${name}.title-class.html`, renderHtml(text, 'utf-8', { titleClass: true }), {
      format: 'html',
      variant: 'title-class',
      expectedText: text,
      hasHeadingHints: true,
    });
    write(`${name}.md`, renderMarkdown(text), { format: 'md', variant: 'markdown', expectedText: text, hasHeadingHints: true });
    const docx = write(`${name}.docx`, await renderDocx(text), { format: 'docx', variant: 'styles', expectedText: text, hasHeadingHints: true });
    docxFiles.push({ path: docx, name, text });
    write(`${name}.fake-headings.docx`, await renderDocx(text, { fakeHeadings: true }), {
      format: 'docx',
      variant: 'fake-headings',
      expectedText: text,
      hasHeadingHints: false,
    });
    write(`${name}.auto-numbered.docx`, await renderDocx(text, { autoNumbered: true }), {
      format: 'docx',
      variant: 'auto-numbered',
      expectedText: text,
      hasHeadingHints: true,
    });
    for (const [variant, docxOptions] of [
      ['wrapped-headings', { wrappedHeadings: true }],
      ['title-opening', { titleStyledOpening: true }],
    ] as const) {
      const path = write(`${name}.${variant}.docx`, await renderDocx(text, docxOptions), {
        format: 'docx',
        variant,
        expectedText: text,
        hasHeadingHints: true,
      });
      printOnly.push({ path, text, variant });
    }
  }
  if (options.soffice ?? hasSoffice()) {
    for (const target of ['pdf', 'doc'] as const) {
      const outputs = convertWithSoffice(
        docxFiles.map((d) => d.path),
        target,
        outDir,
      );
      outputs.forEach((path, index) => {
        const source = docxFiles[index]!;
        fixtures.push({ file: basename(path), path, format: target, variant: 'soffice', expectedText: source.text, hasHeadingHints: target === 'pdf' });
      });
    }
    const printed = convertWithSoffice(
      printOnly.map((p) => p.path),
      'pdf',
      outDir,
    );
    printed.forEach((path, index) => {
      const source = printOnly[index]!;
      fixtures.push({ file: basename(path), path, format: 'pdf', variant: `soffice ${source.variant}`, expectedText: source.text, hasHeadingHints: true });
    });
  }
  return fixtures;
}

async function main(argv: string[]): Promise<void> {
  const [outDir, ...inputPaths] = argv;
  if (!outDir) {
    console.error('usage: node bin/run-ts.js scripts/make-format-fixtures.ts OUTDIR [INPUT.txt…]');
    process.exit(2);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const defaults = join(here, '..', 'test', 'fixtures', 'formats');
  const paths =
    inputPaths.length > 0
      ? inputPaths
      : readdirSync(defaults)
          .filter((f) => f.endsWith('.txt'))
          .map((f) => join(defaults, f));
  const inputs = paths.map((path) => ({ name: basename(path).replace(/\.txt$/, ''), text: readFileSync(path, 'utf8') }));
  if (!hasSoffice()) console.warn('soffice not on PATH: skipping .pdf and .doc');
  const fixtures = await makeFormatFixtures(inputs, resolve(outDir));
  for (const fixture of fixtures) console.log(`${fixture.format.padEnd(5)} ${fixture.variant.padEnd(14)} ${fixture.path}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
