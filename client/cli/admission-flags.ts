/**
 * The reflector's admission flags (issue 11): one per limit of reflector/admission-limits.ts, whose
 * defaults they show. Absent, a limit takes its default there; --max-connections defaults to what
 * the open-file limit allows, read at start and written in the first log lines.
 */
import type { Argv } from 'yargs';
import { MAX_PROBES_PER_SESSION, MAX_SESSIONS } from '../../protocol/wire.js';
import {
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_PROBES_PER_SESSION,
  DEFAULT_MAX_SESSIONS_PER_ADDRESS,
  DEFAULT_UNATTACHED_GRACE_MS,
  type AdmissionOptions,
} from '../../reflector/admission-limits.js';
import { secondsFlag, wholeNumberFlag, type FlagValue } from './flag-values.js';

export interface AdmissionFlags {
  maxSessions?: FlagValue;
  maxSessionsPerAddress?: FlagValue;
  maxConnections?: FlagValue;
  maxConnectionsPerAddress?: FlagValue;
  maxProbesPerSession?: FlagValue;
  fdReserve?: FlagValue;
  unattachedGrace?: FlagValue;
}

/** Far above any file-descriptor limit a kernel gives one process. */
const MOST_CONNECTIONS = 10_000_000;

/** Adds the admission flags to `idlescope reflector`. */
export function withAdmissionFlags<T>(yargs: Argv<T>): Argv<T & AdmissionFlags> {
  const flag = (describe: string) => ({ type: 'string', requiresArg: true, describe }) as const;
  return yargs
    .option('max-sessions', flag(`sessions served at once, in all (default ${MAX_SESSIONS})`))
    .option(
      'max-sessions-per-address',
      flag(
        'sessions one address (an IPv4 address, an IPv6 /64) may hold ' +
          `(default ${DEFAULT_MAX_SESSIONS_PER_ADDRESS})`,
      ),
    )
    .option(
      'max-connections',
      flag(
        'connections in all, past which probes and new sessions are refused ' +
          '(default: the open-file limit less --fd-reserve and a headroom for control channels)',
      ),
    )
    .option(
      'max-connections-per-address',
      flag(
        `connections one address may hold, probes and control channels ` +
          `(default ${DEFAULT_MAX_CONNECTIONS_PER_ADDRESS})`,
      ),
    )
    .option(
      'max-probes-per-session',
      flag(
        `probe connections one session may hold (default ${DEFAULT_MAX_PROBES_PER_SESSION}, ` +
          `at most ${MAX_PROBES_PER_SESSION})`,
      ),
    )
    .option(
      'fd-reserve',
      flag('file descriptors kept below the open-file limit (default: a tenth of it, 64 to 1024)'),
    )
    .option(
      'unattached-grace',
      flag(
        'seconds a session that never attached a probe outlives its control channel ' +
          `(default ${DEFAULT_UNATTACHED_GRACE_MS / 1000})`,
      ),
    ) as unknown as Argv<T & AdmissionFlags>;
}

/** The admission options the flags give (absent ones left to their defaults), or a UsageError. */
export function admissionOptionsFrom(flags: AdmissionFlags): AdmissionOptions & { maxSessions?: number } {
  const whole = (name: string, raw: FlagValue | undefined, least: number, most: number) =>
    raw === undefined ? undefined : wholeNumberFlag(name, raw, least, most);
  const graceS =
    flags.unattachedGrace === undefined ? undefined : secondsFlag('unattached-grace', flags.unattachedGrace);
  const options = {
    maxSessions: whole('max-sessions', flags.maxSessions, 1, MOST_CONNECTIONS),
    maxSessionsPerAddress: whole(
      'max-sessions-per-address',
      flags.maxSessionsPerAddress,
      1,
      MOST_CONNECTIONS,
    ),
    maxConnections: whole('max-connections', flags.maxConnections, 1, MOST_CONNECTIONS),
    maxConnectionsPerAddress: whole(
      'max-connections-per-address',
      flags.maxConnectionsPerAddress,
      1,
      MOST_CONNECTIONS,
    ),
    maxProbesPerSession: whole(
      'max-probes-per-session',
      flags.maxProbesPerSession,
      1,
      MAX_PROBES_PER_SESSION,
    ),
    fdReserve: whole('fd-reserve', flags.fdReserve, 0, MOST_CONNECTIONS),
    unattachedGraceMs: graceS === undefined ? undefined : Math.round(graceS * 1000),
  };
  // exactOptionalPropertyTypes: a flag not given is a key not there.
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
