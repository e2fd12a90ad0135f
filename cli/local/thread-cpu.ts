import { existsSync, readFileSync } from 'node:fs';

/**
 * The CPU time the calling thread has used, in ms (Linux: /proc/thread-self/stat, user + system, in clock ticks of
 * 10 ms), or null elsewhere. The burst benchmark reports it per thread: the local stack's main thread and its servers'
 * thread share the process with the parse and score threads, and which of them carries the work is the question.
 */
export function threadCpuMs(): number | null {
  if (!existsSync('/proc/thread-self/stat')) return null;
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  // The command name (field 2) is in parentheses and may contain spaces: count the fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}
