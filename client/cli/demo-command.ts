/**
 * `idlescope demo`: the whole job against an embedded default. An in-process reflector, a
 * userspace middlebox emulator in front of it on 127.0.0.1 that forgets connections idle longer
 * than --timeout, and a discovery run through the emulator. Nothing leaves this machine.
 *
 * --max follows --timeout (3 x it) unless given, and the report ends by saying whether the bracket
 * holds the emulated timeout (demo-verdict.ts).
 *
 * The emulator runs on a worker thread of its own (EmulatorThread): on the client's event loop it
 * saw the probes' bytes late under the client's load, and brackets came out up to 140 ms above
 * --timeout.
 */
import type { Argv, CommandModule } from 'yargs';
import { MAX_PROBES_PER_SESSION } from '../../protocol/wire.js';
import { Reflector } from '../../reflector/reflector.js';
import type { MiddleboxMode } from '../demo/middlebox-emulator.js';
import { EmulatorThread } from '../demo/emulator-thread.js';
import { searchOptionsFrom, withSearchFlags, type SearchFlags } from './search-flags.js';
import { discoverAndReport } from './discover-and-report.js';
import { choiceFlag, requiredSecondsFlag, type FlagValue } from './flag-values.js';
import type { CliIo } from './cli-io.js';
import type { DiscoveryReport } from '../report/report.js';
import type { DiscoveryOptions } from '../discovery/discovery-run.js';
import { demoVerdict } from '../report/demo-verdict.js';

export const DEMO_TIMEOUT_S = 20;
/**
 * --max is this many times --timeout unless given: room above T for the search to bracket it (a
 * fixed --max would report "no direction was evicted" for a --timeout above it).
 */
export const DEMO_MAX_PER_TIMEOUT = 3;
const MODES = ['drop', 'reset', 'close', 'loose'] as const satisfies readonly MiddleboxMode[];

type DemoArgs = SearchFlags & { timeout: FlagValue; mode: FlagValue };

/** What the demo runs: its emulated middlebox, and the search options with --max following --timeout. */
export interface DemoPlan {
  timeoutS: number;
  mode: MiddleboxMode;
  options: Omit<DiscoveryOptions, 'reflector'>;
  /** Set when a --max given is below --timeout: the demo cannot find T, and says so at the start. */
  warning: string | null;
}

/** The demo's flags turned into its plan, or a UsageError naming the first bad flag. */
export function demoPlan(args: DemoArgs): DemoPlan {
  const timeoutS = requiredSecondsFlag('timeout', args.timeout);
  const mode = choiceFlag('mode', args.mode, MODES);
  const max = args.max ?? DEMO_MAX_PER_TIMEOUT * timeoutS;
  const options = withHeartbeatOnlyVerification(searchOptionsFrom({ ...args, max }));
  const warning =
    options.maxS < timeoutS
      ? `--max (${options.maxS} s) is below the emulated timeout (${timeoutS} s): the demo cannot find ` +
        `it (leave --max out and it follows --timeout, ${DEMO_MAX_PER_TIMEOUT} x)`
      : null;
  return { timeoutS, mode, options, warning };
}

/** Runs discovery through a local emulated middlebox; everything it starts, it stops. */
export async function runDemo(args: DemoArgs, io: CliIo): Promise<DiscoveryReport> {
  const { timeoutS, mode, options, warning } = demoPlan(args);
  if (warning !== null) io.stderr.write(`idlescope demo: ${warning}\n`);
  // Its in-process reflector takes the token the client was given (none: the empty token).
  // It serves this one run from this machine: the admission limits of a public reflector would
  // only refuse a large --connections here, so its per-session and per-address caps are lifted.
  const reflector = new Reflector({
    token: options.token,
    maxProbesPerSession: MAX_PROBES_PER_SESSION,
    maxConnectionsPerAddress: 2 * MAX_PROBES_PER_SESSION,
  });
  // The run stops on Ctrl-C, and also when the emulator's thread dies: its sockets then close, and
  // what the client saw next would be the emulator's death, not a middlebox's eviction. That abort
  // carries the emulator's error, which the run then ends with (see discoverAndReport).
  const stop = new AbortController();
  const ioOnAbort = (): void => stop.abort();
  io.signal.addEventListener('abort', ioOnAbort, { once: true });
  if (io.signal.aborted) stop.abort();
  let emulator: EmulatorThread | null = null;
  try {
    const reflectorAddress = await reflector.listen('127.0.0.1', 0);
    emulator = new EmulatorThread({
      target: reflectorAddress,
      timeoutMs: timeoutS * 1000,
      mode,
    });
    emulator.once('failed', (error) => stop.abort(error));
    const front = await emulator.listen();
    if (!args.quiet) {
      io.stderr.write(
        `idlescope demo: reflector on ${reflectorAddress.host}:${reflectorAddress.port}, behind an ` +
          `emulated middlebox (${mode}, idle timeout ${timeoutS} s, on its own thread) on ` +
          `${front.host}:${front.port}\n`,
      );
      if (options.verification !== undefined) {
        io.stderr.write(
          'idlescope demo: the emulator relays bytes in userspace and never sees a kernel keepalive, ' +
            'so only the heartbeat is verified through it (the lab verifies TCP keepalive on a real NAT)\n',
        );
      }
    }
    const setting = { emulatedTimeoutMs: timeoutS * 1000, mode, maxMs: options.maxS * 1000 };
    return await discoverAndReport(
      { ...options, reflector: front, dial: front },
      args,
      { ...io, signal: stop.signal },
      { annotate: (report) => ({ ...report, demo: demoVerdict(report.directions, setting) }) },
    );
  } finally {
    io.signal.removeEventListener('abort', ioOnAbort);
    await emulator?.close();
    await reflector.close();
  }
}

/**
 * The emulator relays bytes in userspace, so it never sees a kernel's keepalive (an empty segment
 * that each side's kernel answers by itself): through it, only a heartbeat can be verified.
 */
function withHeartbeatOnlyVerification<T extends Omit<DiscoveryOptions, 'reflector'>>(options: T): T {
  const verification = options.verification;
  if (verification === undefined) return options;
  const plan: NonNullable<DiscoveryOptions['verification']>['plan'] = (directions) => {
    const planned = verification.plan(directions);
    return planned === null ? null : { ...planned, keepalive: null, heartbeatRequired: true };
  };
  return { ...options, verification: { ...verification, plan } };
}

export function demoCommand(io: CliIo): CommandModule<object, DemoArgs> {
  return {
    command: 'demo',
    describe: 'find the timeout of an emulated middlebox on this machine (no network needed)',
    builder: (yargs) =>
      withSearchFlags(
        yargs
          .option('timeout', {
            type: 'string',
            requiresArg: true,
            default: DEMO_TIMEOUT_S,
            describe: 'the emulated middlebox idle timeout (a duration: 20, 90s, 5m)',
          })
          .option('mode', {
            type: 'string',
            requiresArg: true,
            default: 'drop',
            describe: `how the emulator evicts: ${MODES.join(', ')}`,
          }),
        { min: 1, max: `${DEMO_MAX_PER_TIMEOUT} x --timeout` },
      ) as unknown as Argv<DemoArgs>,
    handler: async (args) => {
      await runDemo(args, io);
    },
  };
}
