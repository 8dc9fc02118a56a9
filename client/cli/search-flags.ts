/**
 * The flags shared by every command that runs a search (discover, demo), their defaults, and their
 * validation: a bad flag is a one-line UsageError (exit 2).
 */
import type { Argv } from 'yargs';
import { DEFAULT_PORT } from '../../protocol/wire.js';
import { parseHostPort, type HostPort } from '../../protocol/address.js';
import { UsageError } from '../../protocol/errors.js';
import type { DiscoveryOptions } from '../discovery/discovery-run.js';
import { planVerification } from '../verification/plan-verification.js';
import { heldKeepaliveApplier } from '../verification/held-keepalive.js';
import type { Direction } from '../search/types.js';
import {
  addressFlag,
  choiceFlag,
  requiredSecondsFlag,
  secondsFlag,
  wholeNumberFlag,
  type FlagValue,
} from './flag-values.js';
import { tokenFrom, withTokenFlags, type TokenFlags } from './token-flags.js';

/** RFC 5382 REQ-5: an established TCP mapping must live at least 2 h 4 min. */
export const DEFAULT_MAX_S = 7440;
export const DEFAULT_CONNECTIONS = 256;
/** A process may hold 20000 files here; leave room for the rest of the process. */
export const MAX_CONNECTIONS = 16_000;

const DIRECTION_CHOICES = ['inbound', 'outbound', 'both'] as const;

/**
 * The flags as yargs hands them over: numbers and choices stay the text the user typed (or the
 * default) until searchOptionsFrom() parses them, so a bad one is quoted as typed.
 */
export interface SearchFlags extends TokenFlags {
  min: FlagValue;
  /** Undefined only where the command derives its own default (the demo). */
  max?: FlagValue;
  resolution?: FlagValue;
  connections: FlagValue;
  direction: FlagValue;
  grace?: FlagValue;
  json: boolean;
  quiet: boolean;
  verify: boolean;
  full: boolean;
}

/** --json, the same for every command that prints a report (discover, demo, verify). */
export const JSON_FLAG = {
  type: 'boolean',
  alias: 'j',
  default: false,
  describe: 'print exactly one JSON document on stdout',
} as const;

/**
 * The flags shared by every command that runs a search (discover, demo). A `max` default given as
 * text is only described (the demo's follows its --timeout, so the command fills it in itself).
 */
export function withSearchFlags<T>(
  yargs: Argv<T>,
  defaults: { min: number; max: number | string },
): Argv<T & SearchFlags> {
  // Strings, parsed by searchOptionsFrom(): see flag-values.ts.
  return withTokenFlags(yargs)
    .option('min', {
      type: 'string',
      requiresArg: true,
      default: defaults.min,
      describe: 'shortest idle to test (a duration: 90, 90s, 15m, 2h, 1h30m)',
    })
    .option('max', {
      type: 'string',
      requiresArg: true,
      ...(typeof defaults.max === 'number'
        ? { default: defaults.max, describe: 'longest idle to test (default: the RFC 5382 floor, 2h4m)' }
        : { describe: `longest idle to test (default: ${defaults.max})` }),
    })
    .option('resolution', {
      type: 'string',
      requiresArg: true,
      describe: 'target bracket width (default: max(1 s, 1% of the timeout))',
    })
    .option('connections', {
      type: 'string',
      requiresArg: true,
      default: DEFAULT_CONNECTIONS,
      describe: 'probe connections held at once',
    })
    .option('direction', {
      type: 'string',
      requiresArg: true,
      default: 'both',
      describe: 'which direction to test: inbound, outbound or both',
    })
    .option('grace', {
      type: 'string',
      requiresArg: true,
      describe: 'how long to wait for a test answer before calling it a silent drop (default 1.5s)',
    })
    .option('json', JSON_FLAG)
    .option('quiet', {
      type: 'boolean',
      default: false,
      describe: 'no progress on stderr',
    })
    .option('verify', {
      type: 'boolean',
      default: true,
      describe: 'prove the recommendation on this path with connections of its own (--no-verify: skip)',
    })
    .option('full', {
      type: 'boolean',
      default: false,
      describe: 'follow every direction to --max, even once the direction that dies first settles the answer',
    }) as unknown as Argv<T & SearchFlags>;
}

/** Turns flags into search options, or throws a UsageError naming the first bad flag. */
export function searchOptionsFrom(flags: SearchFlags): Omit<DiscoveryOptions, 'reflector'> {
  const minS = requiredSecondsFlag('min', flags.min);
  const maxS = requiredSecondsFlag('max', flags.max);
  const resolutionS = secondsFlag('resolution', flags.resolution) ?? null;
  const graceS = secondsFlag('grace', flags.grace) ?? null;
  if (minS > maxS) throw new UsageError(`--min (${minS} s) is above --max (${maxS} s)`);
  const direction = choiceFlag('direction', flags.direction, DIRECTION_CHOICES);
  const directions: Direction[] = direction === 'both' ? ['inbound', 'outbound'] : [direction];
  const connections = wholeNumberFlag(
    'connections',
    flags.connections,
    2 * directions.length,
    MAX_CONNECTIONS,
  );
  const verification = flags.verify
    ? { verification: { plan: planVerification, applyKeepalive: heldKeepaliveApplier() } }
    : {};
  const token = tokenFrom(flags);
  const auth = token === '' ? {} : { token };
  return {
    minS,
    maxS,
    resolutionS,
    connections,
    directions,
    graceS,
    full: flags.full,
    ...auth,
    ...verification,
  };
}

/** --reflector HOST:PORT (the default port when none is given). */
export function parseReflector(raw: FlagValue): HostPort {
  return addressFlag('reflector', raw, `127.0.0.1:${DEFAULT_PORT}`, (text) =>
    parseHostPort(text, DEFAULT_PORT),
  );
}
