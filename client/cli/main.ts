#!/usr/bin/env node
/**
 * The `idlescope` entry: hands the command line (program.ts) the arguments, the streams and the
 * environment, owns the signals, and maps every way a run can end to an exit code (the table is
 * EXIT_CODE_OF in cli-io.ts; the README lists the codes). This is the only file that touches
 * process.exit, argv, signals and the real streams: every command gets them through the CliIo.
 *
 * Signals: the first SIGINT or SIGTERM aborts io.signal (discover, verify and demo stop and print
 * what they found, and exit 130 after SIGINT, 143 after SIGTERM; the reflector drains and exits
 * 0); a second one exits at once, with the same code.
 */
import { hideBin } from 'yargs/helpers';
import { COMMANDS, program } from './program.js';
import { usageLine } from './usage-line.js';
import { attributeToEnvironment } from './env-defaults.js';
import { EXIT, exitCodeFor, stoppedExitCode, type CliIo } from './cli-io.js';

const interrupt = new AbortController();
let stoppedBy: 'SIGINT' | 'SIGTERM' | null = null;
const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
  if (stoppedBy !== null) process.exit(stoppedExitCode(stoppedBy));
  stoppedBy = signal;
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupt.signal,
  setExitCode: (code) => {
    // A command says "interrupted"; which signal it was is known here only.
    process.exitCode = code === EXIT.interrupted && stoppedBy !== null ? stoppedExitCode(stoppedBy) : code;
  },
};

const args = hideBin(process.argv);
const env = process.env;

function usageFailure(message: string): never {
  process.stderr.write(`idlescope: ${usageLine(message, args, COMMANDS)}\n`);
  process.stderr.write(`Try 'idlescope --help'.\n`);
  process.exit(EXIT.usage);
}

try {
  await program({ args, io, env, usageFailure }).parseAsync();
} catch (error) {
  const code = exitCodeFor(error);
  const message = error instanceof Error ? error.message : String(error);
  const shown = code === EXIT.usage ? attributeToEnvironment(message, args, env) : message;
  process.stderr.write(`idlescope: ${shown}\n`);
  if (code === EXIT.failure && error instanceof Error && env['IDLESCOPE_DEBUG'] !== undefined) {
    process.stderr.write(`${error.stack ?? ''}\n`);
  }
  process.exitCode = code;
}
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
