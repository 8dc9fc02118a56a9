import { describe, expect, it } from 'vitest';
import { ECHO_BYTE, PING_BYTE, PROBE_HELLO_BYTES, PROTOCOL_VERSION, PUSH_BYTE } from '../../protocol/wire.js';
import {
  openProbe,
  openRaw,
  openSession,
  probeHello,
  sleep,
  startReflector,
  useTeardown,
  waitFor,
} from './helpers.js';

describe('reflector probe connections', () => {
  const defer = useTeardown();

  it('reports attached when a probe hello names a live session', async () => {
    const { reflector, address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    await openProbe(defer, address, control, session, 3);
    expect(reflector.stats(), 'one probe attached, nothing pending').toMatchObject({
      sessions: 1,
      probes: 1,
      pending: 0,
    });
  });

  it('pushes exactly PUSH_BYTE on request and reports pushed', async () => {
    const { address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const probe = await openProbe(defer, address, control, session, 1);
    control.send({ type: 'push', probe: 1 });
    await control.nextProbeEvent(1, 'pushed');
    expect(await probe.receivedBytes(1), 'the push byte').toEqual([PUSH_BYTE]);
    await sleep(100);
    expect(probe.received, 'nothing but the push byte').toEqual([PUSH_BYTE]);
  });

  it('answers PING_BYTE with ECHO_BYTE and reports echoed', async () => {
    const { address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const probe = await openProbe(defer, address, control, session, 2);
    probe.socket.write(Buffer.of(PING_BYTE));
    expect(await probe.receivedBytes(1), 'the echo byte').toEqual([ECHO_BYTE]);
    await control.nextProbeEvent(2, 'echoed');
  });

  it('handles a PING sent together with the hello', async () => {
    const { address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const hello = probeHello(session, 8);
    const probe = await openRaw(defer, address, Buffer.concat([hello, Buffer.of(PING_BYTE)]));
    await control.nextProbeEvent(8, 'attached');
    await control.nextProbeEvent(8, 'echoed');
    expect(await probe.receivedBytes(1), 'the echo byte').toEqual([ECHO_BYTE]);
  });

  it('reports closed when the client closes the probe (FIN)', async () => {
    const { reflector, address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const probe = await openProbe(defer, address, control, session, 4);
    probe.socket.end();
    await control.nextProbeEvent(4, 'closed');
    await waitFor('the probe to be forgotten', () => reflector.stats().probes === 0);
    expect(control.hasProbeEvent(4, 'reset'), 'a FIN is not a reset').toBe(false);
  });

  it('reports reset when the client resets the probe (RST)', async () => {
    const { reflector, address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const probe = await openProbe(defer, address, control, session, 5);
    probe.socket.resetAndDestroy();
    await control.nextProbeEvent(5, 'reset');
    await waitFor('the probe to be forgotten', () => reflector.stats().probes === 0);
    expect(control.hasProbeEvent(5, 'closed'), 'exactly one end event per probe').toBe(false);
  });

  it('closes a probe that sends anything but PING_BYTE and reports closed', async () => {
    const { address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const probe = await openProbe(defer, address, control, session, 6);
    probe.socket.write(Buffer.of(0x00));
    await control.nextProbeEvent(6, 'closed');
    await probe.closedByPeer();
    expect(probe.received, 'no echo for a bad byte').toEqual([]);
  });

  it('destroys a probe whose hello names an unknown session', async () => {
    const { reflector, address } = await startReflector(defer);
    const probe = await openRaw(
      defer,
      address,
      probeHello({ session: 'ab'.repeat(16), secret: Buffer.alloc(32) }, 1),
    );
    await probe.closedByPeer();
    await waitFor('the reflector to drop the socket', () => reflector.stats().connections === 0);
  });

  it('destroys a connection whose first bytes are garbage', async () => {
    const { reflector, address } = await startReflector(defer);
    const probe = await openRaw(defer, address, Buffer.from('HELO idlescope\r\n'));
    await probe.closedByPeer();
    await waitFor('the reflector to drop the socket', () => reflector.stats().connections === 0);
  });

  it('destroys a probe hello with a bad version byte', async () => {
    const { address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const hello = probeHello(session, 1);
    hello.writeUInt8(PROTOCOL_VERSION + 1, 4);
    const probe = await openRaw(defer, address, hello);
    await probe.closedByPeer();
    expect(control.hasProbeEvent(1, 'attached'), 'never attached').toBe(false);
  });

  it('destroys a partial hello after the hello timeout, not before', async () => {
    const { reflector, address } = await startReflector(defer, { helloTimeoutMs: 300 });
    const { control, session } = await openSession(defer, address);
    const hello = probeHello(session, 1);
    const started = performance.now();
    const probe = await openRaw(defer, address, hello.subarray(0, PROBE_HELLO_BYTES - 3));
    await sleep(100);
    expect(probe.closed, 'still open well inside the timeout').toBe(false);
    await probe.closedByPeer(2000);
    expect(performance.now() - started, 'closed no earlier than the timeout').toBeGreaterThanOrEqual(250);
    expect(control.hasProbeEvent(1, 'attached'), 'never attached').toBe(false);
    await waitFor('no pending connection left', () => reflector.stats().pending === 0);
  });

  it('destroys a connection that sends nothing within the hello timeout', async () => {
    const { address } = await startReflector(defer, { helloTimeoutMs: 200 });
    const probe = await openRaw(defer, address);
    await probe.closedByPeer(2000);
  });

  it('keeps the first of two probes with the same id and destroys the newer', async () => {
    const { reflector, address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const first = await openProbe(defer, address, control, session, 9);
    const second = await openRaw(defer, address, probeHello(session, 9));
    await second.closedByPeer();
    expect(first.closed, 'the first probe stays open').toBe(false);
    expect(reflector.stats().probes, 'one probe').toBe(1);
    control.send({ type: 'push', probe: 9 });
    expect(await first.receivedBytes(1), 'the push goes to the first probe').toEqual([PUSH_BYTE]);
  });

  it('refuses probes beyond the per-session limit with too-many-probes', async () => {
    const { reflector, address } = await startReflector(defer, { maxProbesPerSession: 2 });
    const { control, session } = await openSession(defer, address);
    await openProbe(defer, address, control, session, 1);
    await openProbe(defer, address, control, session, 2);
    const third = await openRaw(defer, address, probeHello(session, 3));
    await third.closedByPeer();
    expect((await control.next('error')).code, 'error code').toBe('too-many-probes');
    expect(reflector.stats().probes, 'still two probes').toBe(2);
  });

  it('close() ends every session and resolves when every socket is gone', async () => {
    const { reflector, address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const probe = await openProbe(defer, address, control, session, 1);
    const idle = await openRaw(defer, address);
    await waitFor('the idle connection to be accepted', () => reflector.stats().connections === 3);
    await reflector.close();
    expect(reflector.stats(), 'nothing left').toEqual({
      sessions: 0,
      probes: 0,
      connections: 0,
      controls: 0,
      pending: 0,
    });
    expect(await control.closed(), 'control closed as going away').toBe(1001);
    await probe.closedByPeer();
    await idle.closedByPeer();
    await expect(reflector.close(), 'close() twice is fine').resolves.toBeUndefined();
  });
});
