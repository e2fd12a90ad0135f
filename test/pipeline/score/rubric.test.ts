import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledRubricFor, bundledRubricYears } from '../../../pipeline/score/bundled-rubrics.ts';
import { canonicalJson, parseRubricText, RubricError } from '../../../pipeline/score/rubric.ts';
import { runScore } from '../../../cli/commands/score.ts';
import { rubricJsonSchema } from '../../../cli/commands/rubric.ts';
import { ROOT, SAMPLES_DIR } from '../../helpers/reports.ts';

const RULES_DIR = join(ROOT, 'scoring-rules');
const rubricFiles = readdirSync(RULES_DIR).filter((f) => /^\d{4}\.json$/u.test(f));
const text2024 = readFileSync(join(RULES_DIR, '2024.json'), 'utf8');

/** JSON objects and arrays as the tests edit them: any member, at any depth, may be read and overwritten. */
type JsonNode = Record<string | number, unknown>;

/** The problems of 2024.json with the value at `path` replaced by `edit(value)` (undefined removes the field). */
function problemsOf(path: readonly (string | number)[], edit: (value: unknown) => unknown): string[] {
  const json = JSON.parse(text2024) as JsonNode;
  const parent = path.slice(0, -1).reduce<JsonNode>((node, key) => node[key] as JsonNode, json);
  const last = path.at(-1)!;
  parent[last] = edit(parent[last]);
  try {
    parseRubricText(JSON.stringify(json), 'edited.json');
    return [];
  } catch (error) {
    if (error instanceof RubricError) return [...error.problems];
    throw error;
  }
}

describe('scoring-rules/', () => {
  it.each(rubricFiles)('%s is valid, names the schema, and its dimension weights sum to the total', (file) => {
    const loaded = parseRubricText(readFileSync(join(RULES_DIR, file), 'utf8'), file);
    const json = JSON.parse(readFileSync(join(RULES_DIR, file), 'utf8')) as { $schema?: unknown };
    expect(json.$schema).toBe('./rubric.schema.json');
    expect(loaded.rubric.dimensions.reduce((s, d) => s + d.max, 0)).toBe(loaded.rubric.max);
    expect(loaded.rubric.year).toBe(Number(file.slice(0, 4)));
  });

  it('every rubric file is bundled for the Lambda functions', () => {
    expect(bundledRubricYears()).toEqual(rubricFiles.map((f) => Number(f.slice(0, 4))).sort());
  });

  it('rubric.schema.json is what `fazhi rubric schema` generates now', () => {
    const committed: unknown = JSON.parse(readFileSync(join(RULES_DIR, 'rubric.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(rubricJsonSchema())));
  });

  it('2024.json has the nine dimensions of criteria.md §7.2 and says which sources are unverified', () => {
    const { rubric } = bundledRubricFor(2024);
    expect(rubric.dimensions.map((d) => [d.id, d.max])).toEqual([
      ['D1', 12],
      ['D2', 12],
      ['D3', 15],
      ['D4', 15],
      ['D5', 14],
      ['D6', 10],
      ['D7', 10],
      ['D8', 5],
      ['D9', 7],
    ]);
    const unverified = rubric.dimensions.flatMap((d) => d.indicators).filter((i) => i.source.verified === 'U');
    expect(unverified.length).toBeGreaterThan(0);
    expect(rubric.notes.some((n) => n.includes('[U]'))).toBe(true);
  });

  it('the hash does not change when an editor only reorders fields or re-indents', () => {
    const json = JSON.parse(text2024) as Record<string, unknown>;
    const { id, version, ...rest } = json;
    const reordered = JSON.stringify({ ...rest, version, id }, null, 4);
    expect(parseRubricText(reordered, 'x').sha256).toBe(parseRubricText(text2024, 'y').sha256);
  });
});

describe('rubric validation speaks plain words and names the JSON path', () => {
  it('weights that do not sum to the total', () => {
    const problems = problemsOf(['dimensions', 0, 'max'], () => 13);
    expect(problems.some((p) => p.startsWith('dimensions:') && p.includes('应等于总分'))).toBe(true);
  });

  it('a regular expression that does not compile', () => {
    const problems = problemsOf(['dimensions', 1, 'indicators', 0, 'rule', 'phrases', 0], () => '习近平(法治');
    expect(problems.some((p) => p.startsWith('dimensions[1].indicators[0].rule.phrases[0]:') && p.includes('正则表达式'))).toBe(true);
  });

  it('a metric the catalogue does not have', () => {
    const problems = problemsOf(['dimensions', 4, 'indicators', 1, 'rule', 'metric'], () => 'mediation.nonexistent');
    expect(problems).toContainEqual(expect.stringMatching(/^dimensions\[4\]\.indicators\[1\]\.rule\.metric: .*mediation\.nonexistent/u));
  });

  it('grade bands out of order, an unknown rule kind, a missing field', () => {
    expect(problemsOf(['grading', 'bands'], (bands) => (bands as unknown[]).toReversed())).toContainEqual(expect.stringMatching(/^grading\.bands\[1\]\.min:/u));
    expect(problemsOf(['dimensions', 0, 'indicators', 0, 'rule', 'kind'], () => 'magic')).toContainEqual(
      expect.stringMatching(/^dimensions\[0\]\.indicators\[0\]\.rule/u),
    );
    expect(problemsOf(['title'], () => undefined)).toContainEqual(expect.stringMatching(/^title: /u));
  });
});

/** canonicalJson as first written (entries, filter, sort, map, join): the string every stored hash and digest is of. */
function canonicalJsonAsWritten(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJsonAsWritten).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJsonAsWritten(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonicalJson', () => {
  it('is the string it always was: for rubrics, results, and values with undefined, holes, unicode keys and escapes', async () => {
    // Prepare
    const rubrics = rubricFiles.map((f) => JSON.parse(readFileSync(join(RULES_DIR, f), 'utf8')) as unknown);
    const { results } = await runScore([SAMPLES_DIR], {});
    const odd = {
      // eslint-disable-next-line no-sparse-arrays -- a hole is one of the cases
      b: [1, undefined, null, , 'x'],
      a: { z: undefined, y: '引号"\\\n', 乙: 1, 甲: 2, Z: true, '': 0, 'a"b': -0 },
      d: new Date(0),
      n: [[], {}, [[{}]]],
      e: 1e21,
      f: 0.1 + 0.2,
    };
    // Act / Assess
    for (const value of [...rubrics, ...results, odd, [odd, odd], 'text', 3.5, null, true]) expect(canonicalJson(value)).toBe(canonicalJsonAsWritten(value));
    expect(results.length).toBeGreaterThan(5);
  });
});
