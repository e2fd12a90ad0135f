import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT, intOption, parse, stringOption, UsageError, type Io } from '../usage.ts';

export const INVITE_HELP = `用法：fazhi invite --year YEAR --county NAME --units FILE --out DIR [--expires 7d] [--bucket B] [连接选项]

为名单中的每个单位生成一个上传页面（DIR/<单位>-报告上传.html）和县依法治县办用的索引页（DIR/index.html）。
单位人员只需浏览器：打开页面、选择报告、点“上传”，随后在同一页面查看处理状态（已收到、处理失败的原因、已评分）。
页面是独立的 HTML 文件（不引用任何外部脚本、字体或网站），可以通过政务邮箱发给各单位。

每个页面带有用本机 AWS 凭证签名的 S3 上传许可（presigned POST）：只能上传到 reports/{年度}/{县名}/{单位}/，
只能是可评分的文件类型，不超过上传大小上限，到期失效；以及一个只读链接，用来读取该单位的处理状态。
页面就是上传凭证：拿到页面的人都能以该单位名义上传，请只发给该单位。重新运行会生成新的页面；
旧页面在到期前仍然有效（签名无法单独撤销）。

选项：
  --year YEAR       年度（必填）
  --county NAME     县名（必填，与 fazhi export --county 相同）
  --units FILE      单位名单：每行一个单位名称；空行和以 # 开头的行忽略（必填）
  --out DIR         页面写到这个目录（必填；已有的同名页面会被覆盖）
  --expires T       有效期：7d、48h、90m 等，最长 7d（默认 7d）。用临时凭证（角色、SSO）签名时，
                    页面在凭证到期时就失效，可能早于此时间（会给出提示）
  --bucket NAME     数据桶（FAZHI_BUCKET；部署输出 BucketName）
  --region REGION   AWS 区域（AWS_REGION）
  --s3-endpoint URL 本地 S3 地址（FAZHI_S3_ENDPOINT；由 fazhi local --keep 给出）
  -h, --help        显示本帮助

名单中不合格的行（重复、含不能用作目录名的字符、名称过长过短）不生成页面，逐行说明原因。
单位名称尽可能按全国行政区划名录核对：名录中属于本县的乡镇、街道照常生成；名录中只有一处、
却属于别的县的乡镇或街道，照常生成页面但给出提示，请核实名称或 --county；县直部门和名录中没有的名称无法核对，
照常接受，不会因此失败。--county 不在名录中时不做这项核对（会给出提示）。
退出码：0 全部生成（有提示也是 0）；1 有单位没有生成页面；2 用法或配置错误。`;

/** Longest page lifetime: a SigV4 presigned GET (the status link) lives at most 7 days (as MAX_PAGE_LIFETIME_SECONDS). */
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;
const DEFAULT_EXPIRES = '7d';
const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };

/** `7d`, `48h`, `90m`, `30s` → seconds, at most 7 days. */
export function parseExpires(text: string): number {
  const match = /^(\d+)\s*([dhms])$/u.exec(text.trim());
  if (!match) throw new UsageError(`--expires 应为数字加单位 d/h/m/s（例如 7d、48h），收到“${text}”`);
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  if (seconds < 1) throw new UsageError('--expires 至少 1 秒');
  if (seconds > MAX_EXPIRES_SECONDS) throw new UsageError(`--expires 最长 7d（S3 预签名链接最长 7 天），收到“${text}”`);
  return seconds;
}

function required(values: Parameters<typeof stringOption>[0], name: string): string {
  const value = stringOption(values, name);
  if (!value) throw new UsageError(`缺少 --${name}。运行 \`fazhi invite --help\` 查看用法。`);
  return value;
}

export async function inviteCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(
    args,
    {
      year: { type: 'string' },
      county: { type: 'string' },
      units: { type: 'string' },
      out: { type: 'string' },
      expires: { type: 'string' },
      bucket: { type: 'string' },
      region: { type: 'string' },
      's3-endpoint': { type: 'string' },
    },
    'invite',
  );
  if (values.help) {
    io.out(INVITE_HELP);
    return EXIT.ok;
  }
  const year = intOption(values, 'year');
  if (year === undefined || year < 2000 || year > 2100)
    throw new UsageError('缺少 --year，或年度不是 2000–2100 之间的四位数。运行 `fazhi invite --help` 查看用法。');
  const county = required(values, 'county');
  const unitsFile = required(values, 'units');
  const outDir = required(values, 'out');
  const expiresInSeconds = parseExpires(stringOption(values, 'expires') ?? DEFAULT_EXPIRES);
  const bucket = stringOption(values, 'bucket') ?? (process.env.FAZHI_BUCKET || undefined);
  if (!bucket) throw new UsageError('不知道页面要上传到哪个桶：缺少 --bucket（或 FAZHI_BUCKET）。部署的输出 BucketName 或 fazhi local --keep 会给出。');
  const region = stringOption(values, 'region') ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined);
  const s3Endpoint = stringOption(values, 's3-endpoint') ?? (process.env.FAZHI_S3_ENDPOINT || undefined);
  if (s3Endpoint && !URL.canParse(s3Endpoint)) throw new UsageError(`S3 地址不是有效的 URL：${s3Endpoint}`);

  const { checkUnitNames, gazetteerUnits, nameLength, oddCharacters, readUnitLines } = await import('../invite/names.ts');
  const countyProblem = oddCharacters(county) ?? nameLength(county);
  if (countyProblem) throw new UsageError(`--county “${county}”${countyProblem}`);
  let listText: string;
  try {
    listText = await readFile(unitsFile, 'utf8');
  } catch (error) {
    throw new UsageError(`读不到单位名单 ${unitsFile}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // The national gazetteer, where it knows the county: a township it places in another county gets a warning.
  const knownUnit = gazetteerUnits(county);
  if (!knownUnit) io.err(`注意：全国行政区划名录中没有“${county}”，单位名称未按名录核对（请确认 --county 的写法，例如“青川县”）。`);
  const { units, refused, warnings } = checkUnitNames(readUnitLines(listText), { county, ...(knownUnit ? { knownUnit } : {}) });
  for (const r of refused) io.err(`  ✗ 第 ${r.line} 行“${r.name}”：${r.reason}`);
  for (const w of warnings) io.err(`  ! 第 ${w.line} 行“${w.name}”：${w.warning}`);
  if (units.length === 0) {
    io.err(`${unitsFile} 中没有可用的单位名称（每行一个单位）。`);
    return EXIT.someFailed;
  }

  const { makeS3Client } = await import('../../functions/aws/clients.ts');
  const { againstTarget } = await import('../pipeline-target.ts');
  const { MAX_UPLOAD_BYTES } = await import('../../pipeline/extract/limits.ts');
  const { signUnitPage } = await import('../invite/forms.ts');
  const { beijingTime, renderIndexPage, renderUnitPage, unitPageFileName } = await import('../invite/page.ts');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = makeS3Client({ ...(region ? { region } : {}), ...(s3Endpoint ? { s3Endpoint } : {}) });
  try {
    const issuedAt = new Date().toISOString();
    const signer = await againstTarget(undefined, () => client.config.credentials());
    const wanted = Date.now() + expiresInSeconds * 1000;
    if (signer.expiration && signer.expiration.getTime() < wanted) {
      io.err(
        `注意：签名用的是临时凭证（角色、SSO 或会话令牌），它在 ${beijingTime(signer.expiration.toISOString())} 到期，页面也会在那时失效，早于 --expires。请改用 IAM 用户的访问密钥签名（见 README），或缩短 --expires。`,
      );
    } else if (signer.sessionToken && !signer.expiration) {
      io.err('注意：签名用的是临时凭证（带会话令牌），页面在该会话到期时失效，可能早于 --expires。');
    }

    // A page says when it stops working: the policy's expiration, or the signing credentials' own if earlier.
    const credentialExpiry = signer.expiration?.toISOString();
    await mkdir(outDir, { recursive: true });
    const entries: { unit: string; page: string; statusUrl: string }[] = [];
    let expiresAt = '';
    for (const { name: unit } of units) {
      const signed = await againstTarget(undefined, () => signUnitPage(client, { bucket, year, county, unit, expiresInSeconds, maxBytes: MAX_UPLOAD_BYTES }));
      const page = credentialExpiry && credentialExpiry < signed.expiresAt ? { ...signed, expiresAt: credentialExpiry } : signed;
      const file = unitPageFileName(unit);
      await writeFile(join(outDir, file), await renderUnitPage(page, { issuedAt }));
      entries.push({ unit, page: file, statusUrl: page.statusUrl });
      if (!expiresAt || page.expiresAt < expiresAt) expiresAt = page.expiresAt;
      io.out(`  ✓ ${unit}  →  ${join(outDir, file)}`);
    }
    await writeFile(join(outDir, 'index.html'), await renderIndexPage({ year, county, expiresAt, issuedAt, units: entries, refused, warnings }));
    io.out(`已为 ${county} ${year}年度的 ${entries.length} 个单位生成上传页面，有效期至 ${beijingTime(expiresAt)}。`);
    io.out(`索引页：${join(outDir, 'index.html')}（各单位的页面和处理状态）。请把每个单位的页面只发给该单位。`);
    io.out(`上传位置：s3://${bucket}/reports/${year}/${county}/<单位>/`);
  } finally {
    client.destroy();
  }
  if (refused.length > 0) {
    io.err(`${refused.length} 行没有生成页面（原因见上）。`);
    return EXIT.someFailed;
  }
  return EXIT.ok;
}
