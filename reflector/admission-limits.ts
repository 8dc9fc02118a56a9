/**
 * The reflector's admission limits (issue 11), their defaults, and the open-file limit they are
 * sized from: how many sessions and connections one address, one session and the whole reflector
 * may hold. admission.ts enforces them; `idlescope reflector` has a flag for each
 * (client/cli/admission-flags.ts).
 *
 * The total is sized from the process's open-file limit, read once at start: Node has no
 * getrlimit, so it is the soft "Max open files" of /proc/self/limits on Linux (Node raises the soft
 * limit to the hard one at start, so that is what the process really has), and DEFAULT_OPEN_FILES
 * where that file does not exist. A reserve stays below the limit for the process's own files (stdio,
 * the listening socket, libuv's, /proc reads for the metrics), so that the reflector reaches its own
 * cap, which refuses with words, long before accept() fails with EMFILE, which libuv answers by
 * resetting connections nobody is told about.
 *
 *   0 ─────────── maxConnections ──── + headroom ──── + reserve = open-file limit
 *   probes and new sessions refused    control channels,  the process's own files
 *   past here, with a reason           /healthz, undecided
 *                                      sockets: past here,
 *                                      destroyed at accept
 */
import { readFileSync } from 'node:fs';
import { MAX_PROBES_PER_SESSION } from '../protocol/wire.js';

/**
 * Live sessions one address (an IPv4 address, an IPv6 /64: address-group.ts) may hold. One discover
 * holds one session; 16 leave room for a few people behind one NAT or a CI runner's parallel jobs,
 * while one client alone can take at most 1/16 of the default 256.
 */
export const DEFAULT_MAX_SESSIONS_PER_ADDRESS = 16;

/**
 * Probe connections one session may hold. A default discover holds 256 probes (--connections) and
 * opens a few more as it replaces evicted ones (259-269 over the bench's runs), plus the
 * verification's held connections: 8 per rung of its ladder (6 keepalive phases, 2 heartbeat ones),
 * at most 45 rungs from 1 s to the default --max of 7440 s, and one control per direction, so at
 * most 362. Behind a NAT that drops silently the reflector never hears a probe end, so its side may
 * keep every one the session ever opened: about 630 at most. 1024 leaves room above that, and is 16
 * times below the protocol's ceiling (MAX_PROBES_PER_SESSION, what a resumed welcome can list).
 */
export const DEFAULT_MAX_PROBES_PER_SESSION = 1024;

/** Connections (probes and control channels) one address may hold: four sessions at the cap above. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 4096;

/** The open-file limit assumed where /proc/self/limits cannot be read (not Linux). */
export const DEFAULT_OPEN_FILES = 1024;

/**
 * How long a session that never attached a probe outlives its control channel. Such a session holds
 * nothing a resume could save, so it is not kept for the full resume grace (120 s): that let one
 * client take every session slot and leave everyone locked out for two minutes after it left. 5 s
 * still covers a client's first four resume attempts (0.25 s, then doubling: 0.75, 1.75, 3.75 s).
 */
export const DEFAULT_UNATTACHED_GRACE_MS = 5000;

/** Sockets one address may hold beyond its connection limit: its control channels, /healthz. */
export const ADDRESS_HEADROOM = 16;

/** Where the open-file limit came from, for the start-up log line. */
export type OpenFilesSource = '/proc/self/limits' | 'default' | 'given';

export interface OpenFiles {
  limit: number;
  source: OpenFilesSource;
}

/** Admission limits as options: every one optional, the defaults above (and below) filling in. */
export interface AdmissionOptions {
  maxSessionsPerAddress?: number | undefined;
  maxConnectionsPerAddress?: number | undefined;
  /** Probe connections and new sessions are refused once this many sockets are open in all. */
  maxConnections?: number | undefined;
  /** File descriptors kept below the open-file limit (default: a tenth of it, 64 to 1024). */
  fdReserve?: number | undefined;
  maxProbesPerSession?: number | undefined;
  unattachedGraceMs?: number | undefined;
  /** The open-file limit; read from the system when absent (tests give one). */
  openFiles?: number | undefined;
}

export interface AdmissionLimits {
  maxSessionsPerAddress: number;
  maxConnectionsPerAddress: number;
  maxConnections: number;
  /** Sockets accepted beyond maxConnections (control channels, HTTP); past it, destroyed at accept. */
  connectionHeadroom: number;
  maxProbesPerSession: number;
  unattachedGraceMs: number;
  openFiles: OpenFiles;
  fdReserve: number;
  /** Something about the limits worth a warning at start (a cap given above the open-file limit). */
  warnings: string[];
}

/** The whole limits, from the options given and the open-file limit (read here when not given). */
export function resolveAdmissionLimits(options: AdmissionOptions = {}): AdmissionLimits {
  const openFiles: OpenFiles =
    options.openFiles !== undefined ? { limit: options.openFiles, source: 'given' } : readOpenFiles();
  const fdReserve = options.fdReserve ?? Math.min(1024, Math.max(64, Math.floor(openFiles.limit / 10)));
  const usable = Math.max(0, openFiles.limit - fdReserve);
  const connectionHeadroom = Math.min(256, Math.floor(usable / 4));
  const ceiling = usable - connectionHeadroom;
  const maxConnections = options.maxConnections ?? ceiling;
  const warnings: string[] = [];
  if (maxConnections > ceiling)
    warnings.push(
      `--max-connections ${maxConnections} is above what the open-file limit allows ` +
        `(${openFiles.limit} - reserve ${fdReserve} - headroom ${connectionHeadroom} = ${ceiling}): ` +
        'accept() may fail with EMFILE before the cap refuses anyone (raise LimitNOFILE / ulimit -n)',
    );
  return {
    maxSessionsPerAddress: options.maxSessionsPerAddress ?? DEFAULT_MAX_SESSIONS_PER_ADDRESS,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    maxConnections,
    connectionHeadroom,
    maxProbesPerSession: Math.min(
      options.maxProbesPerSession ?? DEFAULT_MAX_PROBES_PER_SESSION,
      MAX_PROBES_PER_SESSION,
    ),
    unattachedGraceMs: options.unattachedGraceMs ?? DEFAULT_UNATTACHED_GRACE_MS,
    openFiles,
    fdReserve,
    warnings,
  };
}

/** The soft open-file limit of this process, or DEFAULT_OPEN_FILES where it cannot be read. */
export function readOpenFiles(limitsText: () => string = readProcLimits): OpenFiles {
  let text: string;
  try {
    text = limitsText();
  } catch {
    return { limit: DEFAULT_OPEN_FILES, source: 'default' };
  }
  const limit = parseOpenFiles(text);
  return limit === null
    ? { limit: DEFAULT_OPEN_FILES, source: 'default' }
    : { limit, source: '/proc/self/limits' };
}

/**
 * The soft limit in the "Max open files" line of /proc/PID/limits, or null if there is none.
 * "unlimited" (which Linux does not allow for files, but a parser should not trust that) is null too.
 */
export function parseOpenFiles(limitsText: string): number | null {
  const line = limitsText.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line === undefined ? undefined : /^Max open files\s+(\d+)\s/.exec(line)?.[1];
  if (soft === undefined) return null;
  const limit = Number(soft);
  return Number.isSafeInteger(limit) && limit > 0 ? limit : null;
}

function readProcLimits(): string {
  return readFileSync('/proc/self/limits', 'utf8');
}
