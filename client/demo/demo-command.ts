/**
 * `idlescope demo`: the whole job against an embedded default. An in-process reflector, a
 * userspace middlebox emulator in front of it on 127.0.0.1 that forgets connections idle longer
 * than --timeout, and a discovery run through the emulator. Nothing leaves this machine.
 */
import type { Argv, CommandModule } from 'yargs';
import { Reflector } from '../../reflector/reflector.js';
import { MiddleboxEmulator, type MiddleboxMode } from './middlebox-emulator.js';
import { discoverAndReport, searchOptionsFrom, withSearchFlags, type SearchFlags } from '../discover-command.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../cli-io.js';
import type { DiscoveryReport } from '../report.js';

export const DEMO_TIMEOUT_S = 20;
const MODES = ['drop', 'reset', 'close', 'loose'] as const satisfies readonly MiddleboxMode[];

type DemoArgs = SearchFlags & { timeout: number; mode: MiddleboxMode };

/** Runs discovery through a local emulated middlebox; everything it starts, it stops. */
export async function runDemo(args: DemoArgs, io: CliIo): Promise<DiscoveryReport> {
  if (!Number.isFinite(args.timeout) || args.timeout <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got ${String(args.timeout)}`);
  const options = searchOptionsFrom(args);
  const reflector = new Reflector();
  let emulator: MiddleboxEmulator | null = null;
  try {
    const reflectorAddress = await reflector.listen('127.0.0.1', 0);
    emulator = new MiddleboxEmulator({ target: reflectorAddress, timeoutMs: args.timeout * 1000, mode: args.mode });
    const front = await emulator.listen();
    if (!args.quiet) {
      io.stderr.write(
        `idlescope demo: reflector on ${reflectorAddress.host}:${reflectorAddress.port}, behind an emulated middlebox ` +
          `(${args.mode}, idle timeout ${args.timeout} s) on ${front.host}:${front.port}\n`,
      );
    }
    return await discoverAndReport({ ...options, reflector: front, dial: front }, args, io);
  } finally {
    await emulator?.close();
    await reflector.close();
  }
}

export function demoCommand(io: CliIo): CommandModule<object, DemoArgs> {
  return {
    command: 'demo',
    describe: 'find the timeout of an emulated middlebox on this machine (no network needed)',
    builder: (yargs) =>
      withSearchFlags(
        yargs
          .option('timeout', { type: 'number', default: DEMO_TIMEOUT_S, describe: 'the emulated middlebox idle timeout, seconds' })
          .option('mode', { choices: MODES, default: 'drop' as MiddleboxMode, describe: 'how the emulator evicts' }),
        { min: 1, max: 3 * DEMO_TIMEOUT_S },
      ) as unknown as Argv<DemoArgs>,
    handler: async (args) => {
      await runDemo(args, io);
    },
  };
}
