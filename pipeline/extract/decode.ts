import type iconvLite from 'iconv-lite';
import { rejectEncoding } from './rejections.ts';
import type { ExtractWarning } from './blocks.ts';

/**
 * Text decoding for .txt/.md/.html uploads. Order: BOM → a declared charset (HTML meta) → BOM-less UTF-16 by its NUL
 * pattern → strict UTF-8 → the best of GB18030 / Big5 / lossy UTF-8 by how much of the result is common Chinese.
 * Never silent mojibake: a decoding with replacement characters or implausible Chinese beyond a small threshold is
 * refused with `encoding`.
 */

export interface DecodedText {
  text: string;
  /** Canonical label of what was used: utf-8, utf-16le, utf-16be, gb18030, big5, or a declared label. */
  encoding: string;
  warnings: ExtractWarning[];
}

/**
 * Frequent simplified characters (general frequency list plus the vocabulary of 法治政府 reports), then the
 * traditional forms of those that differ (generated once with opencc-js). A correct decoding of Chinese prose has
 * well over half its Han characters in this set; a wrong one (GBK read as Big5, Shift-JIS read as GB18030) has few.
 */
const COMMON_HAN = new Set(
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府研县镇乡村街委依执监督普宣传教育调纠纷矛盾案规范审查策服务群众领导责落推完善健织报告措施效足整改划安排治综培训习近思坚持深贯彻精神议认真积极续步升严格序共维护稳保障权益诉讼复信访律顾透考核评估专项隐患环境态食药市场营企商优便窗口办网层振兴协察廉洁纪风职书记负志带述班讲座册横幅咨询待余名万元户庭单门台息络' +
    '這為個國時來們於對會發動過說產種後學經進著電裡現實兩體機當點從業應開還義間樣與關線內數麼質氣變條沒結問無軍並題黨員總設長頭資邊級圖統較將組見計別論運農幾區強決幹戰則據處縣鎮鄉執監傳調糾紛規範審務眾領導責織報劃綜訓習堅貫徹議認積極續嚴維護穩權訴訟覆訪顧評專項隱環態藥場營優辦網層興協潔紀風職書記負帶講冊橫諮詢餘萬戶單門臺絡',
);

/** Share of replaced characters tolerated (with a warning) before a decoding counts as lossy. */
const MAX_REPLACEMENT_SHARE = 0.001;
/** Below this share of common characters (with enough Han to judge) the text is mojibake, not Chinese. */
const MIN_COMMON_SHARE = 0.2;
/** Han characters needed before the common-character share means anything. */
const MIN_HAN_TO_JUDGE = 30;
/** Big5 must beat GB18030 by this much: GB18030 is the mainland default and a superset of GBK. */
const BIG5_MARGIN = 0.05;

/** Detection looks at this many leading bytes; the winner then decodes (and is checked on) the whole file. */
const DETECTION_BYTES = 1024 * 1024;

interface Candidate {
  encoding: string;
  text: string;
  replacements: number;
  han: number;
  common: number;
}

export function decodeText(bytes: Uint8Array, declared?: string): DecodedText {
  const warnings: ExtractWarning[] = [];
  const bom = detectBom(bytes);
  if (bom) {
    const body = bytes.subarray(bom.length);
    const candidate = measure(bom.encoding, decodeLossy(body, bom.encoding));
    return accept(candidate, warnings, `byte-order mark says ${bom.encoding}`);
  }

  if (declared) {
    const label = canonicalLabel(declared);
    const strict = label ? tryDecodeStrict(bytes, label) : undefined;
    if (label && strict !== undefined) return { text: strict, encoding: label, warnings };
    warnings.push({
      code: 'charset-mismatch',
      message: `声明的编码 ${declared} 与内容不符，已自动识别 / declared charset ${declared} does not match the bytes; detected instead`,
    });
  }

  const utf16 = guessBomlessUtf16(bytes);
  if (utf16) {
    warnings.push({ code: 'encoding-guess', message: `无 BOM 的 ${utf16} 文本 / BOM-less ${utf16} detected from NUL bytes` });
    return accept(measure(utf16, decodeLossy(bytes, utf16)), warnings, `NUL pattern says ${utf16}`);
  }

  const utf8 = tryDecodeStrict(bytes, 'utf-8');
  if (utf8 !== undefined) return { text: utf8, encoding: 'utf-8', warnings };

  const sample = bytes.subarray(0, DETECTION_BYTES);
  const candidates = ['gb18030', 'big5', 'utf-8'].map((encoding) => measure(encoding, decodeLossy(sample, encoding)));
  const [gb, big5, lossyUtf8] = candidates as [Candidate, Candidate, Candidate];
  let best = gb;
  if (quality(big5) > quality(gb) + BIG5_MARGIN) best = big5;
  if (quality(lossyUtf8) > quality(best)) best = lossyUtf8;
  if (best !== gb || gb.han < MIN_HAN_TO_JUDGE) {
    warnings.push({ code: 'encoding-guess', message: `编码识别为 ${best.encoding} / encoding guessed as ${best.encoding}` });
  }
  const whole = sample.length === bytes.length ? best : measure(best.encoding, decodeLossy(bytes, best.encoding));
  return accept(whole, warnings, `detected as ${best.encoding}`);
}

/**
 * iconv-lite, for runtimes built without full ICU (whose TextDecoder knows no GB18030 or Big5). Node's official builds
 * and the Lambda runtimes have full ICU, so it is normally never loaded; `loadLegacyDecoders` fetches it when needed.
 */
let iconv: typeof iconvLite | undefined;

export function icuHasChineseEncodings(): boolean {
  try {
    new TextDecoder('gb18030');
    new TextDecoder('big5');
    return true;
  } catch {
    return false;
  }
}

export async function loadLegacyDecoders(): Promise<void> {
  if (!iconv && !icuHasChineseEncodings()) iconv = (await import('iconv-lite')).default;
}

function legacy(): typeof iconvLite {
  if (!iconv) throw new RangeError('this runtime decodes no GB18030/Big5 and iconv-lite is not loaded');
  return iconv;
}

/** Decodes with a label TextDecoder knows, else iconv-lite (for runtimes built without full ICU). */
export function decodeLossy(bytes: Uint8Array, encoding: string): string {
  try {
    return new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
  } catch {
    return legacy().decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), encoding, { stripBOM: false });
  }
}

export function detectBom(bytes: Uint8Array): { encoding: 'utf-8' | 'utf-16le' | 'utf-16be'; length: number } | undefined {
  const [a, b, c, d] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (a === 0xef && b === 0xbb && c === 0xbf) return { encoding: 'utf-8', length: 3 };
  // FF FE 00 00 would be UTF-32LE; no report is written in it, and the UTF-16 reading fails the plausibility check.
  if (a === 0xff && b === 0xfe && !(c === 0 && d === 0)) return { encoding: 'utf-16le', length: 2 };
  if (a === 0xfe && b === 0xff) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/**
 * UTF-16 without a BOM: ASCII characters (digits, spaces, newlines) put a NUL in every other byte. Chinese-only text
 * without any ASCII cannot be told apart this way and falls through to the other detectors.
 */
export function guessBomlessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const sample = Math.min(bytes.length, 64 * 1024) & ~1;
  if (sample < 16) return undefined;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) evenNuls++;
    if (bytes[i + 1] === 0) oddNuls++;
  }
  const pairs = sample / 2;
  if (oddNuls > pairs * 0.05 && evenNuls < pairs * 0.005) return 'utf-16le';
  if (evenNuls > pairs * 0.05 && oddNuls < pairs * 0.005) return 'utf-16be';
  return undefined;
}

/** Canonical name of a charset label (e.g. "GBK" → "gb18030", "utf8" → "utf-8"), or undefined when unknown. */
export function canonicalLabel(label: string): string | undefined {
  const name = label.trim().toLowerCase();
  // GB2312 and GBK pages are decoded as their superset GB18030: real "GB2312" pages use GBK characters anyway.
  if (['gb2312', 'gbk', 'gb18030', 'x-gbk', 'cp936', 'euc-cn', 'chinese'].includes(name)) return 'gb18030';
  try {
    return new TextDecoder(name).encoding;
  } catch {
    return iconv?.encodingExists(name) ? name : undefined;
  }
}

function tryDecodeStrict(bytes: Uint8Array, encoding: string): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    // A RangeError means the label is unknown to this ICU build: fall back to a lossy iconv decode plus a check.
    const text = decodeLossy(bytes, encoding);
    return text.includes('\uFFFD') ? undefined : text;
  }
}

function measure(encoding: string, text: string): Candidate {
  let replacements = 0;
  let han = 0;
  let common = 0;
  // Code-unit ranges instead of a regex per character: this runs over whole uploads.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0xfffd) replacements++;
    else if ((code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0xf900 && code <= 0xfaff)) {
      han++;
      if (COMMON_HAN.has(text[i]!)) common++;
    } else if (code >= 0xd840 && code <= 0xd87f) {
      // High surrogate of CJK extensions B–F: rare characters, never common ones.
      han++;
      i++;
    }
  }
  return { encoding, text, replacements, han, common };
}

function quality(candidate: Candidate): number {
  const commonShare = candidate.han > 0 ? candidate.common / candidate.han : 0;
  const replacementShare = candidate.replacements / Math.max(1, candidate.text.length);
  return commonShare - 20 * replacementShare;
}

function accept(candidate: Candidate, warnings: ExtractWarning[], why: string): DecodedText {
  const length = Math.max(1, candidate.text.length);
  if (candidate.replacements > Math.max(2, length * MAX_REPLACEMENT_SHARE)) {
    throw rejectEncoding(
      `按 ${candidate.encoding} 解码有 ${candidate.replacements} 处乱码`,
      `${why}, but ${candidate.replacements} of ${length} characters could not be decoded`,
    );
  }
  if (candidate.han >= MIN_HAN_TO_JUDGE && candidate.common / candidate.han < MIN_COMMON_SHARE) {
    throw rejectEncoding(
      `按 ${candidate.encoding} 解码得到的文字不像中文`,
      `${why}, but only ${candidate.common} of ${candidate.han} Han characters are common ones (mojibake?)`,
    );
  }
  if (candidate.replacements > 0) {
    warnings.push({
      code: 'encoding-replacements',
      message: `${candidate.replacements} 个字符无法解码，已替换为 � / ${candidate.replacements} undecodable characters replaced`,
    });
  }
  return { text: candidate.text, encoding: candidate.encoding, warnings };
}
