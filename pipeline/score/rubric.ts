import { createHash } from 'node:crypto';
import type { z } from 'zod';
// Only the Chinese messages: importing z.locales would bundle every language zod ships.
import zhCN from 'zod/v4/locales/zh-CN.js';
import { Rubric } from '../../schemas/rubric.ts';
import { VisibleError } from '../failure.ts';

/**
 * Loading a rubric: parse the JSON, validate it with zod, and say what is wrong in plain words with the JSON path
 * (dimensions[2].indicators[0].rule.bands), because the people editing these files are office staff, not developers.
 */

export interface LoadedRubric {
  rubric: Rubric;
  /** SHA-256 of the canonical JSON of the validated rubric: what a score records as "the rubric that made me". */
  sha256: string;
  /** Where it was loaded from, for messages. */
  origin: string;
}

/** A rubric file that cannot be used, said for the office staff who edit it: a configuration error (exit code 2). */
export class RubricError extends VisibleError {
  override readonly name = 'RubricError';
  constructor(
    readonly origin: string,
    readonly problems: readonly string[],
  ) {
    super(`${origin}: 评分细则有 ${problems.length} 处问题 (rubric is invalid)\n${problems.map((p) => `  - ${p}`).join('\n')}`, { exitCode: 2 });
  }
}

/** Formats a zod issue path like a JSON path: dimensions[2].indicators[0].max */
export function jsonPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(根)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${jsonPath(issue.path)}: ${issue.message}`);
}

/** Object keys as JSON strings: the same few hundred names recur in every result. */
const quotedKeys = new Map<string, string>();
/** Enough for every field name of every schema; beyond it (keys that are data) nothing more is kept. */
const QUOTED_KEYS_LIMIT = 10_000;

/**
 * Stable JSON: object keys sorted (by UTF-16 code units), keys whose value is undefined left out, so the hash does not
 * change when an editor reorders fields. An array's undefined items are empty, as `Array.prototype.join` makes them.
 * Built with loops rather than entries/filter/sort/map (the digest of a workbook's results runs it over every
 * result: ≈ 3× faster, the same string; test/pipeline/score/rubric.test.ts).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i > 0 ? ',' : ''}${(canonicalJson(value[i]) as string | undefined) ?? ''}`;
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    let quoted = quotedKeys.get(key);
    if (quoted === undefined) {
      quoted = JSON.stringify(key);
      if (quotedKeys.size < QUOTED_KEYS_LIMIT) quotedKeys.set(key, quoted);
    }
    out += `${first ? '' : ','}${quoted}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

/** zod's Chinese messages: the people who read them edit rubrics in Chinese. */
const chineseErrors = zhCN().localeError;

export function parseRubric(json: unknown, origin: string): LoadedRubric {
  const result = Rubric.safeParse(json, { error: chineseErrors });
  if (!result.success) throw new RubricError(origin, describeIssues(result.error));
  const { $schema: _schema, ...content } = result.data;
  const sha256 = createHash('sha256').update(canonicalJson(content)).digest('hex');
  return { rubric: result.data, sha256, origin };
}

export function parseRubricText(text: string, origin: string): LoadedRubric {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/u, ''));
  } catch (error) {
    throw new RubricError(origin, [`不是有效的 JSON (invalid JSON): ${(error as Error).message}`]);
  }
  return parseRubric(json, origin);
}
