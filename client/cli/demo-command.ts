/**
 * `idlescope demo`: the whole job against an embedded default. An in-process reflector, a
 * userspace middlebox emulator in front of it on 127.0.0.1 that forgets connections idle longer
 * than --timeout, and a discovery run through the emulator. Nothing leaves this machine.
 *
 * The emulator runs on a worker thread of its own (EmulatorThread): on the client's event loop it
 * saw the probes' bytes late under the client's load, and brackets came out up to 140 ms above
 * --timeout.
 */
import type { Argv, CommandModule } from 'yargs';
import { Reflector } from '../../reflector/reflector.js';
import type { MiddleboxMode } from '../demo/middlebox-emulator.js';
import { EmulatorThread, type EmulatorThreadError } from '../demo/emulator-thread.js';
import { searchOptionsFrom, withSearchFlags, type SearchFlags } from './search-flags.js';
import { discoverAndReport } from './discover-and-report.js';
import { UsageError } from '../errors.js';
import type { CliIo } from './cli-io.js';
import type { DiscoveryReport } from '../report/report.js';
import type { DiscoveryOptions } from '../discovery/discovery-run.js';

export const DEMO_TIMEOUT_S = 20;
const MODES = ['drop', 'reset', 'close', 'loose'] as const satisfies readonly MiddleboxMode[];

type DemoArgs = SearchFlags & { timeout: number; mode: MiddleboxMode };

/** Runs discovery through a local emulated middlebox; everything it starts, it stops. */
export async function runDemo(args: DemoArgs, io: CliIo): Promise<DiscoveryReport> {
  if (!Number.isFinite(args.timeout) || args.timeout <= 0)
    throw new UsageError(`--timeout must be a positive number of seconds, got ${String(args.timeout)}`);
  const options = withHeartbeatOnlyVerification(searchOptionsFrom(args));
  const reflector = new Reflector();
  // The run stops on Ctrl-C, and also when the emulator's thread dies: its sockets then close, and
  // what the client saw next would be the emulator's death, not a middlebox's eviction.
  const stop = new AbortController();
  const ioOnAbort = (): void => stop.abort();
  io.signal.addEventListener('abort', ioOnAbort, { once: true });
  if (io.signal.aborted) stop.abort();
  let emulator: EmulatorThread | null = null;
  let failure: EmulatorThreadError | null = null;
  try {
    const reflectorAddress = await reflector.listen('127.0.0.1', 0);
    emulator = new EmulatorThread({
      target: reflectorAddress,
      timeoutMs: args.timeout * 1000,
      mode: args.mode,
    });
    emulator.once('failed', (error) => {
      failure = error;
      stop.abort();
    });
    const front = await emulator.listen();
    if (!args.quiet) {
      io.stderr.write(
        `idlescope demo: reflector on ${reflectorAddress.host}:${reflectorAddress.port}, behind an emulated middlebox ` +
          `(${args.mode}, idle timeout ${args.timeout} s, on its own thread) on ${front.host}:${front.port}\n`,
      );
    }
    const report = await discoverAndReport({ ...options, reflector: front, dial: front }, args, {
      ...io,
      signal: stop.signal,
    });
    if (failure !== null) throw failure;
    return report;
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
            type: 'number',
            default: DEMO_TIMEOUT_S,
            describe: 'the emulated middlebox idle timeout, seconds',
          })
          .option('mode', {
            choices: MODES,
            default: 'drop' as MiddleboxMode,
            describe: 'how the emulator evicts',
          }),
        { min: 1, max: 3 * DEMO_TIMEOUT_S },
      ) as unknown as Argv<DemoArgs>,
    handler: async (args) => {
      await runDemo(args, io);
    },
  };
}
