// Loaded with `node --import`: prints the process's peak memory (RSS) on exit, for tests that bound it.
process.on('exit', () => {
  process.stderr.write(`\nFAZHI_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
