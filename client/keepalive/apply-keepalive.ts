/**
 * Applies a keepalive plan to a connected net.Socket and reads back what the kernel then holds.
 *
 * Order matters (field notes, Node 20 / libuv 1.46):
 *   1. socket.setKeepAlive(true, idleS * 1000): SO_KEEPALIVE on, TCP_KEEPIDLE = idleS, and libuv
 *      also forces TCP_KEEPINTVL = 1 s and TCP_KEEPCNT = 10;
 *   2. net-keepalive: TCP_KEEPINTVL, TCP_KEEPCNT (after 1, which would reset them);
 *   3. net-keepalive: TCP_USER_TIMEOUT, Linux only;
 *   4. getsockopt for every option, so the report states what the kernel holds, not what was asked.
 * Node's setKeepAlive ignores a failing setsockopt, and skips the call when asked for the values it
 * believes are set: the read back is the only proof of step 1.
 *
 * What a platform cannot do is returned in `unsupported`, never silently skipped or faked.
 */
import type { Socket } from 'node:net';
import { KeepaliveSocketError } from './keepalive-errors.js';
import { validateKeepalivePlan, type KeepalivePlan } from './keepalive-plan.js';
import { getIntSockopt, loadNetKeepalive, sockoptConstants, socketFd } from './socket-options.js';

export type KeepaliveOption =
  'SO_KEEPALIVE' | 'TCP_KEEPIDLE' | 'TCP_KEEPINTVL' | 'TCP_KEEPCNT' | 'TCP_USER_TIMEOUT';

/**
 * Why an option cannot be set or read here:
 * - `net-keepalive-no-op`: Windows; net-keepalive does nothing there and there is no descriptor.
 * - `no-user-timeout`: macOS and FreeBSD have no TCP_USER_TIMEOUT (macOS's nearest,
 *   TCP_RXT_CONNDROPTIME, is in seconds while net-keepalive passes milliseconds, so it is not used).
 * - `unknown-platform`: a platform net-keepalive has no constants for.
 */
export type UnsupportedReason = 'net-keepalive-no-op' | 'no-user-timeout' | 'unknown-platform';

export interface UnsupportedOption {
  option: KeepaliveOption;
  action: 'set' | 'read';
  reason: UnsupportedReason;
}

/** Option values in the plan's units. */
export interface KeepaliveValues {
  enabled: boolean;
  idleS: number;
  intervalS: number;
  count: number;
  userTimeoutMs: number;
}

export interface KeepaliveApplyResult {
  platform: NodeJS.Platform;
  /** What was set; an option the platform cannot set (or the plan did not ask for) is absent. */
  applied: Partial<KeepaliveValues>;
  /** What the kernel holds afterwards (getsockopt); null where the platform cannot read it. */
  readBack: { [K in keyof KeepaliveValues]: KeepaliveValues[K] | null };
  unsupported: UnsupportedOption[];
  /** Options both set and read back whose kernel value differs from what was set. */
  mismatched: KeepaliveOption[];
}

/** Which options a platform can set and read, as idlescope drives them. */
export interface KeepaliveSupport {
  /** TCP_KEEPINTVL and TCP_KEEPCNT through net-keepalive. */
  intervalAndCount: UnsupportedReason | null;
  userTimeout: UnsupportedReason | null;
  /** SO_KEEPALIVE and TCP_KEEPIDLE read through getsockopt (set by Node everywhere). */
  readIdle: UnsupportedReason | null;
}

/** What `platform` supports (pure, so every platform's answer can be tested on any machine). */
export function keepaliveSupport(platform: NodeJS.Platform): KeepaliveSupport {
  switch (platform) {
    case 'linux':
    case 'android':
      return { intervalAndCount: null, userTimeout: null, readIdle: null };
    case 'darwin':
    case 'freebsd':
      return { intervalAndCount: null, userTimeout: 'no-user-timeout', readIdle: null };
    case 'win32':
      return {
        intervalAndCount: 'net-keepalive-no-op',
        userTimeout: 'net-keepalive-no-op',
        readIdle: 'net-keepalive-no-op',
      };
    default:
      return {
        intervalAndCount: 'unknown-platform',
        userTimeout: 'unknown-platform',
        readIdle: 'unknown-platform',
      };
  }
}

/**
 * Applies `plan` to `socket` (connected, or at least connecting with a descriptor) and reads it back.
 * Throws KeepalivePlanError for a plan the kernel would refuse or round, before touching the socket;
 * KeepaliveSocketError when the socket has no descriptor or the kernel refuses an option.
 */
export function applyKeepalive(socket: Socket, plan: KeepalivePlan): KeepaliveApplyResult {
  validateKeepalivePlan(plan);
  const platform = process.platform;
  const support = keepaliveSupport(platform);
  const fd = socketFd(socket);
  if (socket.destroyed || (platform !== 'win32' && fd === null)) {
    throw new KeepaliveSocketError('socket', 'has no file descriptor (not connected yet, or destroyed)');
  }
  const unsupported: UnsupportedOption[] = [];
  const applied: Partial<KeepaliveValues> = {};
  const nk = loadNetKeepalive();

  socket.setKeepAlive(true, plan.idleS * 1000);
  applied.enabled = true;
  applied.idleS = plan.idleS;

  if (support.intervalAndCount === null) {
    setOption('TCP_KEEPINTVL', () => nk.setKeepAliveInterval(socket, plan.intervalS * 1000));
    applied.intervalS = plan.intervalS;
    setOption('TCP_KEEPCNT', () => nk.setKeepAliveProbes(socket, plan.count));
    applied.count = plan.count;
  } else {
    unsupported.push({ option: 'TCP_KEEPINTVL', action: 'set', reason: support.intervalAndCount });
    unsupported.push({ option: 'TCP_KEEPCNT', action: 'set', reason: support.intervalAndCount });
  }
  if (plan.userTimeoutMs !== undefined) {
    const userTimeoutMs = plan.userTimeoutMs;
    if (support.userTimeout === null) {
      setOption('TCP_USER_TIMEOUT', () => nk.setUserTimeout(socket, userTimeoutMs));
      applied.userTimeoutMs = userTimeoutMs;
    } else {
      unsupported.push({ option: 'TCP_USER_TIMEOUT', action: 'set', reason: support.userTimeout });
    }
  }

  const readBack = readKeepalive(socket, unsupported);
  return { platform, applied, readBack, unsupported, mismatched: mismatches(applied, readBack) };
}

/**
 * What the kernel holds for `socket` now, in plan units; null (and an `unsupported` entry pushed)
 * where the platform cannot read an option.
 */
export function readKeepalive(
  socket: Socket,
  unsupported: UnsupportedOption[] = [],
): KeepaliveApplyResult['readBack'] {
  const platform = process.platform;
  const support = keepaliveSupport(platform);
  const constants = sockoptConstants(platform);
  const fd = socketFd(socket);
  const readBack: KeepaliveApplyResult['readBack'] = {
    enabled: null,
    idleS: null,
    intervalS: null,
    count: null,
    userTimeoutMs: null,
  };
  if (support.readIdle === null && constants !== null && fd !== null) {
    readBack.enabled = getIntSockopt(fd, constants.solSocket, constants.soKeepalive, 'SO_KEEPALIVE') !== 0;
    readBack.idleS = getIntSockopt(fd, constants.ipprotoTcp, constants.tcpKeepidle, 'TCP_KEEPIDLE');
  } else {
    const reason = support.readIdle ?? 'unknown-platform';
    unsupported.push({ option: 'SO_KEEPALIVE', action: 'read', reason });
    unsupported.push({ option: 'TCP_KEEPIDLE', action: 'read', reason });
  }
  const nk = loadNetKeepalive();
  if (support.intervalAndCount === null) {
    readBack.intervalS = readOption('TCP_KEEPINTVL', () => nk.getKeepAliveInterval(socket)) / 1000;
    readBack.count = readOption('TCP_KEEPCNT', () => nk.getKeepAliveProbes(socket));
  } else {
    unsupported.push({ option: 'TCP_KEEPINTVL', action: 'read', reason: support.intervalAndCount });
    unsupported.push({ option: 'TCP_KEEPCNT', action: 'read', reason: support.intervalAndCount });
  }
  if (support.userTimeout === null) {
    readBack.userTimeoutMs = readOption('TCP_USER_TIMEOUT', () => nk.getUserTimeout(socket));
  } else {
    unsupported.push({ option: 'TCP_USER_TIMEOUT', action: 'read', reason: support.userTimeout });
  }
  return readBack;
}

const OPTION_OF_FIELD: Record<keyof KeepaliveValues, KeepaliveOption> = {
  enabled: 'SO_KEEPALIVE',
  idleS: 'TCP_KEEPIDLE',
  intervalS: 'TCP_KEEPINTVL',
  count: 'TCP_KEEPCNT',
  userTimeoutMs: 'TCP_USER_TIMEOUT',
};

function mismatches(
  applied: Partial<KeepaliveValues>,
  readBack: KeepaliveApplyResult['readBack'],
): KeepaliveOption[] {
  const fields = Object.keys(OPTION_OF_FIELD) as (keyof KeepaliveValues)[];
  return fields
    .filter((field) => applied[field] !== undefined && readBack[field] !== null)
    .filter((field) => applied[field] !== readBack[field])
    .map((field) => OPTION_OF_FIELD[field]);
}

function setOption(option: KeepaliveOption, set: () => boolean): void {
  let ok: boolean;
  try {
    ok = set();
  } catch (error) {
    throw new KeepaliveSocketError(option, `the kernel refused it: ${describe(error)}`, error);
  }
  // net-keepalive returns false (instead of throwing) when it found no descriptor.
  if (!ok) throw new KeepaliveSocketError(option, 'net-keepalive found no file descriptor to set it on');
}

function readOption(option: KeepaliveOption, read: () => number): number {
  try {
    return read();
  } catch (error) {
    throw new KeepaliveSocketError(option, `getsockopt failed: ${describe(error)}`, error);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}
