// Lambda entry of the export stage (infra bundles functions/export/handler.ts), invoked directly with
// {"year":2024,"county":"临澜县","rubric"?:{"id","version"}}; returns {key, url, rubric, results, failures, pending}.
import { awsDeps } from '../shared/aws-deps.ts';
import { lambdaEntry } from '../shared/entry.ts';
import { ExportEnv, parseEnv } from '../shared/env.ts';
import { makeExportHandler } from './export.ts';

export const handler = lambdaEntry(() => {
  const env = parseEnv(ExportEnv, process.env, 'fazhi-export');
  const { store, records, log } = awsDeps(env, 'fazhi-export');
  return makeExportHandler({ store, records, log, urlTtlSeconds: env.URL_TTL_SECONDS });
});
