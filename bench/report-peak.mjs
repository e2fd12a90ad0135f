// Loaded with `node --import` by the workbook and export-function benchmarks: prints the process's own peak memory on
// exit. Linux's VmHWM (the high-water mark of this process's resident set) rather than getrusage's maxRSS: a child
// started by fork and exec inherits its parent's maxRSS at the fork, so a child of a large benchmark process (one
// running s3rver and dynalite holding 10,000 reports) would report the parent's figure. Elsewhere, maxRSS.
import { readFileSync } from 'node:fs';

process.on('exit', () => {
  let peakKb = process.resourceUsage().maxRSS;
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/mu.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) peakKb = Number(hwm[1]);
  } catch {
    // Not Linux: maxRSS as it is.
  }
  process.stderr.write(`\nFAZHI_PEAK ${JSON.stringify({ peakKb })}\n`);
});
