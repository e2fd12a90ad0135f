import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { unitFolderPrefix, unitStatusKey } from '../../schemas/storage.ts';

/**
 * What one unit's upload page carries: for each accepted document type a presigned POST (an S3 policy signed with the
 * county operator's credentials) and a presigned GET of the unit's status object. An S3 POST policy cannot say "one of
 * these types", so each type gets its own policy, and each policy allows exactly one key in the unit's folder, exactly
 * that Content-Type, 1 byte up to the upload limit, until the expiry. Re-uploading the same type replaces that key
 * (S3 keeps the old version); another type is another key in the same folder, and the newer upload counts
 * (pipeline/unit-folder.ts).
 */

export interface UploadType {
  /** The extension of the key the page writes. */
  ext: string;
  /** Extensions of the clerk's file this type takes (.htm is written as .html). */
  accept: readonly string[];
  contentType: string;
  /** For the page, in Chinese. */
  label: string;
}

/**
 * The report formats the pipeline reads (schemas/storage.ts REPORT_SUFFIXES), as the page offers them; the content
 * types are those `fazhi upload` sends (cli/uploads.ts), and a test keeps the two in step.
 */
export const UPLOAD_TYPES: readonly UploadType[] = [
  { ext: '.docx', accept: ['.docx'], contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', label: 'Word 文档（.docx）' },
  { ext: '.doc', accept: ['.doc'], contentType: 'application/msword', label: 'Word 97-2003 文档（.doc）' },
  { ext: '.pdf', accept: ['.pdf'], contentType: 'application/pdf', label: '有文字层的 PDF（.pdf）' },
  { ext: '.txt', accept: ['.txt'], contentType: 'text/plain', label: '纯文本（.txt）' },
  { ext: '.html', accept: ['.html', '.htm'], contentType: 'text/html', label: '网页（.html）' },
  { ext: '.md', accept: ['.md'], contentType: 'text/markdown', label: 'Markdown（.md）' },
];

/** SigV4 presigned URLs live at most 7 days; the page's status link must last as long as its upload forms. */
export const MAX_PAGE_LIFETIME_SECONDS = 7 * 24 * 3600;

/** The key a unit's page writes for one type: `reports/{year}/{county}/{unit}/{unit}{year}年度法治政府建设报告{ext}`. */
export function unitReportKey(year: number, county: string, unit: string, ext: string): string {
  return `${unitFolderPrefix(year, county, unit)}${unit}${year}年度法治政府建设报告${ext}`;
}

export interface SignedUnitPage {
  year: number;
  county: string;
  unit: string;
  /** Where the forms are POSTed (the bucket's endpoint). */
  postUrl: string;
  /** Form fields per upload type extension, the file to be appended last. */
  forms: Record<string, Record<string, string>>;
  /** Presigned GET of status/{year}/{county}/{unit}.json. */
  statusUrl: string;
  /** The policies' expiration (ISO 8601, as signed). */
  expiresAt: string;
  maxBytes: number;
}

export interface SignInput {
  bucket: string;
  year: number;
  county: string;
  unit: string;
  expiresInSeconds: number;
  maxBytes: number;
}

function policyExpiration(fields: Record<string, string>): string {
  const policy = fields.Policy ?? fields.policy;
  if (!policy) throw new Error('the presigned POST has no policy field');
  const { expiration } = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as { expiration?: string };
  if (!expiration) throw new Error('the presigned POST policy has no expiration');
  return expiration;
}

export async function signUnitPage(client: S3Client, input: SignInput): Promise<SignedUnitPage> {
  if (!(input.expiresInSeconds > 0 && input.expiresInSeconds <= MAX_PAGE_LIFETIME_SECONDS)) {
    throw new Error(`page lifetime must be 1 s to ${MAX_PAGE_LIFETIME_SECONDS} s, not ${input.expiresInSeconds}`);
  }
  const forms: Record<string, Record<string, string>> = {};
  let postUrl = '';
  let expiresAt = '';
  for (const type of UPLOAD_TYPES) {
    const post = await createPresignedPost(client, {
      Bucket: input.bucket,
      Key: unitReportKey(input.year, input.county, input.unit, type.ext),
      Conditions: [['content-length-range', 1, input.maxBytes], { 'Content-Type': type.contentType }],
      Fields: { 'Content-Type': type.contentType },
      Expires: input.expiresInSeconds,
    });
    forms[type.ext] = post.fields;
    postUrl = post.url;
    // The earliest of the policies (they are signed a few milliseconds apart): the page says no more than is true.
    const expiration = policyExpiration(post.fields);
    if (!expiresAt || expiration < expiresAt) expiresAt = expiration;
  }
  const statusUrl = await getSignedUrl(
    client,
    new GetObjectCommand({ Bucket: input.bucket, Key: unitStatusKey(input.year, input.county, input.unit), ResponseCacheControl: 'no-cache' }),
    { expiresIn: input.expiresInSeconds },
  );
  return { year: input.year, county: input.county, unit: input.unit, postUrl, forms, statusUrl, expiresAt, maxBytes: input.maxBytes };
}
