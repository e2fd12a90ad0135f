import { setFlagsFromString } from 'node:v8';

/**
 * V8's optimising compiler, tuned for a `fazhi score` run with worker threads. Every thread compiles the whole pipeline
 * again, on the same cores as V8's compiler threads: in a 2,000-report run on 2 cores the compiler threads used ≈ 2 s
 * of CPU per thread (`--trace-opt`: 489 optimisations, 3.2 s of compile time in one thread), as much as a thousand
 * reports' scoring. Compiling later and inlining less gives code a little slower and a run much faster:
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
 */
export const WORKER_RUN_FLAGS = [
  // Inlined bytecode per optimised function, cumulative (V8's default 920): big functions compile in a fraction of the time.
  { name: '--max-inlined-bytecode-size-cumulative', value: 60 },
  // Work before a function is optimised (V8's default 132 KB, ×8): functions that run a few hundred times stay unoptimised.
  { name: '--interrupt-budget', value: 8 * 132 * 1024 },
] as const;

/** The flags to set: each of WORKER_RUN_FLAGS that the command line (`node --interrupt-budget=… fazhi`) did not set. */
export function jitFlagsFor(execArgv: readonly string[]): string[] {
  // V8 reads --interrupt_budget as --interrupt-budget.
  const given = new Set(execArgv.map((arg) => `--${arg.split('=')[0]!.replace(/^--?/u, '').replaceAll('_', '-')}`));
  return WORKER_RUN_FLAGS.filter(({ name }) => !given.has(name)).map(({ name, value }) => `${name}=${value}`);
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
