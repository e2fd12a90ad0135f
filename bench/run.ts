import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './corpus.ts';
import { SECTIONS, type SectionResult } from './sections.ts';

/**
 * `npm run bench`: each section in its own Node process (so peak memory is the section's own), then a report in
 * Markdown ready for the README. `npm run bench -- pipeline cross` runs only those sections.
 */

const [, , ...args] = process.argv;

if (args[0] === '--section') {
  const name = args[1] ?? '';
  const section = SECTIONS[name];
  if (!section) throw new Error(`unknown section ${name}`);
  const result = await section();
  process.stdout.write(`\nFAZHI_BENCH_RESULT ${JSON.stringify({ ...result, peakMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
} else {
  const names = args.length > 0 ? args : Object.keys(SECTIONS);
  const lines: string[] = [`Fazhi Score benchmarks — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.arch}`, ''];
  for (const name of names) {
    process.stderr.write(`running ${name}…\n`);
    const run = spawnSync(process.execPath, ['--expose-gc', join(ROOT, 'bin/run-ts.js'), join(ROOT, 'bench/run.ts'), '--section', name], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const marker = /FAZHI_BENCH_RESULT (.+)/u.exec(run.stdout);
    if (run.status !== 0 || !marker?.[1]) {
      lines.push(`### ${name}: FAILED`, '```', (run.stderr || run.stdout).slice(-2000), '```', '');
      continue;
    }
    const result = JSON.parse(marker[1]) as SectionResult & { peakMb: number };
    const columns = Object.keys(result.rows[0] ?? {});
    lines.push(`### ${result.title}`, '', `${result.note}; peak memory (RSS) ${result.peakMb} MB.`, '');
    lines.push(`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`);
    for (const row of result.rows) lines.push(`| ${columns.map((c) => String(row[c] ?? '')).join(' | ')} |`);
    lines.push('');
  }
  console.log(lines.join('\n'));
}
