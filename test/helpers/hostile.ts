import { copyFileSync, mkdtempSync, openSync, closeSync, readFileSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import type { FailureCode } from '../../schemas/failure.ts';
import { makePasswordPdf, makeScannedPdf } from '../../scripts/handmade-pdf.ts';
import { CONTENT_TYPES, FIXTURE_DIR, documentXml, makeOle, makeZip, minimalDocx, pseudoRandomBytes } from '../pipeline/extract/helpers.ts';
import { SAMPLES_DIR } from './reports.ts';

/**
 * A folder of broken and hostile uploads plus two good reports, as a county office receives them. Used by the CLI
 * test (fazhi score) and the local-pipeline test, which both expect every bad file in `failures` with its code.
 */

export interface HostileFolder {
  dir: string;
  /** File name → the failure code it must end with; good reports are not listed. */
  expected: Record<string, FailureCode>;
  good: string[];
  /** A string that exists only in a file outside the upload; it must never appear in any output. */
  secret: string;
}

const LINE = '临澜县望江镇2024年法治政府建设工作报告正文内容。';

export function makeHostileFolder(): HostileFolder {
  const dir = mkdtempSync(join(tmpdir(), 'fazhi-hostile-'));
  const outside = mkdtempSync(join(tmpdir(), 'fazhi-outside-'));
  const secret = `OUTSIDE-THE-UPLOAD-${process.pid}-4417`;
  const secretPath = join(outside, 'secret.txt');
  writeFileSync(secretPath, `${secret}\n`);

  const expected: Record<string, FailureCode> = {};
  const put = (name: string, bytes: Uint8Array | string, code: FailureCode) => {
    writeFileSync(join(dir, name), bytes);
    expected[name] = code;
  };
  put('空文件.txt', '', 'empty');
  put('只有空格.txt', ' \n\t\u3000\n', 'empty');
  put(
    '成绩表.xlsx',
    makeZip([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: 'xl/workbook.xml', data: '<workbook/>' },
    ]),
    'not-a-report',
  );
  put('附件.zip', makeZip([{ name: '报告.txt', data: LINE }]), 'not-a-report');
  put('照片.png', Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]), 'not-a-report');
  put('乱码.bin', pseudoRandomBytes(50_000), 'not-a-report');
  put('报告.pdf', readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.pdf')).subarray(0, 3_000), 'unreadable');
  put('报告（截断）.docx', readFileSync(join(FIXTURE_DIR, 'wangjiang-2024.docx')).subarray(0, 2_000), 'unreadable');
  put('扫描件.pdf', makeScannedPdf(2), 'scanned-pdf');
  put('加密.pdf', makePasswordPdf(), 'encrypted');
  put(
    '加密.docx',
    makeOle([
      { name: 'EncryptionInfo', data: Buffer.from('0400040040000000', 'hex') },
      { name: 'EncryptedPackage', data: pseudoRandomBytes(6000) },
    ]),
    'encrypted',
  );
  put('压缩炸弹.docx', minimalDocx(documentXml([LINE, ' '.repeat(30 * 1024 * 1024)])), 'zip-bomb');
  put(
    '外部实体.docx',
    minimalDocx(documentXml([LINE.repeat(20), '&xxe;'], { raw: true, doctype: `<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://${secretPath}">]>` })),
    'unreadable',
  );
  put('单行2MB.txt', '法'.repeat(700_000), 'text-too-long');
  put('无法解码.txt', Buffer.concat([Buffer.from([0x81, 0x30, 0xff, 0xfe, 0x00, 0x80]), pseudoRandomBytes(4000, 7)]), 'not-a-report');
  put('英文.txt', 'Annual report on the rule of law. '.repeat(50), 'no-report-content');
  put('繁体Big5乱码.txt', iconv.encode('這是一個測試'.repeat(3), 'big5'), 'no-report-content');
  // 40 MB, written sparse so the test does not spend the time: it is refused from its size alone.
  const big = join(dir, '超大.txt');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 40 * 1024 * 1024);
  closeSync(fd);
  expected['超大.txt'] = 'too-large';

  const good = ['望江镇2024年法治政府建设情况报告.docx', '石门镇2024年法治政府建设工作报告.txt'];
  for (const name of good) copyFileSync(join(SAMPLES_DIR, name), join(dir, name));
  return { dir, expected, good, secret };
}
