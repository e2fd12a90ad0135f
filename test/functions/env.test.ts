import { describe, expect, it } from 'vitest';
import { ConfigError, ExportEnv, IngestEnv, parseEnv, RescoreEnv, ScoreEnv } from '../../functions/shared/env.ts';
import { lambdaEntry } from '../../functions/shared/entry.ts';
import { rubricFromSetting, UnknownRubricError } from '../../functions/shared/rubrics.ts';

describe('handler environment', () => {
  it('names every missing variable', () => {
    expect(() => parseEnv(IngestEnv, {}, 'fazhi-ingest')).toThrow(/BUCKET_NAME is not set.*TABLE_NAME is not set/);
    expect(() => parseEnv(RescoreEnv, { BUCKET_NAME: 'b', TABLE_NAME: 't' }, 'fazhi-rescore')).toThrow(/SCORE_QUEUE_URL is not set/);
    expect(() => parseEnv(ExportEnv, { BUCKET_NAME: 'b', TABLE_NAME: 't', URL_TTL_SECONDS: 'soon' }, 'fazhi-export')).toThrow(/URL_TTL_SECONDS /);
  });

  it('treats an empty variable as unset and applies defaults', () => {
    expect(() => parseEnv(IngestEnv, { BUCKET_NAME: '', TABLE_NAME: 't' }, 'x')).toThrow(ConfigError);
    const env = parseEnv(ScoreEnv, { BUCKET_NAME: 'b', TABLE_NAME: 't', DEFAULT_RUBRIC: '2024', LOG_LEVEL: 'debug' }, 'x');
    expect(env).toMatchObject({ LOG_LEVEL: 'DEBUG', MAX_RECEIVE_COUNT: 4, DEFAULT_RUBRIC: '2024' });
    expect(parseEnv(ExportEnv, { BUCKET_NAME: 'b', TABLE_NAME: 't', URL_TTL_SECONDS: '900' }, 'x').URL_TTL_SECONDS).toBe(900);
  });

  it('defers a configuration error to each invocation instead of failing the import', async () => {
    let built = 0;
    const handler = lambdaEntry(() => {
      built++;
      return parseEnv(IngestEnv, {}, 'fazhi-ingest') as never;
    });
    expect(built).toBe(1);
    await expect(handler({})).rejects.toThrow(/fazhi-ingest: environment is not usable: BUCKET_NAME is not set/);
    await expect(handler({})).rejects.toBeInstanceOf(ConfigError);
  });

  it('lets other errors at initialisation through (a bug is not a configuration problem)', () => {
    expect(() =>
      lambdaEntry(() => {
        throw new TypeError('bug');
      }),
    ).toThrow(TypeError);
  });

  it('exports a handler from each Lambda entry module even without its environment', async () => {
    for (const name of ['ingest', 'score', 'export', 'rescore']) {
      const module = (await import(`../../functions/${name}/handler.ts`)) as { handler: (event: unknown) => Promise<unknown> };
      expect(typeof module.handler).toBe('function');
      await expect(module.handler({})).rejects.toThrow(/BUCKET_NAME is not set/);
    }
  });
});

describe('DEFAULT_RUBRIC and --rubric', () => {
  it('names a bundled rubric by year, id or id@version', () => {
    expect(rubricFromSetting('2024').rubric.id).toBe('fazhi-2024');
    expect(rubricFromSetting('2030').rubric.id).toBe('fazhi-2025');
    expect(rubricFromSetting('fazhi-2024@2024.2.0').rubric.version).toBe('2024.2.0');
    expect(rubricFromSetting('fazhi-2025').rubric.id).toBe('fazhi-2025');
  });

  it('refuses an unknown rubric and lists the bundled ones', () => {
    expect(() => rubricFromSetting('fazhi-2024@0.0.1')).toThrow(UnknownRubricError);
    expect(() => rubricFromSetting('nope')).toThrow(/fazhi-2024@2024\.2\.0/);
  });
});
