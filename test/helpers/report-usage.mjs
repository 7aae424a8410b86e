// Preloaded with `node --import` into a process a test measures: at exit it
// writes the process's own peak RSS and CPU time to stderr as one JSON line,
// so the test reads the figures of exactly that process (not a sampled guess).
process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write(`\nvigil-usage ${JSON.stringify({ maxRssMiB: u.maxRSS / 1024, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 })}\n`);
});
