/**
 * Issue 11's per-connection and per-session controls, one test each, on real sockets on 127.0.0.1
 * (the PING flood, its memory and the SIGTERM drain under it are flood.test.ts's). Each asserts the
 * named reason the peer sees, the refusal counter and the log line.
 */
import { describe, expect, it } from 'vitest';
import { ControlChannel } from '../../client/discovery/control-channel.js';
import { ECHO_BYTE, PING_BYTE, PUSH_BYTE, SESSION_LIMIT_CLOSE, encodeMessage } from '../../protocol/wire.js';
import { createNonce, helloMac } from '../../protocol/auth.js';
import { openControl, openProbe, openRaw, openSession, sleep, useTeardown, waitFor } from './helpers.js';
import { openUnansweringControl } from './raw-http.js';
import { clientFrame, startLimited } from './limits-harness.js';

const PING = Buffer.of(PING_BYTE);

describe('reflector connection limits', () => {
  const defer = useTeardown();

  it('closes a probe whose PINGs outrun their echoes, and only it', async () => {
    const r = await startLimited(defer, {});
    const { control, session } = await openSession(defer, r.address);
    const honest = await openProbe(defer, r.address, control, session, 11);
    const flooder = await openProbe(defer, r.address, control, session, 22);
    // An honest client pings again only after reading the echo: never refused.
    for (let i = 1; i <= 20; i++) {
      honest.socket.write(PING);
      await honest.receivedBytes(i);
    }
    // A verification's heartbeat and its test, read together after a stall: both answered.
    honest.socket.write(Buffer.of(PING_BYTE, PING_BYTE));
    await honest.receivedBytes(22);
    expect(await r.refusalCount('test-outstanding'), 'serial pings are no flood').toBe(0);

    flooder.socket.write(Buffer.alloc(64 * 1024, PING_BYTE));
    await flooder.closedByPeer();
    expect(flooder.received.length, 'at most the first two PINGs are answered').toBeLessThanOrEqual(2);
    const error = await control.next('error', (m) => m.code === 'test-outstanding');
    expect(error.message).toMatch(/^probe 22 closed: a ping came before the previous tests were answered/);
    await control.nextProbeEvent(22, 'closed');

    honest.socket.write(PING);
    expect(await honest.receivedBytes(23), 'the other probe still answers').toEqual(
      Array(23).fill(ECHO_BYTE),
    );
    expect(control.closeCode, 'the session goes on').toBeNull();
    expect(await r.refusalCount('test-outstanding'), 'counted once').toBe(1);
    expect(r.lines().find((line) => line['reason'] === 'test-outstanding')).toMatchObject({
      event: 'protocol-error',
      on: 'probe',
      level: 'warn',
    });
  });

  it('ends a session whose tests exceed the events-per-second cap (event-rate, 4002)', async () => {
    const r = await startLimited(defer, { maxEventsPerS: 100, eventBurst: 200 });
    const { control, session } = await openSession(defer, r.address);
    const probe = await openProbe(defer, r.address, control, session, 5);
    // Ping-pong as fast as the echoes come: always one test at a time, so only the rate stops it.
    probe.socket.on('data', () => probe.socket.write(PING));
    const started = performance.now();
    probe.socket.write(PING);
    expect(await control.closed(), 'the close code names the limit').toBe(SESSION_LIMIT_CLOSE['event-rate']);
    const tookMs = performance.now() - started;
    expect(probe.received.length, 'the burst, then the bucket was empty').toBeGreaterThanOrEqual(200);
    expect(probe.received.length, 'not much more than burst + rate x time').toBeLessThan(
      200 + (100 * tookMs) / 1000 + 5,
    );
    await probe.closedByPeer();
    expect(r.ends.map((end) => end.reason)).toEqual(['event-rate']);
    expect(await r.refusalCount('event-rate')).toBe(1);
    expect(await r.sessionEndCount('event-rate')).toBe(1);
    expect(r.lines().find((line) => line['reason'] === 'event-rate')).toMatchObject({
      event: 'refused',
      on: 'session',
    });
  });

  it('destroys a silent socket and a hello-less control channel at the first-message deadline', async () => {
    const r = await startLimited(defer, { helloTimeoutMs: 400 });
    const silent = await openRaw(defer, r.address);
    const upgraded = await openControl(defer, r.address);
    const started = performance.now();
    await silent.closedByPeer(3000);
    expect(await upgraded.closed(3000), 'terminated: no close frame').toBe(1006);
    const tookMs = performance.now() - started;
    expect(tookMs, 'at the deadline, not the 10 s silence limit').toBeLessThan(1500);
    expect(r.refusals.map((x) => `${x.reason}/${x.on}`).sort()).toEqual([
      'hello-timeout/connection',
      'hello-timeout/control',
    ]);
    expect(await r.refusalCount('hello-timeout')).toBe(2);
    expect(r.lines().filter((line) => line['reason'] === 'hello-timeout')).toHaveLength(2);
    // A control channel that says hello in time is not touched by the deadline.
    const { control } = await openSession(defer, r.address);
    await sleep(600);
    expect(control.closeCode, 'a session outlives the first-message deadline').toBeNull();
  });

  it('refuses a test on a probe idle past the longest idle (idle-too-long); the client says so', async () => {
    const r = await startLimited(defer, { maxIdleMs: 300 });
    const { control, session } = await openSession(defer, r.address);
    const fresh = await openProbe(defer, r.address, control, session, 1);
    control.send({ type: 'push', probe: 1 });
    expect(await fresh.receivedBytes(1), 'within the longest idle: pushed').toEqual([PUSH_BYTE]);
    const stale = await openProbe(defer, r.address, control, session, 2);
    await sleep(450);
    control.send({ type: 'push', probe: 2 });
    const error = await control.next('error', (m) => m.code === 'idle-too-long');
    expect(error.message).toMatch(/^push on probe 2 refused: idle \d+ s, .* at most 0 s \(its --max-idle\)$/);
    await stale.closedByPeer();
    expect(stale.received, 'nothing pushed').toEqual([]);
    expect(await r.refusalCount('idle-too-long')).toBe(1);
    expect(r.lines().find((line) => line['reason'] === 'idle-too-long')).toMatchObject({
      event: 'refused',
      on: 'probe',
    });

    // The real client stops with the reason in words rather than wait and call it an eviction.
    const client = new ControlChannel({ host: r.address.host, port: r.address.port });
    defer(() => client.close());
    await client.connect();
    const credentials = client.credentials!;
    const attached = new Promise<void>((resolve) =>
      client.on('probe', (_, event) => event === 'attached' && resolve()),
    );
    const { probeHello } = await import('./helpers.js');
    await openRaw(defer, r.address, probeHello(credentials, 9));
    await attached;
    await sleep(450);
    const gone = new Promise<string>((resolve) => client.once('gone', resolve));
    client.push(9);
    expect(await gone).toMatch(/^the reflector refused a test: idle-too-long: push on probe 9 refused/);
  });

  it('ends a session at its longest life (session-life, 4003); the client says so, no resume', async () => {
    const r = await startLimited(defer, { maxSessionLifeMs: 500 });
    const { control } = await openSession(defer, r.address);
    const started = performance.now();
    expect(await control.closed(2000)).toBe(SESSION_LIMIT_CLOSE['session-life']);
    expect(performance.now() - started).toBeLessThan(1500);
    const client = new ControlChannel({ host: r.address.host, port: r.address.port });
    defer(() => client.close());
    const gone = new Promise<string>((resolve) => client.once('gone', resolve));
    let interrupted = false;
    client.once('interrupted', () => (interrupted = true));
    await client.connect();
    expect(await gone).toBe(
      'the reflector ended the session: session-life: it lived longer than the reflector lets a session live',
    );
    expect(interrupted, 'no resume attempted').toBe(false);
    expect(r.ends.map((end) => end.reason)).toEqual(['session-life', 'session-life']);
    expect(await r.refusalCount('session-life')).toBe(2);
    expect(await r.sessionEndCount('session-life')).toBe(2);
    expect(r.lines().find((line) => line['reason'] === 'session-life')).toMatchObject({
      event: 'refused',
      on: 'session',
    });
  });

  describe('after a protocol error on an authenticated channel whose peer never answers the close', () => {
    async function authenticated(r: { address: { host: string; port: number } }) {
      const raw = await openUnansweringControl(defer, r.address);
      const ts = Date.now();
      const nonce = createNonce();
      const hello = encodeMessage({
        type: 'hello',
        version: 2,
        auth: { ts, nonce, mac: helloMac('', ts, nonce) },
      });
      raw.socket.write(clientFrame(1, Buffer.from(hello)));
      await waitFor('the welcome', () => Buffer.from(raw.received).toString('latin1').includes('"welcome"'));
      return raw;
    }

    for (const [name, frame, reason] of [
      ['bad JSON', clientFrame(1, Buffer.from('{nope')), 'bad-message'],
      ['a binary frame', clientFrame(2, Buffer.from('x')), 'bad-message'],
      ['a frame over the message limit', clientFrame(1, Buffer.alloc(2000, 0x20)), 'message-too-large'],
      ['a broken frame (reserved bits set)', Buffer.of(0xf1, 0x80, 0, 0, 0, 0), 'bad-frame'],
    ] as const) {
      it(`destroys the socket within 2 s: ${name} (${reason})`, async () => {
        const r = await startLimited(defer, { maxMessageBytes: 1024 });
        const raw = await authenticated(r);
        const started = performance.now();
        raw.socket.write(frame);
        await raw.closedByPeer(3000);
        const tookMs = performance.now() - started;
        expect(tookMs, 'not ws 30 s close-handshake wait').toBeLessThan(2000);
        expect(r.refusals.map((x) => x.reason)).toEqual([reason]);
        expect(await r.refusalCount(reason)).toBe(1);
        expect(r.lines().find((line) => line['reason'] === reason)).toMatchObject({
          event: 'protocol-error',
          on: 'control',
        });
      });
    }
  });

  it(
    'pauses a session whose control channel is not read, then ends it (control-backlog)',
    { timeout: 30_000 },
    async () => {
      const r = await startLimited(defer, {
        controlPauseBytes: 64 * 1024,
        controlDrainMs: 1000,
        maxEventsPerS: 1_000_000,
        eventBurst: 1_000_000,
      });
      const { control, session } = await openSession(defer, r.address);
      const probe = await openProbe(defer, r.address, control, session, 3);
      const reflectorSide = r.reflector.probeSocket(session.session, 3)!;
      // The client stops reading its control channel and sends heartbeats as fast as it can (pushes
      // on one probe would trip the one-test rule first: two in one read).
      (control.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      let pausedSeen = false;
      const deadline = performance.now() + 20_000;
      while (r.ends.length === 0 && performance.now() < deadline) {
        for (let i = 0; i < 500; i++) control.send({ type: 'heartbeat', seq: i });
        if (reflectorSide.isPaused()) pausedSeen = true;
        await sleep(1);
      }
      expect(pausedSeen, "the probe's socket was paused while the channel did not drain").toBe(true);
      expect(r.ends.map((end) => end.reason)).toEqual(['control-backlog']);
      await probe.closedByPeer();
      expect(await r.refusalCount('control-backlog')).toBe(1);
      expect(r.lines().find((line) => line['reason'] === 'control-backlog')).toMatchObject({
        event: 'refused',
        on: 'session',
      });
    },
  );
});
