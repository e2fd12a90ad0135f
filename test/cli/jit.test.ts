import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { jitFlagsFor, WORKER_RUN_FLAGS } from '../../cli/pool/jit.ts';

describe('V8 flags for a run with workers', () => {
  it('sets every flag the command line did not set', () => {
    // Act
    const flags = jitFlagsFor(['--enable-source-maps']);
    // Assess
    expect(flags).toEqual(['--max-inlined-bytecode-size-cumulative=60', '--interrupt-budget=1081344']);
  });

  it('leaves a flag the user gave on the command line alone, however it is spelt', () => {
    // Act / Assess
    expect(jitFlagsFor(['--interrupt-budget=5000'])).toEqual(['--max-inlined-bytecode-size-cumulative=60']);
    expect(jitFlagsFor(['--interrupt_budget=5000'])).toEqual(['--max-inlined-bytecode-size-cumulative=60']);
    expect(jitFlagsFor(['--max_inlined_bytecode_size_cumulative=100', '--interrupt-budget=5000'])).toEqual([]);
  });

  it('names flags this Node knows: an unknown one would print "unrecognized flag" on every run', () => {
    // Prepare
    const flags = WORKER_RUN_FLAGS.map(({ name, value }) => `${name}=${value}`);
    // Act: Node refuses an unknown V8 flag on its command line (exit 9).
    const run = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
