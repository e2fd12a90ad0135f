import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { jitFlagsFor, WORKER_RUN_FLAGS, workerRunFlags } from '../../cli/pool/jit.ts';

/** V8 of Node 20 (a bytecode budget decides when to optimise) and of Node 24 (call counts do). */
const NODE_20_V8 = workerRunFlags('11.3.244.8-node.33');
const NODE_24_V8 = workerRunFlags('13.6.233.17-node.53');

describe('V8 flags for a run with workers', () => {
  it('sets every flag the command line did not set, in the way this V8 decides when to optimise', () => {
    // Act / Assess
    expect(jitFlagsFor(['--enable-source-maps'], NODE_20_V8)).toEqual(['--max-inlined-bytecode-size-cumulative=60', '--interrupt-budget=1081344']);
    expect(jitFlagsFor(['--enable-source-maps'], NODE_24_V8)).toEqual(['--max-inlined-bytecode-size-cumulative=60', '--invocation-count-for-turbofan=24000']);
    expect(workerRunFlags('12.4.254.21-node.57')).toEqual(NODE_24_V8);
  });

  it('leaves a flag the user gave on the command line alone, however it is spelt', () => {
    // Act / Assess
    expect(jitFlagsFor(['--interrupt-budget=5000'], NODE_20_V8)).toEqual(['--max-inlined-bytecode-size-cumulative=60']);
    expect(jitFlagsFor(['--interrupt_budget=5000'], NODE_20_V8)).toEqual(['--max-inlined-bytecode-size-cumulative=60']);
    expect(jitFlagsFor(['--max_inlined_bytecode_size_cumulative=100', '--interrupt-budget=5000'], NODE_20_V8)).toEqual([]);
    expect(jitFlagsFor(['--invocation_count_for_turbofan=100'], NODE_24_V8)).toEqual(['--max-inlined-bytecode-size-cumulative=60']);
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
