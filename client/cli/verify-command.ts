/**
 * `idlescope verify`: holds connections with one given setting (TCP keepalive or an application
 * heartbeat) past a hold and tests each at its worst moment, or with --dead-peer measures how long
 * the keepalive takes to notice a path that drops everything. Exit 0: the setting held (or the
 * detection came as predicted); 4: it did not; 6: inconclusive (the control connection survived,
 * or the path never dropped); 2: bad flags, checked before anything opens.
 */
import type { Argv, CommandModule } from 'yargs';
import { formatHostPort } from '../../protocol/address.js';
import { asIdlescopeError } from '../../protocol/errors.js';
import type { VerifyOutcome, VerifyRunResult } from '../verification/verify-run.js';
import type { DeadPeerVerdict } from '../verification/dead-peer-run.js';
import type { SettingRunResult } from '../verification/setting-run.js';
import type { VerifyReport } from '../report/verify-report.js';
import { EXIT, exitCodeFor, type CliIo, type ExitCode } from './cli-io.js';
import { verifyOptionsFrom, type VerifyFlags, type VerifyOptions } from './verify-flags.js';
import { withTokenFlags } from './token-flags.js';
import { dialerFrom, withProxyFlags, type ProxyFlags } from './proxy-flags.js';
import { withTransportFlags } from './transport-flags.js';
import { JSON_FLAG } from './search-flags.js';
import { withReflectorArgument } from './reflector-argument.js';

/** The line --dead-peer prints on stderr (unless --quiet) once the path is known to work. */
export const DEAD_PEER_READY_LINE =
  'idlescope verify: the connection is idle with keepalive; the path may drop now';

const str = (describe: string) => ({ type: 'string', requiresArg: true, describe }) as const;

export function verifyCommand(io: CliIo): CommandModule<object, VerifyFlags> {
  return {
    command: 'verify [address]',
    describe: 'prove a keepalive or heartbeat setting on the path to a reflector',
    builder: (yargs) =>
      withProxyFlags(withTransportFlags(withTokenFlags(withReflectorArgument(yargs))))
        .option('keepalive-idle', str('TCP keepalive: idle before the first probe, whole seconds'))
        .option(
          'keepalive-interval',
          str('TCP keepalive: time between unanswered probes, whole seconds (default idle/7, 1-75)'),
        )
        .option(
          'keepalive-count',
          str('TCP keepalive: unanswered probes before the connection is dropped (default 3)'),
        )
        .option('user-timeout', str('TCP_USER_TIMEOUT, whole milliseconds, e.g. 30s or 1500ms (Linux)'))
        .option('heartbeat', str('application heartbeat instead: one PING/ECHO every S whole seconds'))
        .option('timeout', str("the path's idle timeout (the hold defaults to 3 x it)"))
        .option(
          'hold',
          str('how long to hold the connections (--dead-peer: how long to wait for the drop, default 10m)'),
        )
        .option('connections', str('connections with the setting, phase-staggered (default 2 per direction)'))
        .option('direction', { ...str('inbound, outbound or both'), default: 'both' })
        .option(
          'grace',
          str('how long to wait for a test answer before calling it a silent drop (default 1.5s)'),
        )
        .option('dead-peer', {
          type: 'boolean',
          default: false,
          describe: 'measure how long the keepalive takes to notice a path that drops everything',
        })
        .option('json', JSON_FLAG)
        .option('quiet', {
          type: 'boolean',
          default: false,
          describe: 'nothing on stderr but errors',
        }) as unknown as Argv<VerifyFlags>,
    handler: async (flags) => {
      const options = verifyOptionsFrom(flags);
      const dialer = dialerFrom(flags as ProxyFlags, options.reflector);
      await verifyAndReport({ ...options, dialer }, flags, io);
    },
  };
}

/** The exit code of a verdict: 0 held, 4 did not hold, 6 inconclusive. */
export function exitForVerdict(result: VerifyRunResult): ExitCode {
  const verdict: SettingRunResult['verdict'] | DeadPeerVerdict = result.result.verdict;
  switch (verdict) {
    case 'proven':
    case 'as-predicted':
      return EXIT.measured;
    case 'failed':
    case 'not-as-predicted':
      return EXIT.notHeld;
    case 'inconclusive':
    case 'not-dropped':
      return EXIT.inconclusive;
    default: {
      const never: never = verdict;
      throw new Error(`unknown verdict ${String(never)}`);
    }
  }
}

async function verifyAndReport(options: VerifyOptions, flags: VerifyFlags, io: CliIo): Promise<void> {
  // Imported on use, as every command's body is (program.ts): the others do not load them at start.
  const [{ runVerify }, { renderVerifyHuman, renderVerifyJson }] = await Promise.all([
    import('../verification/verify-run.js'),
    import('../report/verify-report.js'),
  ]);
  const reflector = formatHostPort(options.reflector);
  const startedMs = performance.now();
  if (!flags.quiet) io.stderr.write(`${startLine(options)}\n`);
  let outcome: VerifyOutcome;
  try {
    outcome = await runVerify(options, {
      signal: io.signal,
      ...(flags.quiet ? {} : { onIdleReady: () => io.stderr.write(`${DEAD_PEER_READY_LINE}\n`) }),
    });
  } catch (error) {
    if (flags.json) {
      const e = asIdlescopeError(error);
      const report: VerifyReport = {
        reflector,
        options,
        elapsedMs: performance.now() - startedMs,
        result: null,
        aborted: e.message,
        error: { code: e.code, message: e.message },
      };
      io.stdout.write(`${renderVerifyJson(report)}\n`);
    }
    throw error;
  }
  const aborted =
    outcome.end === 'complete'
      ? null
      : outcome.end === 'interrupted'
        ? 'interrupted'
        : (outcome.error?.message ?? outcome.end);
  const report: VerifyReport = {
    reflector,
    options,
    elapsedMs: outcome.elapsedMs,
    result: outcome.result,
    aborted,
    ...(outcome.error === null
      ? {}
      : { error: { code: outcome.error.code, message: outcome.error.message } }),
  };
  io.stdout.write(flags.json ? `${renderVerifyJson(report)}\n` : `${renderVerifyHuman(report)}\n`);
  if (outcome.error !== null) {
    io.stderr.write(`idlescope: ${outcome.error.message}\n`);
    io.setExitCode(exitCodeFor(outcome.error));
  } else if (outcome.result === null) {
    io.stderr.write('idlescope: interrupted\n');
    io.setExitCode(EXIT.interrupted);
  } else {
    io.setExitCode(exitForVerdict(outcome.result));
  }
}

function startLine(options: VerifyOptions): string {
  if (options.mode === 'dead-peer') {
    const p = options.plan;
    return (
      `idlescope verify: dead-peer detection with keepalive idle ${p.idleS} s, interval ` +
      `${p.intervalS} s, count ` +
      `${p.count}${p.userTimeoutMs === undefined ? '' : `, user timeout ${p.userTimeoutMs} ms`}; waiting ` +
      `up to ${options.waitMs / 1000} s for the path to drop`
    );
  }
  const what =
    options.setting.kind === 'keepalive'
      ? `keepalive idle ${options.setting.idleS} s`
      : `heartbeat ${options.setting.periodS} s`;
  return (
    `idlescope verify: holding ${options.connections} connections with ${what} and ` +
    `${options.directions.length} control(s) for ${options.holdMs / 1000} s`
  );
}
