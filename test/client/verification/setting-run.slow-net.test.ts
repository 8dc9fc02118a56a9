/**
 * verify's fixed-setting run (setting-run.ts, planned by fixed-setting.ts) on real loopback sockets,
 * through the userspace emulator that evicts idle connections at T = 2 s (relaying bytes, it never
 * sees a kernel keepalive): a 1 s heartbeat held 5 s is proven in both directions on every
 * connection while the controls die; a 1 s keepalive fails. The kernel NAT and haproxy cases are in
 * the lab (test/lab/verify.slow-net.test.ts).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { ControlChannel } from '../../../client/discovery/control-channel.js';
import { planFixedSetting } from '../../../client/verification/fixed-setting.js';
import { heldKeepaliveApplier } from '../../../client/verification/held-keepalive.js';
import { SettingRun } from '../../../client/verification/setting-run.js';
import type { RefreshSetting } from '../../../client/verification/verdict.js';
import { startStack } from '../../helpers/loopback-stack.js';
import { useTeardown, within } from '../../helpers/teardown.js';

const T_MS = 2000;
const HOLD_MS = 5000;

async function holdThroughEmulator(setting: RefreshSetting): Promise<ReturnType<SettingRun['run']>> {
  const defer = useTeardown(onTestFinished);
  const { front } = await startStack(defer, { mode: 'drop', timeoutMs: T_MS });
  const control = new ControlChannel(front);
  defer(() => control.close());
  await control.connect();
  let next = 1;
  const run = new SettingRun({
    dial: front,
    session: control.credentials!,
    plan: planFixedSetting(setting, 4, ['inbound', 'outbound'], HOLD_MS),
    timeoutMs: T_MS,
    graceMs: 1000,
    now: () => performance.now(),
    rttMs: () => control.rttMs,
    push: (probe) => control.push(probe),
    allocateProbeId: () => next++,
    applyKeepalive: heldKeepaliveApplier(),
  });
  defer(() => run.stop());
  control.on('probe', (probe, event) => run.onReflectorEvent(probe, event));
  return within(run.run(), 15_000, 'the hold to end');
}

describe('verify: one setting held through the emulator (drop at 2 s)', () => {
  it('a 1 s heartbeat holds on every connection, in both directions, while the controls die', async () => {
    const result = await holdThroughEmulator({ kind: 'heartbeat', periodS: 1 });
    expect(result.connections.map((c) => c.direction)).toEqual([
      'inbound',
      'outbound',
      'inbound',
      'outbound',
    ]);
    for (const c of result.connections) {
      expect(c.test.outcome, `#${c.probe} ${c.direction}`).toEqual({ alive: true });
      expect(c.test.heldMs, `#${c.probe} held past the hold`).toBeGreaterThanOrEqual(HOLD_MS);
      expect(c.verdict.verdict, `#${c.probe} verdict`).toBe('proven');
      expect(c.kernel, 'a heartbeat sets no keepalive').toBeNull();
    }
    for (const d of ['inbound', 'outbound'] as const) {
      expect(result.controls[d]?.outcome.alive, `${d} control died`).toBe(false);
      expect(result.directions[d]?.verdict, d).toBe('proven');
    }
    expect(result.verdict).toBe('proven');
  }, 30_000);

  it('a 1 s TCP keepalive, invisible to a relay, does not hold', async () => {
    const result = await holdThroughEmulator({ kind: 'keepalive', idleS: 1, intervalS: 1, count: 3 });
    for (const c of result.connections) {
      expect(c.test.outcome.alive, `#${c.probe} ${c.direction} evicted`).toBe(false);
      expect(c.kernel, `#${c.probe} kernel read-back`).toEqual({
        enabled: true,
        idleS: 1,
        intervalS: 1,
        count: 3,
        userTimeoutMs: 0,
      });
    }
    expect(result.verdict).toBe('failed');
  }, 30_000);
});
