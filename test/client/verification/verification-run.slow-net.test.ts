/**
 * The verification's held connections on real loopback sockets, against the real reflector:
 * straight to it (a path that evicts nothing, so nothing can be proven) and through the userspace
 * emulator (which evicts idle connections at T but, relaying bytes, never sees a kernel keepalive:
 * keepalive fails there, the heartbeat holds). The kernel NAT and haproxy cases are in the lab
 * suite (test/lab/discovery.slow-net.test.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ControlChannel } from '../../../client/discovery/control-channel.js';
import { VerificationRun, type VerificationPlan } from '../../../client/verification/verification-run.js';
import { heldKeepaliveApplier } from '../../../client/verification/held-keepalive.js';
import type { HostPort } from '../../../protocol/address.js';
import { startReflector, startStack } from '../../helpers/loopback-stack.js';
import { useTeardown, within, type Defer } from '../../helpers/teardown.js';

const T_MS = 3000;

async function verificationOn(
  defer: Defer,
  dial: HostPort,
  platform: NodeJS.Platform = process.platform,
): Promise<VerificationRun> {
  const control = new ControlChannel(dial);
  defer(() => control.close());
  await control.connect();
  const run = new VerificationRun({
    dial,
    session: control.credentials!,
    minS: 1,
    maxS: 10,
    directions: ['inbound', 'outbound'],
    graceMs: 1000,
    now: () => performance.now(),
    rttMs: () => control.rttMs,
    push: (probe) => control.push(probe),
    allocateProbeId: (() => {
      let next = 1;
      return () => next++;
    })(),
    applyKeepalive: heldKeepaliveApplier(),
    platform,
  });
  defer(() => run.stop());
  control.on('probe', (probe, event) => run.onReflectorEvent(probe, event));
  run.start();
  // Conclude only once the reflector has attached the controls (as discovery does, T later).
  await sleep(500);
  return run;
}

/** What discovery would ask after finding T = 3 s (survived 2.9 s): keepalive idle 1 s, heartbeat 1 s. */
const PLAN: VerificationPlan = {
  keepalive: { idleS: 1, intervalS: 1, count: 3 },
  heartbeatS: 1,
  heartbeatRequired: true,
  timeoutMs: T_MS,
  survivedMs: 2900,
  directions: ['inbound', 'outbound'],
};

describe('verification on loopback', () => {
  it('calls nothing proven on a path that evicts nothing: the control connections survive', async () => {
    const defer = useTeardown(onTestFinished);
    const { reflectorAddress } = await startReflector(defer);
    const run = await verificationOn(defer, reflectorAddress);
    const result = await within(run.conclude(PLAN), 15_000, 'the verification to conclude');
    expect(result.controls.inbound?.outcome, 'inbound control').toEqual({ alive: true });
    expect(result.controls.outbound?.outcome, 'outbound control').toEqual({ alive: true });
    expect(result.controls.inbound?.heldMs, 'the control was held past T').toBeGreaterThanOrEqual(T_MS);
    for (const setting of [result.keepalive, result.heartbeat]) {
      expect(setting?.verdict, `${setting?.setting.kind} verdict`).toBe('inconclusive');
      for (const direction of ['inbound', 'outbound'] as const) {
        expect(setting?.directions[direction], `${setting?.setting.kind} ${direction}`).toEqual({
          verdict: 'inconclusive',
          why: 'control-survived',
        });
        expect(setting?.tests[direction]?.outcome, `${setting?.setting.kind} ${direction} test`).toEqual({
          alive: true,
        });
      }
    }
    // What the kernel held on the keepalive connection tested: its rung's idle, read back.
    for (const direction of ['inbound', 'outbound'] as const) {
      const testedWith = result.keepalive?.testedWith[direction];
      expect(testedWith?.kind, `${direction} keepalive tested`).toBe('keepalive');
      const idleS = testedWith?.kind === 'keepalive' ? testedWith.idleS : -1;
      const intervalS = testedWith?.kind === 'keepalive' ? testedWith.intervalS : -1;
      expect(result.keepalive?.kernel[direction], `${direction} kernel read-back`).toEqual({
        enabled: true,
        idleS,
        intervalS,
        count: 3,
        userTimeoutMs: 0,
      });
      expect(result.heartbeat?.kernel[direction], `${direction} heartbeat has no keepalive`).toBeUndefined();
    }
    expect(result.keepaliveSkipped).toBeNull();
  }, 30_000);

  it(
    'where keepalive cannot be set (win32), skips it with the reason and still verifies the ' + 'heartbeat',
    async () => {
      const defer = useTeardown(onTestFinished);
      const { reflectorAddress } = await startReflector(defer);
      const run = await verificationOn(defer, reflectorAddress, 'win32');
      const result = await within(run.conclude(PLAN), 15_000, 'the verification to conclude');
      expect(result.keepalive, 'no keepalive verdict is pretended').toBeNull();
      expect(result.keepaliveSkipped).toBe('net-keepalive-no-op');
      expect(result.heartbeat?.tests.inbound?.outcome, 'the heartbeat was still tested').toEqual({
        alive: true,
      });
    },
    30_000,
  );

  it(
    'through the emulator (drop at 3 s): the heartbeat is proven, keepalive fails, the controls ' + 'died',
    async () => {
      const defer = useTeardown(onTestFinished);
      const { front } = await startStack(defer, { mode: 'drop', timeoutMs: T_MS });
      const run = await verificationOn(defer, front);
      const result = await within(run.conclude(PLAN), 15_000, 'the verification to conclude');
      for (const direction of ['inbound', 'outbound'] as const) {
        expect(result.controls[direction]?.outcome.alive, `${direction} control died`).toBe(false);
        const heartbeat = result.heartbeat?.tests[direction];
        expect(heartbeat?.outcome, `${direction} heartbeat test`).toEqual({ alive: true });
        expect(heartbeat?.heldMs, `${direction} heartbeat held past T`).toBeGreaterThanOrEqual(T_MS);
        // Tested just before its next beat: its idle then is about its period, never just after one.
        expect(heartbeat?.idleAtTestMs, `${direction} heartbeat tested late in its cycle`).toBeGreaterThan(
          700,
        );
        expect(result.keepalive?.directions[direction]?.verdict, `${direction} keepalive`).toBe('failed');
      }
      expect(result.heartbeat?.verdict).toBe('proven');
      expect(result.keepalive?.verdict).toBe('failed');
    },
    30_000,
  );
});
