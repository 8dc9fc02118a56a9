/**
 * The verification's report (pure): the kernel's read-back of the keepalive connection tested, and
 * a platform that cannot set keepalive said so in the JSON and the human line, never pretended.
 */
import { describe, expect, it } from 'vitest';
import { toJsonVerification, verificationLines } from '../../../client/report/verification-report.js';
import type { VerificationResult } from '../../../client/verification/verification-run.js';

const KEEPALIVE = { kind: 'keepalive', idleS: 4, intervalS: 1, count: 3 } as const;
const ALIVE_TEST = {
  direction: 'inbound',
  atMs: 20_000,
  heldMs: 19_000,
  idleAtTestMs: 3700,
  outcome: { alive: true },
} as const;
const DEAD_CONTROL = {
  direction: 'inbound',
  atMs: 7000,
  heldMs: 7000,
  idleAtTestMs: 7000,
  outcome: { alive: false, how: 'silent-drop' },
} as const;

const PROVEN: VerificationResult = {
  keepalive: {
    setting: KEEPALIVE,
    testedWith: { inbound: { ...KEEPALIVE, idleS: 5 } },
    verdict: 'proven',
    directions: { inbound: { verdict: 'proven', heldMs: 19_000 } },
    tests: { inbound: ALIVE_TEST },
    kernel: { inbound: { enabled: true, idleS: 5, intervalS: 1, count: 3, userTimeoutMs: 0 } },
  },
  heartbeat: null,
  keepaliveSkipped: null,
  controls: { inbound: DEAD_CONTROL },
  connectionsOpened: 7,
};

describe('verification report', () => {
  it('states what the kernel held on the connection tested', () => {
    const json = toJsonVerification(PROVEN);
    expect(json?.keepalive?.directions.inbound?.kernel).toEqual({
      enabled: true,
      idle_s: 5,
      interval_s: 1,
      count: 3,
      user_timeout_ms: 0,
    });
    expect(json?.keepalive_skipped).toBeNull();
  });

  it('says keepalive was skipped, and why, where the platform cannot set it', () => {
    const skipped: VerificationResult = {
      ...PROVEN,
      keepalive: null,
      keepaliveSkipped: 'net-keepalive-no-op',
    };
    expect(toJsonVerification(skipped)?.keepalive_skipped).toEqual({
      reason: 'net-keepalive-no-op',
      why:
        'this platform (Windows) cannot set the keepalive interval and count (net-keepalive is a no-op ' +
        'there)',
    });
    expect(verificationLines(skipped, false)).toEqual([
      'TCP keepalive not verified on this path: this platform (Windows) cannot set the keepalive interval ' +
        'and count (net-keepalive is a no-op there).',
    ]);
  });
});
