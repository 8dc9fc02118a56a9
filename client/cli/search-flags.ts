/**
 * The flags shared by every command that runs a search (discover, demo), their defaults, and their
 * validation: a bad flag is a one-line UsageError (exit 2).
 */
import type { Argv } from 'yargs';
import { DEFAULT_PORT } from '../../protocol/wire.js';
import { AddressError, parseHostPort, type HostPort } from '../../protocol/address.js';
import type { DiscoveryOptions } from '../discovery/discovery-run.js';
import { UsageError } from '../errors.js';
import { planVerification } from '../verification/plan-verification.js';
import { applySocketKeepalive } from '../verification/socket-keepalive.js';
import type { Direction } from '../search/types.js';

/** RFC 5382 REQ-5: an established TCP mapping must live at least 2 h 4 min. */
export const DEFAULT_MAX_S = 7440;
export const DEFAULT_CONNECTIONS = 256;
/** A process may hold 20000 files here; leave room for the rest of the process. */
export const MAX_CONNECTIONS = 16_000;

export interface SearchFlags {
  min: number;
  max: number;
  resolution?: number | undefined;
  connections: number;
  direction: 'inbound' | 'outbound' | 'both';
  grace?: number | undefined;
  json: boolean;
  quiet: boolean;
  verify: boolean;
}

/** The flags shared by every command that runs a search (discover, demo). */
export function withSearchFlags<T>(
  yargs: Argv<T>,
  defaults: { min: number; max: number },
): Argv<T & SearchFlags> {
  return yargs
    .option('min', { type: 'number', default: defaults.min, describe: 'shortest idle to test, seconds' })
    .option('max', {
      type: 'number',
      default: defaults.max,
      describe: 'longest idle to test, seconds (default: the RFC 5382 floor)',
    })
    .option('resolution', {
      type: 'number',
      describe: 'target bracket width, seconds (default: max(1 s, 1% of the timeout))',
    })
    .option('connections', {
      type: 'number',
      default: DEFAULT_CONNECTIONS,
      describe: 'probe connections held at once',
    })
    .option('direction', {
      choices: ['inbound', 'outbound', 'both'] as const,
      default: 'both' as const,
      describe: 'which direction to test',
    })
    .option('grace', {
      type: 'number',
      describe: 'seconds to wait for a test answer before calling it a silent drop (default 1.5)',
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'print exactly one JSON document on stdout',
    })
    .option('quiet', {
      type: 'boolean',
      default: false,
      describe: 'no progress on stderr',
    })
    .option('verify', {
      type: 'boolean',
      default: true,
      describe: 'prove the recommendation on this path with connections of its own (--no-verify: skip)',
    }) as unknown as Argv<T & SearchFlags>;
}

function positive(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--${name} must be a positive number of seconds, got ${String(value)}`);
}

/** Turns flags into search options, or throws a UsageError naming the first bad flag. */
export function searchOptionsFrom(flags: SearchFlags): Omit<DiscoveryOptions, 'reflector'> {
  positive('min', flags.min);
  positive('max', flags.max);
  positive('resolution', flags.resolution);
  positive('grace', flags.grace);
  if (flags.min > flags.max) throw new UsageError(`--min (${flags.min} s) is above --max (${flags.max} s)`);
  const directions: Direction[] = flags.direction === 'both' ? ['inbound', 'outbound'] : [flags.direction];
  const least = 2 * directions.length;
  if (
    !Number.isInteger(flags.connections) ||
    flags.connections < least ||
    flags.connections > MAX_CONNECTIONS
  ) {
    throw new UsageError(
      `--connections must be a whole number from ${least} to ${MAX_CONNECTIONS}, got ${String(flags.connections)}`,
    );
  }
  return {
    minS: flags.min,
    maxS: flags.max,
    resolutionS: flags.resolution ?? null,
    connections: flags.connections,
    directions,
    graceS: flags.grace ?? null,
    ...(flags.verify
      ? { verification: { plan: planVerification, applyKeepalive: applySocketKeepalive } }
      : {}),
  };
}

export function parseReflector(text: string): HostPort {
  try {
    return parseHostPort(text, DEFAULT_PORT);
  } catch (error) {
    if (error instanceof AddressError) throw new UsageError(`--reflector: ${error.message}`);
    throw error;
  }
}
