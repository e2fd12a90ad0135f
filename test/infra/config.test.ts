import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, readConfig } from '../../infra/config.ts';
import { assertNoOverlappingFilters, filtersOverlap, overlappingFilters } from '../../infra/notification-filters.ts';
import { KEY_PREFIX, NOTIFICATIONS } from '../../schemas/storage.ts';

const from = (context: Record<string, unknown>) => readConfig((key) => context[key]);

describe('readConfig (CDK context → stack parameters)', () => {
  it('has documented defaults', () => {
    expect(from({})).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toEqual({
      stage: 'dev',
      retainData: true,
      urlTtlSeconds: 900,
      defaultRubric: '2024',
      logLevel: 'INFO',
      lambdaRuntime: 'nodejs24.x',
      lambdaArchitecture: 'arm64',
      reconcileEveryMinutes: 30,
    });
    // Replaced originals are kept for ever unless an operator sets a retention.
    expect(DEFAULT_CONFIG.originalVersionRetentionDays).toBeUndefined();
  });

  it('parses the strings `-c key=value` gives', () => {
    expect(
      from({ stage: 'prod', alarmEmail: 'fzb@example.gov.cn', retainData: 'false', urlTtlSeconds: '3600', defaultRubric: '2025', logLevel: 'warn' }),
    ).toEqual({
      ...DEFAULT_CONFIG,
      stage: 'prod',
      alarmEmail: 'fzb@example.gov.cn',
      retainData: false,
      urlTtlSeconds: 3600,
      defaultRubric: '2025',
      logLevel: 'WARN',
    });
    expect(
      from({ lambdaRuntime: 'nodejs22.x', lambdaArchitecture: 'x86_64', originalVersionRetentionDays: '3650', reconcileEveryMinutes: '60' }),
    ).toMatchObject({
      lambdaRuntime: 'nodejs22.x',
      lambdaArchitecture: 'x86_64',
      originalVersionRetentionDays: 3650,
      reconcileEveryMinutes: 60,
    });
    expect(from({ originalVersionRetentionDays: 'forever' }).originalVersionRetentionDays).toBeUndefined();
    expect(from({ retainData: true, urlTtlSeconds: 60 })).toMatchObject({ retainData: true, urlTtlSeconds: 60 });
  });

  it.each([
    [{ stage: 'Prod' }, /stage/],
    [{ stage: 'a'.repeat(21) }, /stage/],
    [{ alarmEmail: 'not-an-address' }, /alarmEmail/],
    [{ retainData: 'maybe' }, /retainData/],
    [{ urlTtlSeconds: '30' }, /urlTtlSeconds/],
    [{ urlTtlSeconds: '1.5e9' }, /urlTtlSeconds/],
    [{ urlTtlSeconds: 'abc' }, /urlTtlSeconds/],
    [{ defaultRubric: '../x' }, /defaultRubric/],
    [{ logLevel: 'TRACE' }, /logLevel/],
    [{ stage: { nested: true } }, /stage/],
    [{ lambdaRuntime: 'nodejs20.x' }, /lambdaRuntime/],
    [{ lambdaArchitecture: 'mips' }, /lambdaArchitecture/],
    [{ originalVersionRetentionDays: '364' }, /originalVersionRetentionDays/],
    [{ reconcileEveryMinutes: '1' }, /reconcileEveryMinutes/],
  ])('rejects %j', (context, message) => {
    expect(() => from(context)).toThrow(ConfigError);
    expect(() => from(context)).toThrow(message);
  });
});

describe('S3 notification filter overlap', () => {
  it('follows the S3 rule: prefixes AND suffixes both overlap', () => {
    expect(filtersOverlap({ prefix: 'reports/', suffix: '.pdf' }, { prefix: 'reports/2024/', suffix: '.pdf' })).toBe(true);
    expect(filtersOverlap({ prefix: 'reports/', suffix: '.docx' }, { prefix: 'reports/', suffix: 'x' })).toBe(true);
    expect(filtersOverlap({ prefix: '', suffix: '.json' }, { prefix: 'normalized/', suffix: '.json' })).toBe(true);
    // Case-sensitive, and .doc is not a suffix of .docx (nor .htm of .html).
    expect(filtersOverlap({ prefix: 'reports/', suffix: '.pdf' }, { prefix: 'reports/', suffix: '.PDF' })).toBe(false);
    expect(filtersOverlap({ prefix: 'reports/', suffix: '.doc' }, { prefix: 'reports/', suffix: '.docx' })).toBe(false);
    expect(filtersOverlap({ prefix: 'reports/', suffix: '.htm' }, { prefix: 'reports/', suffix: '.html' })).toBe(false);
    expect(filtersOverlap({ prefix: 'reports/', suffix: '.json' }, { prefix: 'normalized/', suffix: '.json' })).toBe(false);
  });

  it('the filters built from schemas/storage.ts do not overlap', () => {
    const filters = NOTIFICATIONS.map(({ prefix, suffix }) => ({ prefix, suffix }));
    expect(overlappingFilters(filters)).toEqual([]);
    expect(() => assertNoOverlappingFilters(filters)).not.toThrow();
    expect(() => assertNoOverlappingFilters([...filters, { prefix: KEY_PREFIX.reports, suffix: 'f' }])).toThrow(/overlap/);
  });
});
