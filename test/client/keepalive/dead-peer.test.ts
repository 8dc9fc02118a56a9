import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRANSMIT_TIMEOUT_S,
  SYSTEM_DEFAULT_KEEPALIVE,
  deadPeerDetection,
  idleDetectionS,
  recommendedUserTimeoutMs,
} from '../../../client/keepalive/dead-peer.js';
import { KeepalivePlanError } from '../../../client/keepalive/keepalive-errors.js';

describe('dead-peer detection', () => {
  it('is 7200 + 75 x 9 = 7875 s with the system defaults, and tcp_retries2 bounds in-flight data', () => {
    expect(idleDetectionS(SYSTEM_DEFAULT_KEEPALIVE)).toBe(7875);
    expect(deadPeerDetection(SYSTEM_DEFAULT_KEEPALIVE)).toEqual({
      whileIdleS: 7875,
      whileIdleBy: 'keepalive-count',
      whileUnackedS: DEFAULT_RETRANSMIT_TIMEOUT_S,
      whileUnackedBy: 'retransmit-default',
    });
    expect(DEFAULT_RETRANSMIT_TIMEOUT_S, 'the figure tcp(7) gives for tcp_retries2 = 15').toBe(924.6);
  });

  it('is idle + interval x count for a plan without a user timeout', () => {
    expect(deadPeerDetection({ idleS: 240, intervalS: 15, count: 4 }).whileIdleS).toBe(300);
  });

  it('follows the user timeout when one is set: the first keepalive firing past it, after one probe', () => {
    const plan = { idleS: 60, intervalS: 10, count: 6 };
    // Firings at 60 (probe 1), 70, 80, ...: the first at or past 95 s is 100 s.
    expect(deadPeerDetection({ ...plan, userTimeoutMs: 95_000 })).toEqual({
      whileIdleS: 100,
      whileIdleBy: 'user-timeout',
      whileUnackedS: 95,
      whileUnackedBy: 'user-timeout',
    });
    // Shorter than the idle: still one probe and one interval, so a single lost probe is fatal.
    expect(deadPeerDetection({ ...plan, userTimeoutMs: 5_000 }).whileIdleS).toBe(70);
    // Longer than the plan: more probes than the count.
    expect(deadPeerDetection({ ...plan, userTimeoutMs: 200_000 }).whileIdleS).toBe(200);
    // 0 is "no user timeout" (the kernel default).
    expect(deadPeerDetection({ ...plan, userTimeoutMs: 0 }).whileIdleBy).toBe('keepalive-count');
  });

  it('recommends the user timeout at which both rules agree', () => {
    const plan = { idleS: 45, intervalS: 5, count: 3 };
    const userTimeoutMs = recommendedUserTimeoutMs(plan);
    expect(userTimeoutMs).toBe(60_000);
    const withIt = deadPeerDetection({ ...plan, userTimeoutMs });
    const without = deadPeerDetection(plan);
    expect(withIt.whileIdleS, 'the user timeout does not change the idle detection').toBe(without.whileIdleS);
    expect(withIt.whileUnackedS, 'in-flight data is given up on after the same time').toBe(withIt.whileIdleS);
  });

  it('refuses a plan the kernel would refuse', () => {
    const attempt = () => recommendedUserTimeoutMs({ idleS: 60, intervalS: 0.5, count: 3 });
    expect(attempt).toThrow(KeepalivePlanError);
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'IDLESCOPE_KEEPALIVE_PLAN',
        message: 'keepalive intervalS = 0.5: must be a whole number of seconds (it would be rounded down)',
      }),
    );
    expect(() => deadPeerDetection({ idleS: 60, intervalS: 5, count: 0 })).toThrow(KeepalivePlanError);
  });
});
