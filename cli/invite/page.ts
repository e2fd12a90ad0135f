import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UPLOAD_TYPES, type SignedUnitPage } from './forms.ts';

/**
 * The HTML of the upload pages: one self-contained file per unit (what the county sends the unit) and an index for
 * the county office. No external script, style, font or image: one inline script (page-script.js) and one inline
 * style, both pinned by hash in the page's Content-Security-Policy, which also allows connections to the bucket's
 * endpoint only. A page opened from an e-mail attachment or a shared folder works as it is.
 */

const SCRIPT_URL = new URL('./page-script.js', import.meta.url);

let script: Promise<string> | undefined;
/** The browser script inlined into every page. */
export function pageScript(): Promise<string> {
  script ??= readFile(SCRIPT_URL, 'utf8');
  return script;
}

const STYLE = `
body{margin:0;background:#f4f5f7;color:#1f2328;font:16px/1.6 "Microsoft YaHei","PingFang SC","Noto Sans CJK SC","Source Han Sans SC",sans-serif}
main{max-width:760px;margin:24px auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px 32px}
h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:24px 0 8px;border-top:1px solid #d8dee4;padding-top:16px}
.unit{font-size:18px;margin:0 0 8px}.note{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px}
.hint{color:#57606a;font-size:14px}button{font:inherit;padding:6px 20px;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;cursor:pointer}
button:disabled{background:#94d3a2;border-color:#94d3a2;cursor:not-allowed}button.secondary{background:#f6f8fa;color:#24292f;border-color:#d0d7de}
progress{width:100%;height:18px;margin:12px 0 4px}#chosen{font-weight:bold}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.pick{display:inline-block;padding:6px 20px;border:1px solid #0969da;border-radius:6px;color:#0969da;background:#fff;cursor:pointer;margin-right:12px}
input:focus-visible+.pick{outline:2px solid #0969da;outline-offset:2px}input:disabled+.pick{color:#8c959f;border-color:#d0d7de;cursor:not-allowed}
#result{font-size:18px;font-weight:bold;min-height:1.6em}#result[data-result=success]{color:#1a7f37}
#result[data-result=too-large],#result[data-result=expired],#result[data-result=denied],#result[data-result=type],#result[data-result=empty],#result[data-result=network],#result[data-result=error]{color:#cf222e}
[data-state=failed],[data-state=expired]{color:#cf222e;font-weight:bold}[data-state=scored]{color:#1a7f37;font-weight:bold}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:6px 10px;text-align:left;vertical-align:top}
footer{margin-top:24px;color:#57606a;font-size:13px}
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside <script type="application/json">: no `</script>` can end the block early. */
function jsonBlock(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Expiry as the clerk reads it: Beijing time, whatever the machine's zone. */
export function beijingTime(iso: string): string {
  const format = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
  return `${format.format(new Date(iso))}（北京时间）`;
}

export function formatMegabytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

function contentSecurityPolicy(scriptText: string, origins: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src ${sha256(scriptText)}`,
    `style-src ${sha256(STYLE)}`,
    `connect-src ${[...new Set(origins)].join(' ')}`,
    'img-src data:',
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function htmlDocument(title: string, csp: string, body: string, config: unknown, scriptText: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<noscript><p>本页面需要启用浏览器的 JavaScript 才能上传和查询状态。</p></noscript>
<script type="application/json" id="fazhi-config">${jsonBlock(config)}</script>
<script>${scriptText}</script>
</body>
</html>
`;
}

/** The file name of a unit's page in the output folder (what the county sends the unit). */
export const unitPageFileName = (unit: string): string => `${unit}-报告上传.html`;

export interface PageContext {
  /** When `fazhi invite` wrote the page (ISO 8601). */
  issuedAt: string;
}

export async function renderUnitPage(page: SignedUnitPage, context: PageContext): Promise<string> {
  const scriptText = await pageScript();
  const accept = Object.fromEntries(UPLOAD_TYPES.map((t) => [t.ext, [...t.accept]]));
  const config = {
    kind: 'unit',
    year: page.year,
    county: page.county,
    unit: page.unit,
    expiresAt: page.expiresAt,
    maxBytes: page.maxBytes,
    postUrl: page.postUrl,
    forms: page.forms,
    accept,
    statusUrl: page.statusUrl,
  };
  const origins = [new URL(page.postUrl).origin, new URL(page.statusUrl).origin];
  const unit = escapeHtml(page.unit);
  const scope = `${escapeHtml(page.county)} · ${page.year}年度`;
  const acceptAttr = UPLOAD_TYPES.flatMap((t) => t.accept).join(',');
  const body = `<main>
<h1>法治政府建设年度报告上传</h1>
<p class="unit">单位：<strong>${unit}</strong> · ${scope}</p>
<p class="note">本页面是<strong>${unit}</strong>专用的上传凭证，请勿转发给其他单位。有效期至 <strong>${escapeHtml(beijingTime(page.expiresAt))}</strong>。</p>
<h2>一、选择并上传报告</h2>
<p>可上传：${UPLOAD_TYPES.map((t) => escapeHtml(t.label)).join('、')}；单个文件不超过 ${formatMegabytes(page.maxBytes)}。扫描件（图片 PDF）没有文字，无法评分，请上传 Word 文件或可复制文字的 PDF。</p>
<p><input type="file" id="file" class="visually-hidden" accept="${escapeHtml(acceptAttr)}"><label for="file" class="pick">选择报告文件…</label>已选择：<span id="chosen">未选择文件</span></p>
<p><button id="upload" type="button" disabled>上传</button></p>
<progress id="progress" max="100" value="0"></progress>
<div id="progress-text" class="hint"></div>
<p id="result" role="status" aria-live="polite"></p>
<h2>二、处理状态</h2>
<p id="status" data-state="loading" role="status" aria-live="polite">查询中…</p>
<p id="status-detail" class="hint"></p>
<p><button id="refresh" type="button" class="secondary">刷新状态</button></p>
<p class="hint">重新上传会替换本单位之前上传的报告，以最后一次上传为准。处理状态只说明报告是否收到、能否读取；得分由县依法治县办审核后公布。</p>
<footer>县依法治县办通过 Fazhi Score 于 ${escapeHtml(beijingTime(context.issuedAt))} 生成本页面。</footer>
</main>`;
  const title = `${page.unit} · ${page.county}${page.year}年度法治政府建设报告上传`;
  return htmlDocument(title, contentSecurityPolicy(scriptText, origins), body, config, scriptText);
}

export interface IndexEntry {
  unit: string;
  page: string;
  statusUrl: string;
}

export interface IndexContext extends PageContext {
  year: number;
  county: string;
  expiresAt: string;
  units: readonly IndexEntry[];
  /** Lines of the unit list that got no page, with the reason. */
  refused: readonly { line: number; name: string; reason: string }[];
  /** Units that got a page but whose name the gazetteer doubts (another county's township), with the warning. */
  warnings?: readonly { line: number; name: string; warning: string }[];
}

export async function renderIndexPage(context: IndexContext): Promise<string> {
  const scriptText = await pageScript();
  const config = {
    kind: 'index',
    year: context.year,
    county: context.county,
    expiresAt: context.expiresAt,
    units: context.units.map((u) => ({ unit: u.unit, statusUrl: u.statusUrl })),
  };
  const origins = context.units.map((u) => new URL(u.statusUrl).origin);
  const rows = context.units
    .map(
      (u, i) =>
        `<tr><td>${escapeHtml(u.unit)}</td><td><a href="${escapeHtml(encodeURIComponent(u.page))}">${escapeHtml(u.page)}</a></td><td id="status-${i}" data-state="loading">查询中…</td></tr>`,
    )
    .join('\n');
  const refused =
    context.refused.length === 0
      ? ''
      : `<h2>未生成页面的单位</h2>\n<ul>${context.refused.map((r) => `<li>第 ${r.line} 行“${escapeHtml(r.name)}”：${escapeHtml(r.reason)}</li>`).join('')}</ul>`;
  const doubted = context.warnings ?? [];
  const warned =
    doubted.length === 0
      ? ''
      : `<h2>请核实名称的单位（已生成页面）</h2>\n<ul>${doubted.map((w) => `<li>第 ${w.line} 行“${escapeHtml(w.name)}”：${escapeHtml(w.warning)}</li>`).join('')}</ul>`;
  const body = `<main>
<h1>${escapeHtml(context.county)}${context.year}年度法治政府建设报告 · 各单位上传页面</h1>
<p class="note">共 ${context.units.length} 个单位。每个页面都是该单位专用的上传凭证（任何拿到页面的人都能以该单位名义上传），请只发给该单位，例如通过政务邮箱把对应的 .html 文件发给各单位办公室。页面有效期至 <strong>${escapeHtml(beijingTime(context.expiresAt))}</strong>；过期后重新运行 fazhi invite 生成新页面。</p>
<table>
<thead><tr><th>单位</th><th>上传页面</th><th>处理状态</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p><button id="refresh" type="button" class="secondary">刷新状态</button></p>
${refused}
${warned}
<footer>通过 Fazhi Score 于 ${escapeHtml(beijingTime(context.issuedAt))} 生成。处理状态不含分数；排名和得分见 fazhi export 生成的工作簿。</footer>
</main>`;
  const title = `${context.county}${context.year}年度法治政府建设报告上传页面一览`;
  return htmlDocument(title, contentSecurityPolicy(scriptText, origins.length > 0 ? origins : ["'none'"]), body, config, scriptText);
}
