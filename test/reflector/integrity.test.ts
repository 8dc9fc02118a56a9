/**
 * The measurement-integrity rule: once a probe is attached, nothing from the reflector may reach it
 * (no keepalive, no timeout handling, no stray byte) until the client asks for a test. This suite
 * holds probes idle for about 1.5 s while the control channel stays busy, with a hello deadline far
 * shorter than the idle period, so a deadline that was not cleared would show.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { PUSH_BYTE } from '../../protocol/wire.js';
import { openProbe, openSession, sleep, startReflector, useTeardown } from './helpers.js';

const IDLE_MS = 1500;

/** Reads one of Node's internal socket fields by its symbol's name; fails if Node renamed it. */
function internal(socket: Socket, name: string): unknown {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === name);
  if (key === undefined)
    throw new Error(`net.Socket has no internal field ${name} on this Node; update the test`);
  return (socket as unknown as Record<symbol, unknown>)[key];
}

/**
 * The kernel's view (Linux `ss`): timers on established sockets bound to `host`:`port`, or null
 * without ss. The address too, not the port alone: another process may use the same port number on
 * another loopback address (the capacity bench dials from 127.0.0.2 and up).
 */
function kernelTimers(host: string, port: number): string[] | null {
  try {
    const out = execFileSync('ss', ['-tnoH', 'state', 'established', 'src', `${host}:${port}`], {
      encoding: 'utf8',
      timeout: 2000,
    });
    return out
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => /timer:\(([^,]+)/.exec(line)?.[1] ?? 'none');
  } catch {
    return null;
  }
}

describe('reflector measurement integrity', () => {
  const defer = useTeardown();

  it(`sends nothing on an attached probe during ${IDLE_MS} ms of idle, then exactly the push`, async () => {
    const { reflector, address } = await startReflector(defer, { helloTimeoutMs: 200, silenceLimitMs: 400 });
    const { control, session } = await openSession(defer, address);
    const probes = [];
    for (let id = 1; id <= 4; id++) probes.push(await openProbe(defer, address, control, session, id));

    let seq = 0;
    const beat = setInterval(() => control.send({ type: 'heartbeat', seq: ++seq }), 100);
    defer(() => clearInterval(beat));
    await sleep(IDLE_MS);

    for (const [i, probe] of probes.entries()) {
      expect(probe.received, `probe ${i + 1} received nothing while idle`).toEqual([]);
      expect(probe.closed, `probe ${i + 1} is still open after idling past the hello deadline`).toBe(false);
    }
    expect(
      control.messages.filter((m) => m.type === 'heartbeat-ack').length,
      'the control channel was busy meanwhile',
    ).toBeGreaterThanOrEqual(5);
    expect(
      control.messages.filter((m) => m.type === 'probe' && m.event !== 'attached'),
      'no probe events while idle',
    ).toEqual([]);

    control.send({ type: 'push', probe: 3 });
    await control.nextProbeEvent(3, 'pushed');
    expect(await probes[2]!.receivedBytes(1), 'the asked-for push arrives').toEqual([PUSH_BYTE]);
    expect(
      probes.map((p) => p.received.length),
      'only probe 3 received anything',
    ).toEqual([0, 0, 1, 0]);
    expect(reflector.stats().probes, 'all probes alive').toBe(4);
  });

  it('leaves no timeout, no idle timer and no keepalive on the reflector side of a probe', async () => {
    const { reflector, address } = await startReflector(defer, { helloTimeoutMs: 200 });
    const { control, session } = await openSession(defer, address);
    await openProbe(defer, address, control, session, 1);
    // A raw TCP probe's stream is its socket.
    const socket = reflector.probeSocket(session.session, 1) as Socket | undefined;
    expect(socket, 'the reflector exposes the probe socket').toBeDefined();
    expect(socket!.timeout ?? 0, 'socket timeout is off').toBe(0);
    expect(internal(socket!, 'timeout') ?? null, 'no idle timer armed inside Node').toBeNull();
    expect(internal(socket!, 'kSetKeepAlive'), 'TCP keepalive explicitly off').toBe(false);
    expect(socket!.listenerCount('timeout'), 'nobody listens for timeouts').toBe(0);
    expect(reflector.stats().pending, 'the hello deadline is gone').toBe(0);
    // Where the kernel can be asked, it must agree: no keepalive timer on any reflector-side socket.
    const timers = kernelTimers(address.host, address.port);
    if (timers !== null) {
      expect(timers.length, 'ss sees the control and the probe socket').toBe(2);
      expect(
        timers.filter((t) => t === 'keepalive'),
        'no keepalive timer in the kernel',
      ).toEqual([]);
    }
  });
});
