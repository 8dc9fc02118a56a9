/**
 * `idlescope verify`'s flags turned into options, or a one-line UsageError (exit 2) naming the
 * first bad one. Everything is checked here, before any socket opens: so a bad setting leaves
 * nothing running. Pure but for the platform, which is a parameter (so each platform's refusals
 * are tested on any machine).
 */
import { UsageError } from '../../protocol/errors.js';
import { keepaliveSupport, type UnsupportedReason } from '../keepalive/apply-keepalive.js';
import {
  MAX_HEARTBEAT_S,
  MAX_KEEPCNT,
  MAX_KEEPIDLE_S,
  MAX_KEEPINTVL_S,
  type KeepalivePlan,
} from '../keepalive/keepalive-plan.js';
import type { Direction } from '../search/types.js';
import type { RefreshSetting } from '../verification/verdict.js';
import { intervalFor } from '../verification/verification-run.js';
import type { VerifyRunOptions } from '../verification/verify-run.js';
import { choiceFlag, secondsFlag, wholeNumberFlag, wholeSecondsFlag, type FlagValue } from './flag-values.js';
import { reflectorFrom, type ReflectorArgs } from './reflector-argument.js';
import { tokenFrom, type TokenFlags } from './token-flags.js';

/** A hold is this many times the timeout it is given (issue 10: "3 x the timeout"). */
export const HOLD_PER_TIMEOUT = 3;
/** --dead-peer waits this long for the path to start dropping, by default. */
export const DEFAULT_DEAD_PEER_WAIT_S = 600;
export const DEFAULT_KEEPALIVE_COUNT = 3;
export const MAX_VERIFY_CONNECTIONS = 1000;
const DEFAULT_GRACE_S = 1.5;

const DIRECTION_CHOICES = ['inbound', 'outbound', 'both'] as const;

/** The flags as yargs hands them over (strings, parsed here; see flag-values.ts). */
export interface VerifyFlags extends TokenFlags, ReflectorArgs {
  keepaliveIdle?: FlagValue;
  keepaliveInterval?: FlagValue;
  keepaliveCount?: FlagValue;
  userTimeout?: FlagValue;
  heartbeat?: FlagValue;
  hold?: FlagValue;
  timeout?: FlagValue;
  connections?: FlagValue;
  direction: FlagValue;
  grace?: FlagValue;
  deadPeer: boolean;
  json: boolean;
  quiet: boolean;
}

/** What verify runs: a hold of one setting, or the dead-peer measurement (verify-run.ts). */
export type VerifyOptions = VerifyRunOptions;

const REASON_WORDS: Record<UnsupportedReason, string> = {
  'net-keepalive-no-op': 'net-keepalive is a no-op there',
  'no-user-timeout': 'it has no TCP_USER_TIMEOUT',
  'unknown-platform': 'net-keepalive has no support for it',
};

function refuseOnPlatform(flag: string, platform: NodeJS.Platform, reason: UnsupportedReason | null): void {
  if (reason !== null)
    throw new UsageError(`--${flag} cannot be set on ${platform}: ${REASON_WORDS[reason]}`);
}

const given = (value: FlagValue): boolean => value !== undefined;

/** Turns verify's flags into options, or throws a UsageError naming the first bad flag. */
export function verifyOptionsFrom(
  flags: VerifyFlags,
  platform: NodeJS.Platform = process.platform,
): VerifyOptions {
  const reflector = reflectorFrom('verify', flags);
  const token = tokenFrom(flags);
  const auth = token === '' ? {} : { token };
  const keepalive = given(flags.keepaliveIdle);
  const heartbeat = given(flags.heartbeat);
  if (keepalive && heartbeat) throw new UsageError('give --keepalive-idle or --heartbeat, not both');
  if (!keepalive && !heartbeat)
    throw new UsageError('verify needs a setting: --keepalive-idle S or --heartbeat S');
  for (const flag of ['keepaliveInterval', 'keepaliveCount', 'userTimeout'] as const) {
    if (!keepalive && given(flags[flag])) throw new UsageError(`--${kebab(flag)} needs --keepalive-idle`);
  }
  if (flags.deadPeer && heartbeat)
    throw new UsageError('--dead-peer measures TCP keepalive: give --keepalive-idle, not --heartbeat');

  let setting: RefreshSetting;
  let userTimeoutMs: number | undefined;
  if (keepalive) {
    const support = keepaliveSupport(platform);
    // Without its interval and count the kernel would retry on the system's defaults: no proof of the plan.
    refuseOnPlatform('keepalive-idle', platform, support.intervalAndCount);
    const idleS = wholeSecondsFlag('keepalive-idle', flags.keepaliveIdle, 1, MAX_KEEPIDLE_S);
    const intervalS = given(flags.keepaliveInterval)
      ? wholeSecondsFlag('keepalive-interval', flags.keepaliveInterval, 1, MAX_KEEPINTVL_S)
      : intervalFor(idleS);
    const count = given(flags.keepaliveCount)
      ? wholeNumberFlag('keepalive-count', flags.keepaliveCount, 1, MAX_KEEPCNT)
      : DEFAULT_KEEPALIVE_COUNT;
    if (given(flags.userTimeout)) {
      refuseOnPlatform('user-timeout', platform, support.userTimeout);
      const userTimeoutS = secondsFlag('user-timeout', flags.userTimeout) as number;
      if (!Number.isInteger(Math.round(userTimeoutS * 1e6) / 1e3))
        throw new UsageError(`--user-timeout takes whole milliseconds, got ${userTimeoutS} s`);
      userTimeoutMs = Math.round(userTimeoutS * 1000);
    }
    setting = { kind: 'keepalive', idleS, intervalS, count };
  } else {
    setting = {
      kind: 'heartbeat',
      periodS: wholeSecondsFlag('heartbeat', flags.heartbeat, 1, MAX_HEARTBEAT_S),
    };
  }
  const periodS = setting.kind === 'keepalive' ? setting.idleS : setting.periodS;
  const holdGivenS = secondsFlag('hold', flags.hold);

  if (flags.deadPeer && setting.kind === 'keepalive') {
    if (given(flags.timeout))
      throw new UsageError('--timeout does not apply to --dead-peer (--hold is its wait)');
    const plan: KeepalivePlan = {
      idleS: setting.idleS,
      intervalS: setting.intervalS,
      count: setting.count,
      ...(userTimeoutMs === undefined ? {} : { userTimeoutMs }),
    };
    const waitMs = (holdGivenS ?? DEFAULT_DEAD_PEER_WAIT_S) * 1000;
    return { mode: 'dead-peer', reflector, plan, waitMs, ...auth };
  }

  const timeoutS = secondsFlag('timeout', flags.timeout);
  if (holdGivenS === undefined && timeoutS === undefined)
    throw new UsageError("verify needs --timeout S (the path's idle timeout; held 3 x it) or --hold S");
  const holdS = holdGivenS ?? HOLD_PER_TIMEOUT * (timeoutS as number);
  if (timeoutS !== undefined && holdS < timeoutS)
    throw new UsageError(
      `--hold (${holdS} s) is shorter than --timeout (${timeoutS} s): nothing held would be proven`,
    );
  const what = setting.kind === 'keepalive' ? 'the keepalive idle' : 'the heartbeat';
  if (holdS <= periodS)
    throw new UsageError(
      `--hold (${holdS} s) is not longer than ${what} (${periodS} s): the setting would never act`,
    );
  const direction = choiceFlag('direction', flags.direction, DIRECTION_CHOICES);
  const directions: Direction[] = direction === 'both' ? ['inbound', 'outbound'] : [direction];
  const connections = given(flags.connections)
    ? wholeNumberFlag('connections', flags.connections, directions.length, MAX_VERIFY_CONNECTIONS)
    : 2 * directions.length;
  const graceS = secondsFlag('grace', flags.grace) ?? DEFAULT_GRACE_S;
  return {
    mode: 'hold',
    reflector,
    setting,
    ...(userTimeoutMs === undefined ? {} : { userTimeoutMs }),
    holdMs: holdS * 1000,
    timeoutMs: (timeoutS ?? holdS) * 1000,
    connections,
    directions,
    graceMs: graceS * 1000,
    ...auth,
  };
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
