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
 *
 * This file is the flags and the plan; the run itself (demo-run.ts) is imported on use, so that
 * the other commands do not load the reflector and the emulator at start.
 */
import type { Argv, CommandModule } from 'yargs';
import type { MiddleboxMode } from '../demo/middlebox-emulator.js';
import { searchOptionsFrom, withSearchFlags, type SearchFlags } from './search-flags.js';
import { choiceFlag, requiredSecondsFlag, type FlagValue } from './flag-values.js';
import type { CliIo } from './cli-io.js';
import type { DiscoveryOptions } from '../discovery/discovery-run.js';

export const DEMO_TIMEOUT_S = 20;
/**
 * --max is this many times --timeout unless given: room above T for the search to bracket it (a
 * fixed --max would report "no direction was evicted" for a --timeout above it).
 */
export const DEMO_MAX_PER_TIMEOUT = 3;
const MODES = ['drop', 'reset', 'close', 'loose'] as const satisfies readonly MiddleboxMode[];

export type DemoArgs = SearchFlags & { timeout: FlagValue; mode: FlagValue };

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
      const { runDemo } = await import('./demo-run.js');
      await runDemo(args, io);
    },
  };
}
