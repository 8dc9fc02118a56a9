/**
 * The run every searching command shares (discover, demo): the search with live progress on
 * stderr, the report on stdout, and the exit code that says how it ended. With --json a run that
 * fails still prints its one document, with an `error` object: the partial report of a lost
 * reflector, or an empty one when the reflector could not be reached at all.
 */
import {
  DEFAULT_GRACE_S,
  errorOf,
  runDiscovery,
  type DiscoveryOptions,
  type DiscoveryOutcome,
} from '../discovery/discovery-run.js';
import { RunCostMeter } from '../discovery/run-cost.js';
import { renderJson, type DiscoveryReport } from '../report/report.js';
import { renderHuman } from '../report/human-report.js';
import { formatHostPort } from '../../protocol/address.js';
import { IdlescopeError, asIdlescopeError } from '../../protocol/errors.js';
import { createProgressDisplay } from './live-view/live-display.js';
import { proxyRoute } from '../transport/proxy-dialer.js';
import { EXIT, exitCodeFor, type CliIo } from './cli-io.js';
import type { SearchFlags } from './search-flags.js';
import type { RunKeeper } from './run-keeping.js';

/**
 * Runs a search with progress and prints the report; the exit code says how it ended. A run that
 * never started (the control channel failed) rejects with its error after the --json document.
 * A command may abort `io.signal` with an IdlescopeError as the reason (the demo does when its
 * emulator dies): the run then ends with that error instead of as interrupted. `annotate` adds
 * what the command knows of the report before it is printed (the demo: whether it found its T).
 * `keep` (discover's history and HTML, run-keeping.ts) sees the report before it is printed; what
 * it failed at is told after the report, and fails a run that otherwise succeeded.
 */
export async function discoverAndReport(
  options: DiscoveryOptions,
  flags: SearchFlags,
  io: CliIo,
  extras: { annotate?: (report: DiscoveryReport) => DiscoveryReport; keep?: RunKeeper } = {},
): Promise<DiscoveryReport> {
  const startedMs = performance.now();
  const display = flags.quiet
    ? null
    : await createProgressDisplay(io.stderr, {
        maxMs: options.maxS * 1000,
        graceMs: (options.graceS ?? DEFAULT_GRACE_S) * 1000,
      });
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
  const annotate = extras.annotate ?? ((r: DiscoveryReport): DiscoveryReport => r);
  const report = annotate(
    error === null || outcome.report.error !== undefined
      ? outcome.report
      : { ...outcome.report, error: errorOf(error) },
  );
  const kept = extras.keep === undefined ? null : await extras.keep(report);
  const keptLines = kept === null || kept.lines.length === 0 ? '' : `\n\n${kept.lines.join('\n')}`;
  // The report fits a terminal it is printed on; into a file or a pipe it keeps the default width.
  const columns = io.stdout.isTTY === true ? io.stdout.columns : undefined;
  io.stdout.write(
    flags.json
      ? `${renderJson(report)}\n`
      : `${renderHuman(report, columns === undefined ? {} : { columns })}${keptLines}\n`,
  );
  if (error !== null) {
    io.stderr.write(`idlescope: ${error.message} (partial results above)\n`);
    io.setExitCode(exitCodeFor(error));
  } else if (outcome.end === 'interrupted') {
    io.stderr.write(`idlescope: interrupted (partial results above)\n`);
    io.setExitCode(EXIT.interrupted);
  } else if (kept?.error != null) {
    io.stderr.write(`idlescope: ${kept.error.message}\n`);
    io.setExitCode(exitCodeFor(kept.error));
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
