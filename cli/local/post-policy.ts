import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * S3's browser-upload (POST Object) policy check, for the local stack. s3rver 3.7.1 stores POSTed files but ignores
 * the policy entirely (lib/controllers/object.js: `case 'policy': // unimplemented`), so a page could write anywhere.
 * The local S3 front (s3-front.ts) runs this check first, following AWS's documented rules for the parts the upload
 * pages use: a SigV4 signature over the base64 policy, the expiration, every form field covered by a condition, and
 * the `eq` / `starts-with` / `content-length-range` conditions. What it does not do (AWS does): session tokens, the
 * signer's own IAM permissions, bucket policies, and the `${filename}` key variable. The answers (status, code,
 * message) are S3's, so the page's handling of them is exercised too.
 */

export interface PostForm {
  /** Form fields before the file, in order; names as sent (S3 compares them case-insensitively). */
  fields: readonly { name: string; value: string }[];
  /** Size of the `file` part in bytes, or null when the form has no file. */
  fileSize: number | null;
}

export interface PostRefusal {
  status: number;
  code: string;
  message: string;
}

export interface PostPolicyContext {
  /** The bucket in the request's path. */
  bucket: string;
  now: Date;
  /** The one access key the local S3 server knows, and its secret. */
  credentials: { accessKeyId: string; secretAccessKey: string };
}

type Condition = { kind: 'eq' | 'starts-with'; field: string; value: string; raw: unknown } | { kind: 'length'; min: number; max: number; raw: unknown };

/** Form fields no condition needs to cover (AWS: the signature, the file, the policy itself, and x-ignore-*). */
const UNCOVERED = new Set(['x-amz-signature', 'file', 'policy']);

const denied = (message: string): PostRefusal => ({ status: 403, code: 'AccessDenied', message });
const invalidPolicy = (why: string): PostRefusal => ({ status: 400, code: 'InvalidPolicyDocument', message: `Invalid Policy: ${why}` });

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The SigV4 signature of a POST policy: HMAC-SHA256 over the base64 policy with the day's derived signing key. */
export function postPolicySignature(secretAccessKey: string, date: string, region: string, service: string, policyBase64: string): string {
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return hmac(signingKey, policyBase64).toString('hex');
}

function parseConditions(conditions: unknown): Condition[] | PostRefusal {
  if (!Array.isArray(conditions)) return invalidPolicy('conditions must be an array');
  const parsed: Condition[] = [];
  for (const raw of conditions as unknown[]) {
    if (Array.isArray(raw)) {
      const [op, a, b] = raw as unknown[];
      if (op === 'content-length-range' && typeof a === 'number' && typeof b === 'number') parsed.push({ kind: 'length', min: a, max: b, raw });
      else if ((op === 'eq' || op === 'starts-with') && typeof a === 'string' && a.startsWith('$') && typeof b === 'string') {
        parsed.push({ kind: op, field: a.slice(1).toLowerCase(), value: b, raw });
      } else return invalidPolicy(`unknown condition ${JSON.stringify(raw)}`);
    } else if (raw !== null && typeof raw === 'object' && Object.keys(raw).length === 1) {
      const [field, value] = Object.entries(raw as Record<string, unknown>)[0]!;
      if (typeof value !== 'string') return invalidPolicy(`condition value must be a string: ${JSON.stringify(raw)}`);
      parsed.push({ kind: 'eq', field: field.toLowerCase(), value, raw });
    } else return invalidPolicy(`unknown condition ${JSON.stringify(raw)}`);
  }
  return parsed;
}

function checkSignature(fields: Map<string, string>, policy: string, context: PostPolicyContext): PostRefusal | null {
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') return invalidPolicy('x-amz-algorithm must be AWS4-HMAC-SHA256');
  const credential = (fields.get('x-amz-credential') ?? '').split('/');
  const [accessKeyId, date, region, service, terminator] = credential;
  if (credential.length !== 5 || !date || !region || service !== 's3' || terminator !== 'aws4_request') return invalidPolicy('malformed x-amz-credential');
  if (accessKeyId !== context.credentials.accessKeyId) {
    return { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  }
  const expected = Buffer.from(postPolicySignature(context.credentials.secretAccessKey, date, region, service, policy));
  const given = Buffer.from(fields.get('x-amz-signature') ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
  }
  return null;
}

/** Every form field must be covered by a condition (S3 refuses "extra input fields"). */
function checkCoverage(form: PostForm, conditions: readonly Condition[]): PostRefusal | null {
  const covered = new Set(conditions.flatMap((c) => (c.kind === 'length' ? [] : [c.field])));
  const extra = form.fields.map((f) => f.name.toLowerCase()).filter((name) => !UNCOVERED.has(name) && !name.startsWith('x-ignore-') && !covered.has(name));
  return extra.length > 0 ? denied(`Invalid according to Policy: Extra input fields: ${[...new Set(extra)].join(', ')}`) : null;
}

function checkCondition(condition: Condition, fields: Map<string, string>, form: PostForm, bucket: string): PostRefusal | null {
  if (condition.kind === 'length') {
    const size = form.fileSize ?? 0;
    if (size > condition.max) return { status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' };
    if (size < condition.min) return { status: 400, code: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed size' };
    return null;
  }
  // The bucket is the one addressed, whatever a `bucket` field says (and a `bucket` field must agree too).
  const values = condition.field === 'bucket' ? [bucket, fields.get('bucket') ?? bucket] : [fields.get(condition.field)];
  const holds = values.every((value) => value !== undefined && (condition.kind === 'eq' ? value === condition.value : value.startsWith(condition.value)));
  return holds ? null : denied(`Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition.raw)}`);
}

/** Null when S3 would accept this POST, else S3's refusal. Size is checked last, as S3 sees it only while streaming. */
export function checkPostPolicy(form: PostForm, context: PostPolicyContext): PostRefusal | null {
  const fields = new Map<string, string>();
  for (const field of form.fields) fields.set(field.name.toLowerCase(), field.value);
  if (form.fileSize === null) return { status: 400, code: 'InvalidArgument', message: 'POST requires exactly one file upload per request.' };
  const policy = fields.get('policy');
  if (policy === undefined) return denied('Access Denied (a POST without a policy is an anonymous write)');

  const refused = checkSignature(fields, policy, context);
  if (refused) return refused;

  let document: { expiration?: unknown; conditions?: unknown };
  try {
    document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof document;
  } catch {
    return invalidPolicy('the policy is not base64-encoded JSON');
  }
  const expiration = typeof document.expiration === 'string' ? Date.parse(document.expiration) : NaN;
  if (Number.isNaN(expiration)) return invalidPolicy('expiration must be an ISO 8601 date');
  if (context.now.getTime() > expiration) return denied('Invalid according to Policy: Policy expired.');

  const conditions = parseConditions(document.conditions);
  if (!Array.isArray(conditions)) return conditions;
  const uncovered = checkCoverage(form, conditions);
  if (uncovered) return uncovered;
  const ordered = [...conditions.filter((c) => c.kind !== 'length'), ...conditions.filter((c) => c.kind === 'length')];
  for (const condition of ordered) {
    const failed = checkCondition(condition, fields, form, context.bucket);
    if (failed) return failed;
  }
  return null;
}

/** S3's error body. */
export function s3ErrorXml(refusal: PostRefusal): string {
  const escape = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escape(refusal.code)}</Code><Message>${escape(refusal.message)}</Message><RequestId>LOCAL</RequestId></Error>`;
}
