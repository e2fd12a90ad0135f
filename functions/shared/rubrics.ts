import type { RubricRef } from '../../schemas/events.ts';
import { rubricTag } from '../../schemas/storage.ts';
import { bundledRubricById, bundledRubricFor, bundledRubricYears } from '../../pipeline/score/bundled-rubrics.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import { VisibleError } from '../../pipeline/failure.ts';

/** Rubrics are bundled into the code (pipeline/score/bundled-rubrics.ts); events and settings name them. */

/** A rubric named by an event, a setting or a CLI option is not bundled with this code. */
export class UnknownRubricError extends VisibleError {
  override readonly name = 'UnknownRubricError';
  constructor(message: string) {
    super(message, { exitCode: 2 });
  }
}

export function bundledRubricTags(): string[] {
  return bundledRubricYears().map((year) => rubricTag(bundledRubricFor(year).rubric));
}

export function rubricByRef(ref: RubricRef): LoadedRubric {
  const loaded = bundledRubricById(ref.id, ref.version);
  if (!loaded) throw new UnknownRubricError(`rubric ${rubricTag(ref)} is not bundled with this code (bundled: ${bundledRubricTags().join(', ')})`);
  return loaded;
}

/** A rubric named by a year ("2024": the rubric for that year), an id ("fazhi-2024"), or id@version. */
export function rubricFromSetting(value: string): LoadedRubric {
  const text = value.trim();
  if (/^\d{4}$/.test(text)) return bundledRubricFor(Number(text));
  const at = text.lastIndexOf('@');
  const id = at > 0 ? text.slice(0, at) : text;
  const version = at > 0 ? text.slice(at + 1) : undefined;
  const loaded = bundledRubricById(id, version);
  if (!loaded) throw new UnknownRubricError(`“${text}” is not a bundled rubric (use a year such as 2024, or one of: ${bundledRubricTags().join(', ')})`);
  return loaded;
}

export const refOf = (loaded: LoadedRubric): RubricRef => ({ id: loaded.rubric.id, version: loaded.rubric.version });
