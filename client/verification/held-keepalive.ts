/**
 * TCP keepalive on the verification's held connections, through client/keepalive/apply-keepalive.ts:
 * each application is read back (getsockopt), so a verdict can say what the kernel actually held on
 * the connection it tested, not what was asked for. Where the platform cannot set keepalive at all,
 * the keepalive verification is skipped with that reason instead of being pretended.
 */
import type { ProbeId } from '../../protocol/wire.js';
import type { SessionCredentials } from '../../protocol/auth.js';
import type { HostPort } from '../../protocol/address.js';
import type { Socket } from 'node:net';
import type { ProbeLink } from '../transport/probe-transport.js';
import {
  applyKeepalive,
  keepaliveSupport,
  type KeepaliveApplyResult,
  type UnsupportedReason,
} from '../keepalive/apply-keepalive.js';
import type { RefreshSetting } from './verdict.js';

export type KeepaliveSetting = Extract<RefreshSetting, { kind: 'keepalive' }>;

/** What the kernel held on a socket after a keepalive was applied (getsockopt; null: unreadable here). */
export type KernelKeepalive = KeepaliveApplyResult['readBack'];

/** Applies a keepalive setting to a held connection's socket and returns the kernel's read-back. */
export type HeldKeepaliveApplier = (socket: Socket, setting: KeepaliveSetting) => KernelKeepalive;

/**
 * The applier the CLI uses: apply-keepalive.ts with the setting (and TCP_USER_TIMEOUT when one is
 * given, ms). Throws KeepalivePlanError or KeepaliveSocketError as applyKeepalive does.
 */
export function heldKeepaliveApplier(userTimeoutMs?: number): HeldKeepaliveApplier {
  return (socket, setting) =>
    applyKeepalive(socket, {
      idleS: setting.idleS,
      intervalS: setting.intervalS,
      count: setting.count,
      ...(userTimeoutMs === undefined ? {} : { userTimeoutMs }),
    }).readBack;
}

/**
 * Why keepalive cannot be verified on `platform`, or null where it can: a held connection needs
 * its interval and count set (a keepalive whose retries are the system's 75 s x 9 proves nothing
 * about the plan), which net-keepalive cannot do on Windows.
 */
export function keepaliveSkipReason(platform: NodeJS.Platform): UnsupportedReason | null {
  return keepaliveSupport(platform).intervalAndCount;
}

/**
 * What every owner of held connections needs of the path and the control channel (the discovery's
 * verification and `verify` alike).
 */
export interface HeldPath {
  dial: HostPort;
  /** How the held connections reach the reflector and what runs over them (default: direct TCP). */
  link?: ProbeLink | undefined;
  session: SessionCredentials;
  graceMs: number;
  now(): number;
  rttMs(): number;
  push(probe: ProbeId): void;
  allocateProbeId(): ProbeId;
  applyKeepalive: HeldKeepaliveApplier;
}
