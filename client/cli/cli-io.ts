/**
 * What a command handler may touch of the process, passed in by the entry file so commands stay
 * testable: the two output streams, an exit code, and a signal that fires on Ctrl-C.
 */
import type { Writable } from 'node:stream';

export interface CliIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  signal: AbortSignal;
  setExitCode(code: number): void;
}

/** Exit codes, as the README documents them. */
export const EXIT = {
  measured: 0,
  failure: 1,
  usage: 2,
  reflector: 3,
  interrupted: 130,
} as const;
