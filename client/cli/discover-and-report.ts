/**
 * The run every searching command shares (discover, demo): the search with live progress on
 * stderr, the report on stdout, and the exit code that says how it ended. With --json a run that
 * fails still prints its one document, with an `error` object: the partial report of a lost
 * reflector, or an empty one when the reflector could not be reached at all.
 */
import {
  errorOf,
  runDiscovery,
  type DiscoveryOptions,
  type DiscoveryOutcome,
} from '../discovery/discovery-run.js';
import { RunCostMeter } from '../discovery/run-cost.js';
import { renderHuman, renderJson, type DiscoveryReport } from '../report/report.js';
import { formatHostPort } from '../../protocol/address.js';
import { IdlescopeError, asIdlescopeError } from '../../protocol/errors.js';
import { createProgressDisplay } from './progress.js';
import { proxyRoute } from '../transport/proxy-dialer.js';
import { EXIT, exitCodeFor, type CliIo } from './cli-io.js';
import type { SearchFlags } from './search-flags.js';

/**
 * Runs a search with progress and prints the report; the exit code says how it ended. A run that
 * never started (the control channel failed) rejects with its error after the --json document.
 * A command may abort `io.signal` with an IdlescopeError as the reason (the demo does when its
 * emulator dies): the run then ends with that error instead of as interrupted.
 */
export async function discoverAndReport(
  options: DiscoveryOptions,
  flags: SearchFlags,
  io: CliIo,
): Promise<DiscoveryReport> {
  const startedMs = performance.now();
  const display = flags.quiet ? null : createProgressDisplay(io.stderr);
  let outcome: DiscoveryOutcome;
  try {
    outcome = await runDiscovery({
      ...options,
      signal: io.signal,
      ...(display === null ? {} : { onProgress: (p) => display.update(p) }),
    });
  } catch (error) {
    display?.done();
    if (flags.json) {
      const empty = unstartedReport(options, performance.now() - startedMs, asIdlescopeError(error));
      io.stdout.write(`${renderJson(empty)}\n`);
    }
    throw error;
  }
  display?.done();
  const reason: unknown = io.signal.reason;
  const error =
    outcome.error ?? (outcome.end === 'interrupted' && reason instanceof IdlescopeError ? reason : null);
  const report =
    error === null || outcome.report.error !== undefined
      ? outcome.report
      : { ...outcome.report, error: errorOf(error) };
  io.stdout.write(flags.json ? `${renderJson(report)}\n` : `${renderHuman(report)}\n`);
  if (error !== null) {
    io.stderr.write(`idlescope: ${error.message} (partial results above)\n`);
    io.setExitCode(exitCodeFor(error));
  } else if (outcome.end === 'interrupted') {
    io.stderr.write(`idlescope: interrupted (partial results above)\n`);
    io.setExitCode(EXIT.interrupted);
  } else {
    io.setExitCode(EXIT.measured);
  }
  return report;
}

/** The report of a run that never started: nothing measured, nothing spent, and why. */
function unstartedReport(
  options: DiscoveryOptions,
  elapsedMs: number,
  error: IdlescopeError,
): DiscoveryReport {
  return {
    reflector: formatHostPort(options.reflector),
    proxy: proxyRoute(options.dialer),
    transport: options.transport?.name ?? 'tcp',
    tlsVersion: null,
    elapsedMs,
    connectionsUsed: 0,
    aborted: error.message,
    directions: {},
    cost: new RunCostMeter().cost({ connections: 0, messages: 0, bytes: 0 }),
    verification: null,
    error: errorOf(error),
  };
}
