/**
 * What a command handler may touch of the process, passed in by the entry file so commands stay
 * testable: the two output streams, an exit code, and a signal that fires on Ctrl-C (SIGINT) or
 * SIGTERM. Also the exit codes, and the one table that maps each error code to one.
 */
import type { Writable } from 'node:stream';
import { IdlescopeError, type IdlescopeErrorCode } from '../../protocol/errors.js';

export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  /**
   * Fires on the first SIGINT or SIGTERM (the entry exits at once on a second one). A command
   * that stops on it sets EXIT.interrupted; the entry turns that into EXIT.terminated for SIGTERM.
   */
  signal: AbortSignal;
  setExitCode(code: number): void;
}

/** Exit codes, as the README documents them. */
export const EXIT = {
  measured: 0,
  failure: 1,
  usage: 2,
  reflector: 3,
  /** verify: the setting did not hold (a connection with it was evicted), or dead-peer detection was off. */
  notHeld: 4,
  listen: 5,
  /** verify: nothing proven either way (the control connection survived too, or the path never dropped). */
  inconclusive: 6,
  /** Stopped by SIGINT (Ctrl-C): 128 + 2, as shells report it. */
  interrupted: 130,
  /** Stopped by SIGTERM: 128 + 15. */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each exit code means, in the words --help and the README use. */
export const EXIT_MEANING: Readonly<Record<keyof typeof EXIT, string>> = {
  measured: 'measured (verify: the setting held); the reflector: drained after SIGINT or SIGTERM',
  failure: 'an unexpected failure',
  usage: 'bad usage: a flag, an argument or an IDLESCOPE_* variable, named on one line',
  reflector: 'the reflector could not be reached, was not one, refused the token, or was lost',
  notHeld: 'verify: the setting did not hold (or dead-peer detection was not as predicted)',
  listen: 'the reflector could not listen on its address',
  inconclusive: 'verify: nothing proven either way',
  interrupted: 'stopped by SIGINT (Ctrl-C); a report of what was found so far is printed',
  terminated: 'stopped by SIGTERM; a report of what was found so far is printed',
};

/** The exit codes as the lines of a table, for --help (one source with EXIT and EXIT_MEANING). */
export function exitCodeLines(): string[] {
  return (Object.keys(EXIT) as (keyof typeof EXIT)[]).map(
    (name) => `  ${String(EXIT[name]).padStart(3)}  ${EXIT_MEANING[name]}`,
  );
}

/** The code a run stopped by `signal` exits with (the reflector's drain exits 0 instead). */
export function stoppedExitCode(signal: 'SIGINT' | 'SIGTERM'): ExitCode {
  return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

/** Every error code's exit code: a new code does not compile until it has one. */
export const EXIT_CODE_OF: Readonly<Record<IdlescopeErrorCode, ExitCode>> = {
  IDLESCOPE_USAGE: EXIT.usage,
  IDLESCOPE_BAD_ADDRESS: EXIT.usage,
  IDLESCOPE_REFLECTOR_UNREACHABLE: EXIT.reflector,
  IDLESCOPE_NOT_A_REFLECTOR: EXIT.reflector,
  IDLESCOPE_REFLECTOR_REFUSED: EXIT.reflector,
  IDLESCOPE_REFLECTOR_LOST: EXIT.reflector,
  IDLESCOPE_REFLECTOR_LISTEN: EXIT.listen,
  IDLESCOPE_REFLECTOR_STATE: EXIT.failure,
  IDLESCOPE_EMULATOR_THREAD: EXIT.failure,
  // A plan is checked as flags are parsed (`verify`), so a bad one is bad usage.
  IDLESCOPE_KEEPALIVE_PLAN: EXIT.usage,
  IDLESCOPE_KEEPALIVE_SOCKET: EXIT.failure,
  IDLESCOPE_REPORT_FILE: EXIT.failure,
  IDLESCOPE_HISTORY: EXIT.failure,
  IDLESCOPE_INTERNAL: EXIT.failure,
};

/** The exit code for anything thrown: by its code, or 1 for what is not an IdlescopeError. */
export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof IdlescopeError ? EXIT_CODE_OF[error.code] : EXIT.failure;
}
