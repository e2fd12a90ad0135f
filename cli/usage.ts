import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VisibleError } from '../pipeline/failure.ts';

/** A mistake in how the command was called: exit code 2, a plain message and a pointer to --help. */
export class UsageError extends VisibleError {
  override readonly name = 'UsageError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

export const EXIT = { ok: 0, someFailed: 1, usage: 2 } as const;

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** node:util parseArgs, with its English errors turned into ours. */
export function parse(args: readonly string[], options: Options, command: string): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n运行 \`fazhi ${command} --help\` 查看用法。`);
  }
}

export function stringOption(values: Parsed['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function intOption(values: Parsed['values'], name: string): number | undefined {
  const value = stringOption(values, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/u.test(value)) throw new UsageError(`--${name} 应为整数，收到“${value}”`);
  return Number(value);
}

/** Output a command writes: human text to stdout, problems to stderr; tests capture both. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const consoleIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};
