/**
 * Structured logs: one JSON line per event, with the report's id or key, never document text (reports can hold
 * personal data, and log lines are read by operators, not assessors). CloudWatch parses the JSON; locally the lines go
 * to a file or a test's memory through `sink`.
 */

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line (e.g. the messageId of the record being handled). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where a finished line goes; default stdout (what Lambda ships to CloudWatch). */
  sink?: (line: string) => void;
  clock?: () => Date;
}

const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

/** Errors become {name, message, stack, code}: JSON.stringify of an Error is `{}`. */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code !== undefined ? { code } : {}), stack: value.stack };
  }
  return value;
}

export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const threshold = RANK[options.level ?? 'INFO'];
  const sink = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? (() => new Date());
  const write = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (RANK[level] < threshold) return;
    const entry: LogFields = { time: clock().toISOString(), level, service: options.service, message };
    for (const [key, value] of Object.entries({ ...bound, ...fields })) if (value !== undefined) entry[key] = plain(value);
    sink(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => write('DEBUG', m, f),
    info: (m, f) => write('INFO', m, f),
    warn: (m, f) => write('WARN', m, f),
    error: (m, f) => write('ERROR', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** For tests and tools that want no output. */
export const silentLogger: Logger = createLogger({ service: 'silent', sink: () => {} });
