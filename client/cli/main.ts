#!/usr/bin/env node
/**
 * The `idlescope` entry: parses the command line, owns the signals, and maps every way a run can
 * end to an exit code (the table is EXIT_CODE_OF in cli-io.ts; the README lists the codes). This
 * is the only file that touches process.exit, argv, signals and the real streams: every command
 * gets them through the CliIo below.
 *
 * Signals: the first SIGINT or SIGTERM aborts io.signal (discover and demo stop and print what
 * they found, exit 130; the reflector drains and exits 0); a second one exits 130 at once.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { discoverCommand } from './discover-command.js';
import { demoCommand } from './demo-command.js';
import { reflectorCommand } from './reflector-command.js';
import { verifyCommand } from './verify-command.js';
import { reportCommand } from './report-command.js';
import { historyCommand } from './history-command.js';
import { usageLine } from './usage-line.js';
import { EXIT, exitCodeFor, type CliIo } from './cli-io.js';

const COMMANDS = ['discover', 'verify', 'reflector', 'demo', 'report', 'history'] as const;

const interrupt = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
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

const args = hideBin(process.argv);

function usageFailure(message: string): never {
  process.stderr.write(`idlescope: ${usageLine(message, args, COMMANDS)}\n`);
  process.stderr.write(`Try 'idlescope --help'.\n`);
  process.exit(EXIT.usage);
}

try {
  await yargs(args)
    .scriptName('idlescope')
    // yargs would follow LANG; every other message here is English, and usage-line.ts reads these.
    .locale('en')
    .usage(
      '$0 <command> [options]\n\nFind how long a NAT, firewall or proxy lets an idle TCP connection live.',
    )
    .command(discoverCommand(io))
    .command(reflectorCommand(io))
    .command(verifyCommand(io))
    .command(demoCommand(io))
    .command(reportCommand(io))
    .command(historyCommand(io))
    .demandCommand(1, 'name a command: discover, verify, reflector, demo, report or history')
    .strict()
    .recommendCommands()
    .help()
    .version()
    .fail((message: string | null, error: Error | null | undefined) => {
      // yargs' own failures come as a message, some with a YError; a command's come as its error.
      if (error !== undefined && error !== null && error.name !== 'YError') throw error;
      usageFailure(message ?? error?.message ?? 'bad usage');
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
