// cli/rubrics.ts loads a rubric file once per process while the file stays as it was: the same file asked for again is
// not read or validated again, and a file edited between two loads is the edited rubric (or its errors), never the one
// loaded before.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRubricFile } from '../../cli/rubrics.ts';
import { RubricError } from '../../pipeline/score/rubric.ts';
import { ROOT } from '../helpers/reports.ts';

const SHIPPED = readFileSync(join(ROOT, 'scoring-rules/2024.json'), 'utf8');
let folder: string | undefined;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

function rubricFile(text: string): string {
  folder = mkdtempSync(join(tmpdir(), 'fazhi-rubrics-'));
  const path = join(folder, '2024.json');
  writeFileSync(path, text);
  return path;
}

describe('loadRubricFile', () => {
  it('gives the rubric loaded before for the same file and text, and the edited rubric once the file changed', async () => {
    // Prepare
    const path = rubricFile(SHIPPED);
    const shipped = await loadRubricFile(join(ROOT, 'scoring-rules/2024.json'));
    // Act
    const first = await loadRubricFile(path);
    const again = await loadRubricFile(path);
    writeFileSync(path, SHIPPED.replace('"title": "', '"title": "（修订）'));
    const edited = await loadRubricFile(path);
    // Assess
    expect(again).toBe(first);
    expect(first.sha256).toBe(shipped.sha256);
    expect(first.origin).toBe(path);
    expect(edited.rubric.title).toBe(`（修订）${first.rubric.title}`);
    expect(edited.sha256).not.toBe(first.sha256);
  });

  it('notices an edit that keeps the file’s size', async () => {
    // Prepare: a version string changed in one character.
    const path = rubricFile(SHIPPED);
    const before = await loadRubricFile(path);
    const version = before.rubric.version;
    const next = `${version.slice(0, -1)}${version.endsWith('9') ? '8' : '9'}`;
    writeFileSync(path, SHIPPED.replace(`"version": "${version}"`, `"version": "${next}"`));
    // Act
    const after = await loadRubricFile(path);
    // Assess
    expect(readFileSync(path).length).toBe(Buffer.byteLength(SHIPPED));
    expect(after.rubric.version).toBe(next);
    expect(after.sha256).not.toBe(before.sha256);
  });

  it('validates an edited file in full: a broken edit after a good load is an error, not the good rubric', async () => {
    // Prepare
    const path = rubricFile(SHIPPED);
    await loadRubricFile(path);
    const broken = JSON.parse(SHIPPED) as { dimensions: { indicators: { max: number }[] }[] };
    broken.dimensions[0]!.indicators[0]!.max = -1;
    writeFileSync(path, JSON.stringify(broken));
    // Act
    const loading = loadRubricFile(path);
    // Assess
    await expect(loading).rejects.toBeInstanceOf(RubricError);
    await expect(loading).rejects.toThrow('dimensions[0].indicators[0].max');
  });
});
