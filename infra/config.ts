/**
 * Deployment parameters. Read from CDK context (`-c key=value` on the command line, or `context` in cdk.json), so
 * CLI values arrive as strings and are parsed here:
 *
 * | key              | default  | meaning                                                                          |
 * |------------------|----------|----------------------------------------------------------------------------------|
 * | `stage`          | `dev`    | lower-case name; stack is `FazhiScore-<stage>`, so stages can share an account   |
 * | `alarmEmail`     | (none)   | address subscribed to the alarm topic (confirm the mail AWS sends)               |
 * | `retainData`     | `true`   | RETAIN bucket, log bucket and table (+ deletion protection); `false` = dev: destroy with the stack |
 * | `urlTtlSeconds`  | `900`    | lifetime of presigned workbook links (60–43200; links also die with the signer's session) |
 * | `defaultRubric`  | `2024`   | rubric id the score function uses when a message names none (scoring-rules/<id>.json)    |
 * | `logLevel`       | `INFO`   | DEBUG, INFO, WARN or ERROR for the handlers                                       |
 * | `lambdaRuntime`  | `nodejs24.x` | Lambda runtime; `nodejs22.x` for a region that does not offer 24 yet (see README) |
 * | `lambdaArchitecture` | `arm64` | `arm64` or `x86_64` (a region or account without Graviton Lambda)              |
 * | `originalVersionRetentionDays` | `forever` | how long a replaced original under reports/ is kept: `forever`, or days (≥ 365) |
 * | `reconcileEveryMinutes` | `30` | how often the reconciler runs (5–1440)                                        |
 */
export interface FazhiConfig {
  readonly stage: string;
  readonly alarmEmail?: string;
  readonly retainData: boolean;
  readonly urlTtlSeconds: number;
  readonly defaultRubric: string;
  readonly logLevel: LogLevel;
  readonly lambdaRuntime: LambdaRuntimeName;
  readonly lambdaArchitecture: LambdaArchitectureName;
  /** Days a superseded version of an original is kept; undefined: forever (never expired). */
  readonly originalVersionRetentionDays?: number;
  readonly reconcileEveryMinutes: number;
}

/** Runtimes the code is built for (esbuild targets node22, so both run it). */
export const LAMBDA_RUNTIMES = ['nodejs24.x', 'nodejs22.x'] as const;
export type LambdaRuntimeName = (typeof LAMBDA_RUNTIMES)[number];
export const LAMBDA_ARCHITECTURES = ['arm64', 'x86_64'] as const;
export type LambdaArchitectureName = (typeof LAMBDA_ARCHITECTURES)[number];
/** A replaced original may be needed for a dispute about last year's ranking: never expire it sooner than a year. */
export const MIN_ORIGINAL_VERSION_RETENTION_DAYS = 365;

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_CONFIG: FazhiConfig = {
  stage: 'dev',
  retainData: true,
  urlTtlSeconds: 900,
  defaultRubric: '2024',
  logLevel: 'INFO',
  lambdaRuntime: 'nodejs24.x',
  lambdaArchitecture: 'arm64',
  reconcileEveryMinutes: 30,
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Lookup = (key: string) => unknown;

function str(lookup: Lookup, key: string): string | undefined {
  const raw = lookup(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw new ConfigError(`context ${key} must be a string, got ${JSON.stringify(raw)}`);
}

function bool(lookup: Lookup, key: string, fallback: boolean): boolean {
  const value = str(lookup, key);
  if (value === undefined) return fallback;
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new ConfigError(`context ${key} must be true or false, got "${value}"`);
}

/** Builds the config from a context lookup such as `(k) => app.node.tryGetContext(k)`. Throws ConfigError. */
export function readConfig(lookup: Lookup): FazhiConfig {
  const stage = str(lookup, 'stage') ?? DEFAULT_CONFIG.stage;
  // Lower case keeps derived names valid everywhere (stack name, tags); short keeps generated names readable.
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new ConfigError(`context stage must match [a-z][a-z0-9-]{0,19}, got "${stage}"`);
  }

  const alarmEmail = str(lookup, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new ConfigError(`context alarmEmail is not an e-mail address: "${alarmEmail}"`);
  }

  const ttlText = str(lookup, 'urlTtlSeconds');
  const urlTtlSeconds = ttlText === undefined ? DEFAULT_CONFIG.urlTtlSeconds : Number(ttlText);
  // Upper bound: a presigned URL cannot outlive the Lambda role's temporary credentials anyway.
  if (!Number.isInteger(urlTtlSeconds) || urlTtlSeconds < 60 || urlTtlSeconds > 43_200) {
    throw new ConfigError(`context urlTtlSeconds must be an integer in 60..43200, got "${ttlText}"`);
  }

  const defaultRubric = str(lookup, 'defaultRubric') ?? DEFAULT_CONFIG.defaultRubric;
  // Only the shape is checked: rubrics are bundled into the code, and the handler rejects an unknown id at start-up.
  if (!/^[\w.@-]{1,64}$/.test(defaultRubric)) {
    throw new ConfigError(`context defaultRubric must be a rubric id such as 2024, got "${defaultRubric}"`);
  }

  const level = (str(lookup, 'logLevel') ?? DEFAULT_CONFIG.logLevel).toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`context logLevel must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  }

  const lambdaRuntime = str(lookup, 'lambdaRuntime') ?? DEFAULT_CONFIG.lambdaRuntime;
  if (!(LAMBDA_RUNTIMES as readonly string[]).includes(lambdaRuntime)) {
    throw new ConfigError(`context lambdaRuntime must be one of ${LAMBDA_RUNTIMES.join(', ')}, got "${lambdaRuntime}"`);
  }
  const lambdaArchitecture = str(lookup, 'lambdaArchitecture') ?? DEFAULT_CONFIG.lambdaArchitecture;
  if (!(LAMBDA_ARCHITECTURES as readonly string[]).includes(lambdaArchitecture)) {
    throw new ConfigError(`context lambdaArchitecture must be one of ${LAMBDA_ARCHITECTURES.join(', ')}, got "${lambdaArchitecture}"`);
  }

  const retentionText = str(lookup, 'originalVersionRetentionDays');
  let originalVersionRetentionDays: number | undefined;
  if (retentionText !== undefined && retentionText !== 'forever') {
    originalVersionRetentionDays = Number(retentionText);
    if (!Number.isInteger(originalVersionRetentionDays) || originalVersionRetentionDays < MIN_ORIGINAL_VERSION_RETENTION_DAYS) {
      throw new ConfigError(
        `context originalVersionRetentionDays must be "forever" or an integer ≥ ${MIN_ORIGINAL_VERSION_RETENTION_DAYS}, got "${retentionText}"`,
      );
    }
  }

  const everyText = str(lookup, 'reconcileEveryMinutes');
  const reconcileEveryMinutes = everyText === undefined ? DEFAULT_CONFIG.reconcileEveryMinutes : Number(everyText);
  if (!Number.isInteger(reconcileEveryMinutes) || reconcileEveryMinutes < 5 || reconcileEveryMinutes > 1440) {
    throw new ConfigError(`context reconcileEveryMinutes must be an integer in 5..1440, got "${everyText}"`);
  }

  return {
    stage,
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    retainData: bool(lookup, 'retainData', DEFAULT_CONFIG.retainData),
    urlTtlSeconds,
    defaultRubric,
    logLevel: level as LogLevel,
    lambdaRuntime: lambdaRuntime as LambdaRuntimeName,
    lambdaArchitecture: lambdaArchitecture as LambdaArchitectureName,
    ...(originalVersionRetentionDays === undefined ? {} : { originalVersionRetentionDays }),
    reconcileEveryMinutes,
  };
}
