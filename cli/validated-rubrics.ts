/**
 * Rubric files validated when the CLI was built, by the SHA-256 of their text: what `parseRubric` made of each
 * scoring-rules/*.json, as JSON, and its hash. Empty in the sources: scripts/build-cli.ts fills it in the bundle, with
 * the schema the bundle was built with, and a bundle is used only while it is current with the sources (bin/prebuilt.js),
 * schemas/rubric.ts included. A file whose text is not exactly one of these (edited since the build, or another file)
 * is validated in full when it is loaded (cli/rubrics.ts).
 */
export interface ValidatedRubric {
  /** LoadedRubric.sha256 of the validated rubric. */
  sha256: string;
  /** JSON.stringify of LoadedRubric.rubric. */
  json: string;
}

export const VALIDATED_RUBRICS: ReadonlyMap<string, ValidatedRubric> = new Map();
