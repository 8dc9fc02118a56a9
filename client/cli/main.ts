#!/usr/bin/env node
/**
 * The `idlescope` entry: parses the command line and maps every way a run can end to an exit
 * code. This is the only file that touches process.exit, argv and the real streams.
 *
 *   0 measured (with or without an eviction)   2 bad usage   3 reflector unreachable or lost
 *   1 anything else                            130 interrupted (Ctrl-C)
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { discoverCommand } from './discover-command.js';
import { demoCommand } from './demo-command.js';
import { reflectorCommand } from './reflector-command.js';
import { IdlescopeError } from '../errors.js';
import { AddressError } from '../../protocol/address.js';
import { EXIT, type CliIo } from './cli-io.js';

const interrupt = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  // First Ctrl-C stops the run and prints what was found; a second one leaves at once.
  if (++interrupts > 1) process.exit(EXIT.interrupted);
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupt.signal,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

function usageFailure(message: string): never {
  process.stderr.write(`idlescope: ${message.split('\n')[0] ?? message}\n`);
  process.stderr.write(`Try 'idlescope --help'.\n`);
  process.exit(EXIT.usage);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof AddressError) return EXIT.usage;
  if (error instanceof IdlescopeError) {
    switch (error.code) {
      case 'IDLESCOPE_USAGE':
        return EXIT.usage;
      case 'IDLESCOPE_REFLECTOR_UNREACHABLE':
      case 'IDLESCOPE_REFLECTOR_LOST':
      case 'IDLESCOPE_REFLECTOR_REFUSED':
        return EXIT.reflector;
      default: {
        const never: never = error.code;
        return never;
      }
    }
  }
  return EXIT.failure;
}

try {
  await yargs(hideBin(process.argv))
    .scriptName('idlescope')
    .usage(
      '$0 <command> [options]\n\nFind how long a NAT, firewall or proxy lets an idle TCP connection live.',
    )
    .command(discoverCommand(io))
    .command(reflectorCommand)
    .command(demoCommand(io))
    .demandCommand(1, 'name a command: discover, reflector or demo')
    .strict()
    .recommendCommands()
    .help()
    .version()
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      usageFailure(message);
    })
    .parseAsync();
} catch (error) {
  const code = exitCodeFor(error);
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`idlescope: ${message}\n`);
  if (code === EXIT.failure && error instanceof Error && process.env['IDLESCOPE_DEBUG'] !== undefined) {
    process.stderr.write(`${error.stack ?? ''}\n`);
  }
  process.exitCode = code;
}
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
