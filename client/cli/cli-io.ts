/**
 * What a command handler may touch of the process, passed in by the entry file so commands stay
 * testable: the two output streams, an exit code, and a signal that fires on Ctrl-C (SIGINT) or
 * SIGTERM. Also the exit codes, and the one table that maps each error code to one.
 */
import type { Writable } from 'node:stream';
import { IdlescopeError, type IdlescopeErrorCode } from '../../protocol/errors.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  /** Fires on the first SIGINT or SIGTERM (the entry exits at once on a second one). */
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
  /** The proxy (--proxy or the environment) is unreachable, refused the tunnel, or wants credentials. */
  proxy: 7,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

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
  IDLESCOPE_BAD_PROXY_URL: EXIT.usage,
  IDLESCOPE_PROXY_UNREACHABLE: EXIT.proxy,
  IDLESCOPE_PROXY_REFUSED: EXIT.proxy,
  IDLESCOPE_PROXY_AUTH: EXIT.proxy,
  IDLESCOPE_NOT_A_PROXY: EXIT.proxy,
  IDLESCOPE_TLS_CERTIFICATE: EXIT.reflector,
  IDLESCOPE_TLS_PIN: EXIT.reflector,
  IDLESCOPE_NOT_TLS: EXIT.reflector,
  IDLESCOPE_INTERNAL: EXIT.failure,
};

/** The exit code for anything thrown: by its code, or 1 for what is not an IdlescopeError. */
export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof IdlescopeError ? EXIT_CODE_OF[error.code] : EXIT.failure;
}
