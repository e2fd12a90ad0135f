// Loaded with `node --import` by the benchmarks: prints the process's peak memory (RSS) and CPU time (all threads)
// to stderr on exit, so a child process can be measured from outside without a shell or /usr/bin/time.
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\nFAZHI_USAGE ${JSON.stringify({ maxRssKb: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 })}\n`);
});
