/**
 * The run every searching command shares (discover, demo): the search with live progress on
 * stderr, the report on stdout, and the exit code that says how it ended.
 */
import { runDiscovery, type DiscoveryEnd, type DiscoveryOptions } from '../discovery/discovery-run.js';
import { renderHuman, renderJson, type DiscoveryReport } from '../report/report.js';
import { createProgressDisplay } from './progress.js';
import { EXIT, type CliIo } from './cli-io.js';
import type { SearchFlags } from './search-flags.js';

/** Runs a search with progress and prints the report; the exit code says how it ended. */
export async function discoverAndReport(
  options: DiscoveryOptions,
  flags: SearchFlags,
  io: CliIo,
): Promise<DiscoveryReport> {
  const display = flags.quiet ? null : createProgressDisplay(io.stderr);
  const { report, end } = await runDiscovery({
    ...options,
    signal: io.signal,
    ...(display === null ? {} : { onProgress: (p) => display.update(p) }),
  });
  display?.done();
  io.stdout.write(flags.json ? `${renderJson(report)}\n` : `${renderHuman(report)}\n`);
  if (report.aborted !== null) {
    const what =
      end === 'reflector-lost' ? `lost the reflector ${report.reflector}: ${report.aborted}` : report.aborted;
    io.stderr.write(`idlescope: ${what} (partial results above)\n`);
  }
  io.setExitCode(exitCodeFor(end));
  return report;
}

function exitCodeFor(end: DiscoveryEnd): number {
  switch (end) {
    case 'complete':
      return EXIT.measured;
    case 'reflector-lost':
      return EXIT.reflector;
    case 'interrupted':
      return EXIT.interrupted;
    default: {
      const never: never = end;
      throw new Error(`unknown end ${String(never)}`);
    }
  }
}
