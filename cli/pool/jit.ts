import { setFlagsFromString } from 'node:v8';

/**
 * V8's optimising compiler, tuned for a `fazhi score` run with worker threads. Every thread compiles the whole pipeline
 * again, on the same cores as V8's compiler threads: in a 2,000-report run on 2 cores the compiler threads used ≈ 2 s
 * of CPU per thread (`--trace-opt`: 489 optimisations, 3.2 s of compile time in one thread), as much as a thousand
 * reports' scoring. Compiling later and inlining less gives code a little slower and a run much faster. On Node 20:
 *
 * | Run (2 cores, 2026-11-27, interleaved) | Default | These flags |
 * |---|---|---|
 * | 2,000 reports, 2 threads | 6.5–7.2 s, 10.9–12.1 s CPU | 5.8–6.2 s, 9.4–10.2 s CPU |
 * | 2,000 near-duplicates, 2 threads | 10.5–10.7 s | 9.5–9.8 s |
 * | 1,000 reports, 2 threads | 3.9–4.5 s | 3.3–3.6 s |
 * | 10,000 reports, 2 threads | 28.3–28.5 s | 27.2–29.0 s |
 * | 2,000 reports, 1 thread | 7.4–7.5 s | 7.9–8.2 s |
 *
 * A single thread has a core to spare for the compiler, and loses: so the flags are set only for a run with workers.
 * They change how fast the code runs, never what it computes (the runs' JSON was byte-identical).
 *
 * V8 decides when to optimise a function in two ways. Up to V8 11 (Node 20), by the bytecode the function has run
 * (`--interrupt-budget`). From V8 12 (Node 22, 24 and 26, which tier up through Maglev first), by how often it was called
 * (`--invocation-count-for-turbofan`); `--interrupt-budget` is gone there, and setting a flag V8 does not know prints
 * "unrecognized flag" on every run. On Node 24.21 (V8 13.6), the 2,000 distinct reports with 2 threads, six
 * interleaved rounds, 2026-11-27: V8's defaults 4.91–5.35 s (median 5.10); both flags below 4.60–5.00 s (4.79);
 * TurboFan after 24,000 calls alone 4.88–5.16 s (5.02); with 12,000 calls 4.95–5.32 s (5.13), with 48,000 4.60–5.10 s
 * (4.87). The JSON was byte-identical each time.
 */
export interface JitFlag {
  name: string;
  value: number;
}

/** Inlined bytecode per optimised function, cumulative (V8's default 920): big functions compile in a fraction of the time. */
const LESS_INLINING: JitFlag = { name: '--max-inlined-bytecode-size-cumulative', value: 60 };
/** V8 11: bytecode run before a function is optimised (67,584 bytes by default in Node 20's V8 11.3, × 16). */
const LATER_BY_BUDGET: JitFlag = { name: '--interrupt-budget', value: 16 * 67_584 };
/** V8 12 on: calls before TurboFan optimises a function (3,000 by default, × 8); Maglev still compiles early. */
const LATER_BY_CALLS: JitFlag = { name: '--invocation-count-for-turbofan', value: 8 * 3_000 };

/** The flags for a V8 version (`process.versions.v8`): its way of deciding when to optimise. */
export function workerRunFlags(v8Version: string): readonly JitFlag[] {
  const major = Number.parseInt(v8Version, 10);
  return [LESS_INLINING, major >= 12 ? LATER_BY_CALLS : LATER_BY_BUDGET];
}

/** The flags for the V8 of this process. */
export const WORKER_RUN_FLAGS = workerRunFlags(process.versions.v8);

/** The flags to set: each of `flags` that the command line (`node --interrupt-budget=… fazhi`) did not set. */
export function jitFlagsFor(execArgv: readonly string[], flags: readonly JitFlag[] = WORKER_RUN_FLAGS): string[] {
  // V8 reads --interrupt_budget as --interrupt-budget.
  const given = new Set(execArgv.map((arg) => `--${arg.split('=')[0]!.replace(/^--?/u, '').replaceAll('_', '-')}`));
  return flags.filter(({ name }) => !given.has(name)).map(({ name, value }) => `${name}=${value}`);
}

/**
 * Sets the flags before the workers start (V8's flags are the process's, so the workers share them). Node lets a
 * running process change V8 flags (v8.setFlagsFromString); these two are read each time a function is compiled or
 * its budget is reset, so they apply from then on. Returns the flags set.
 */
export function tuneJitForWorkers(execArgv: readonly string[] = process.execArgv): string[] {
  const flags = jitFlagsFor(execArgv);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
