/**
 * The verification's part of the report: the JSON `verification` object and the human line that
 * says whether the recommendation was proven on this path. Pure.
 */
import type { Direction, EvictionKind } from '../search/types.js';
import { jsonSeconds } from './format.js';
import type { UnsupportedReason } from '../keepalive/apply-keepalive.js';
import type { HeldTest } from '../verification/held-connection.js';
import type { KernelKeepalive } from '../verification/held-keepalive.js';
import type { DirectionVerdict, RefreshSetting } from '../verification/verdict.js';
import type { SettingVerification, VerificationResult } from '../verification/verification-run.js';

export interface JsonTest {
  /** "alive", or how it was evicted. */
  outcome: 'alive' | EvictionKind;
  held_s: number;
  idle_at_test_s: number;
}

export interface JsonSettingVerification {
  setting: JsonSetting;
  verdict: 'proven' | 'failed' | 'inconclusive';
  directions: Partial<
    Record<
      Direction,
      {
        verdict: DirectionVerdict['verdict'];
        /** Why a verdict is inconclusive (control-survived, held-too-briefly, ...), else null. */
        why: string | null;
        /** The setting of the connection tested: the one recommended, or a longer idle. */
        tested_with: JsonSetting | null;
        test: JsonTest | null;
        /** What the kernel held on the keepalive connection tested (getsockopt); null for a heartbeat. */
        kernel: JsonKernelKeepalive | null;
      }
    >
  >;
}

/** A keepalive read back from the kernel; null where this platform cannot read an option. */
export interface JsonKernelKeepalive {
  enabled: boolean | null;
  idle_s: number | null;
  interval_s: number | null;
  count: number | null;
  user_timeout_ms: number | null;
}

export type JsonSetting =
  | { kind: 'keepalive'; idle_s: number; interval_s: number; count: number }
  | { kind: 'heartbeat'; period_s: number };

export interface JsonVerification {
  keepalive: JsonSettingVerification | null;
  heartbeat: JsonSettingVerification | null;
  /** Why TCP keepalive was not verified at all (this platform cannot set it), or null. */
  keepalive_skipped: { reason: UnsupportedReason; why: string } | null;
  /** The connections held with no refresh at all: each must have died for a proof to stand. */
  controls: Partial<Record<Direction, JsonTest>>;
  connections_opened: number;
}

export function jsonTest(test: HeldTest): JsonTest {
  return {
    outcome: test.outcome.alive ? 'alive' : test.outcome.how,
    held_s: jsonSeconds(test.heldMs),
    idle_at_test_s: jsonSeconds(test.idleAtTestMs),
  };
}

/** The kernel's read-back in the JSON's units. */
export function jsonKernel(k: KernelKeepalive): JsonKernelKeepalive {
  return {
    enabled: k.enabled,
    idle_s: k.idleS,
    interval_s: k.intervalS,
    count: k.count,
    user_timeout_ms: k.userTimeoutMs,
  };
}

/** Why a platform cannot verify TCP keepalive, in words. */
export const SKIP_WHY: Record<UnsupportedReason, string> = {
  'net-keepalive-no-op':
    'this platform (Windows) cannot set the keepalive interval and count (net-keepalive is a no-op there)',
  'no-user-timeout': 'this platform has no TCP_USER_TIMEOUT',
  'unknown-platform': 'net-keepalive does not know this platform',
};

export function jsonSetting(setting: RefreshSetting): JsonSetting {
  return setting.kind === 'keepalive'
    ? { kind: 'keepalive', idle_s: setting.idleS, interval_s: setting.intervalS, count: setting.count }
    : { kind: 'heartbeat', period_s: setting.periodS };
}

function jsonSettingVerification(v: SettingVerification): JsonSettingVerification {
  const directions: JsonSettingVerification['directions'] = {};
  for (const [direction, verdict] of Object.entries(v.directions) as [Direction, DirectionVerdict][]) {
    const test = v.tests[direction];
    const testedWith = v.testedWith[direction];
    const kernel = v.kernel[direction];
    directions[direction] = {
      verdict: verdict.verdict,
      why: verdict.verdict === 'inconclusive' ? verdict.why : null,
      tested_with: testedWith === undefined ? null : jsonSetting(testedWith),
      test: test === undefined ? null : jsonTest(test),
      kernel: kernel === undefined ? null : jsonKernel(kernel),
    };
  }
  return { setting: jsonSetting(v.setting), verdict: v.verdict, directions };
}

export function toJsonVerification(v: VerificationResult | null): JsonVerification | null {
  if (v === null) return null;
  const controls: JsonVerification['controls'] = {};
  for (const [direction, test] of Object.entries(v.controls) as [Direction, HeldTest][]) {
    controls[direction] = jsonTest(test);
  }
  return {
    keepalive: v.keepalive === null ? null : jsonSettingVerification(v.keepalive),
    heartbeat: v.heartbeat === null ? null : jsonSettingVerification(v.heartbeat),
    keepalive_skipped:
      v.keepaliveSkipped === null ? null : { reason: v.keepaliveSkipped, why: SKIP_WHY[v.keepaliveSkipped] },
    controls,
    connections_opened: v.connectionsOpened,
  };
}

const WHY: Record<Extract<DirectionVerdict, { verdict: 'inconclusive' }>['why'], string> = {
  'control-survived': 'a connection with no keepalive survived too, so this path did not evict anything then',
  'held-too-briefly': 'the tested connection was not held past the timeout',
  'control-held-too-briefly': 'the control connection was not held past the timeout',
  'not-at-worst-moment': 'the test came too early in the keepalive cycle to prove it',
  'not-tested': 'no connection with it was left to test',
};

export function settingWords(setting: RefreshSetting): string {
  return setting.kind === 'keepalive'
    ? `TCP keepalive idle ${setting.idleS} s`
    : `an application heartbeat every ${setting.periodS} s`;
}

/** One line per setting tried: "Verified on this path: ..." or why not. */
export function verificationLines(v: VerificationResult | null, recommendsHeartbeat: boolean): string[] {
  if (v === null) return ['Not verified on this path (--no-verify, or nothing to prove).'];
  const lines: string[] = [];
  if (v.keepaliveSkipped !== null)
    lines.push(`TCP keepalive not verified on this path: ${SKIP_WHY[v.keepaliveSkipped]}.`);
  const settings = recommendsHeartbeat ? [v.heartbeat, v.keepalive] : [v.keepalive, v.heartbeat];
  for (const setting of settings) {
    if (setting === null) continue;
    const words = settingWords(setting.setting);
    const verdicts = Object.entries(setting.directions) as [Direction, DirectionVerdict][];
    const held = verdicts.map(([, d]) => ('heldMs' in d ? d.heldMs : 0));
    switch (setting.verdict) {
      case 'proven':
        lines.push(
          `Verified on this path: ${words} kept connections alive for ` +
            `${Math.round(Math.min(...held) / 1000)} s ` +
            `(${verdicts.map(([d]) => d).join(' and ')}), while one without it died.`,
        );
        break;
      case 'failed': {
        const [direction, failed] = verdicts.find(([, d]) => d.verdict === 'failed') as [
          Direction,
          Extract<DirectionVerdict, { verdict: 'failed' }>,
        ];
        lines.push(
          `Failed on this path: with ${words} a connection still died (${direction}, ${failed.how}` +
            ` after ${Math.round(failed.heldMs / 1000)} s)` +
            (setting.setting.kind === 'keepalive' ? ': TCP keepalive does not keep this path alive.' : '.'),
        );
        break;
      }
      case 'inconclusive': {
        const why = verdicts
          .filter(([, d]) => d.verdict === 'inconclusive')
          .map(
            ([d, verdict]) =>
              `${d}: ${WHY[(verdict as Extract<DirectionVerdict, { verdict: 'inconclusive' }>).why]}`,
          );
        lines.push(`Not proven on this path: ${words}: ${why.join('; ')}.`);
        break;
      }
      default: {
        const never: never = setting.verdict;
        throw new Error(`unknown verdict ${String(never)}`);
      }
    }
  }
  return lines;
}
