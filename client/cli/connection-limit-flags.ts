/**
 * The reflector's per-connection and per-session limit flags (reflector/connection-limits.ts has
 * the defaults and why): each is optional, absent means the default. Bad values are one-line
 * UsageErrors (exit 2). A flag of its own file so the admission flags can sit beside it.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../../protocol/errors.js';
import { MAX_CONTROL_MESSAGE_BYTES } from '../../protocol/wire.js';
import {
  DEFAULT_CONNECTION_LIMITS as D,
  MIN_MESSAGE_BYTES,
  connectionLimits,
  type GivenLimits,
} from '../../reflector/connection-limits.js';
import { secondsFlag, wholeNumberFlag, type FlagValue } from './flag-values.js';

export interface ConnectionLimitFlags {
  controlPauseBytes?: FlagValue;
  controlHardBytes?: FlagValue;
  controlDrain?: FlagValue;
  maxEventsPerS?: FlagValue;
  maxSessionLife?: FlagValue;
  maxIdle?: FlagValue;
  helloTimeout?: FlagValue;
  maxMessageBytes?: FlagValue;
}

const MIB = 1024 * 1024;
const MAX_MESSAGE = MAX_CONTROL_MESSAGE_BYTES;
const s = (ms: number): number => ms / 1000;

/** Adds the limit flags to the reflector command. */
export function withConnectionLimitFlags<T>(yargs: Argv<T>): Argv<T & ConnectionLimitFlags> {
  const option = (name: string, describe: string): void => {
    yargs.option(name, { type: 'string', requiresArg: true, group: 'Per-session limits:', describe });
  };
  option(
    'control-pause-bytes',
    `pause a session whose control channel holds this many unsent bytes ` +
      `(default ${D.controlPauseBytes / MIB} MiB)`,
  );
  option(
    'control-hard-bytes',
    `end a session whose control channel holds this many (default ${D.controlHardBytes / MIB} MiB)`,
  );
  option('control-drain', `end a paused session not drained within this (default ${s(D.controlDrainMs)} s)`);
  option(
    'max-events-per-s',
    `tests (pushes, echoed pings) per second per session; bursts of twice that (default ${D.maxEventsPerS})`,
  );
  option('max-session-life', `end a session this long after it began (default ${s(D.maxSessionLifeMs)} s)`);
  option(
    'max-idle',
    `refuse a test on a probe idle longer than this; clients need --max below it ` +
      `(default ${s(D.maxIdleMs)} s)`,
  );
  option(
    'hello-timeout',
    `destroy a connection without a probe or control hello this long after accept ` +
      `(default ${s(D.helloTimeoutMs)} s)`,
  );
  option(
    'max-message-bytes',
    `largest control message, ${MIN_MESSAGE_BYTES}..${MAX_MESSAGE} (default ${D.maxMessageBytes})`,
  );
  return yargs as unknown as Argv<T & ConnectionLimitFlags>;
}

/** The limits the flags give (undefined: the default), checked together; a UsageError if not sane. */
export function connectionLimitsFrom(flags: ConnectionLimitFlags): GivenLimits {
  const bytes = (name: string, raw: FlagValue): number | undefined =>
    raw === undefined ? undefined : wholeNumberFlag(name, raw, 1, Number.MAX_SAFE_INTEGER);
  const ms = (name: string, raw: FlagValue): number | undefined => {
    const seconds = secondsFlag(name, raw);
    return seconds === undefined ? undefined : seconds * 1000;
  };
  const rate =
    flags.maxEventsPerS === undefined
      ? undefined
      : wholeNumberFlag('max-events-per-s', flags.maxEventsPerS, 1, 1_000_000);
  const given: GivenLimits = {
    controlPauseBytes: bytes('control-pause-bytes', flags.controlPauseBytes),
    controlHardBytes: bytes('control-hard-bytes', flags.controlHardBytes),
    controlDrainMs: ms('control-drain', flags.controlDrain),
    maxEventsPerS: rate,
    eventBurst: rate === undefined ? undefined : 2 * rate,
    maxSessionLifeMs: ms('max-session-life', flags.maxSessionLife),
    maxIdleMs: ms('max-idle', flags.maxIdle),
    helloTimeoutMs: ms('hello-timeout', flags.helloTimeout),
    maxMessageBytes:
      flags.maxMessageBytes === undefined
        ? undefined
        : wholeNumberFlag(
            'max-message-bytes',
            flags.maxMessageBytes,
            MIN_MESSAGE_BYTES,
            MAX_CONTROL_MESSAGE_BYTES,
          ),
  };
  try {
    connectionLimits(given);
  } catch (error) {
    throw new UsageError(`reflector limits: ${(error as Error).message}`);
  }
  return given;
}
