/**
 * Authentication (issue 11): hellos prove the token (MAC over ts and nonce, within the clock skew,
 * never twice), probe hellos prove the session's secret, resumes prove it again, and nothing is
 * sent before auth that outweighs what the peer sent. Real sockets on 127.0.0.1 port 0.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AUTH_SKEW_MS, createNonce } from '../../protocol/auth.js';
import { CONTROL_PATH, PROTOCOL_VERSION, PUSH_BYTE, encodeMessage } from '../../protocol/wire.js';
import {
  TestControl,
  WAIT_MS,
  newHello,
  openControl,
  openProbe,
  openRaw,
  openSession,
  probeHello,
  resumeHello,
  sleep,
  startReflector,
  useTeardown,
  waitFor,
} from './helpers.js';

const TOKEN = 'correct horse battery staple';

describe('reflector authentication', () => {
  const defer = useTeardown();

  it('starts a session for a hello that proves the token', async () => {
    const { reflector, address } = await startReflector(defer, { token: TOKEN });
    const { control, session } = await openSession(defer, address, TOKEN);
    const probe = await openProbe(defer, address, control, session, 0x1234_5678);
    control.send({ type: 'push', probe: 0x1234_5678 });
    expect(await probe.receivedBytes(1), 'the authenticated probe is pushed').toEqual([PUSH_BYTE]);
    expect(reflector.stats().sessions, 'one session').toBe(1);
  });

  it.each([
    ['no token', ''],
    ['the wrong token', 'wrong horse'],
  ])('refuses a hello with %s, and the refused get no probe traffic', async (_what, token) => {
    const { reflector, address } = await startReflector(defer, { token: TOKEN });
    const control = await openControl(defer, address);
    control.send(newHello(token));
    const error = await control.next('error');
    expect(error.code, 'error code').toBe('unauthorized');
    expect(await control.closed(), 'closed with policy violation').toBe(1008);
    expect(reflector.stats().sessions, 'no session').toBe(0);
    expect(
      control.messages.map((m) => m.type),
      'only the refusal came back: no welcome, no probe event',
    ).toEqual(['error']);
  });

  it('refuses a replayed hello, even on another connection', async () => {
    const { reflector, address } = await startReflector(defer, { token: TOKEN });
    const hello = newHello(TOKEN);
    const first = await openControl(defer, address);
    first.send(hello);
    await first.next('welcome');
    const replay = await openControl(defer, address);
    replay.send(hello);
    const error = await replay.next('error');
    expect(error, 'the replay is refused').toMatchObject({ code: 'unauthorized' });
    expect(error.message, 'and says why').toContain('replay');
    expect(await replay.closed(), 'closed').toBe(1008);
    expect(
      replay.messages.map((m) => m.type),
      'the replay got no welcome',
    ).toEqual(['error']);
    expect(reflector.stats().sessions, 'only the first hello made a session').toBe(1);
  });

  it.each([
    ['too old', -(AUTH_SKEW_MS + 5000)],
    ['from the future', AUTH_SKEW_MS + 5000],
  ])('refuses a stale hello (%s) and lets one just inside the skew in', async (_what, offsetMs) => {
    const { reflector, address } = await startReflector(defer, { token: TOKEN });
    const stale = await openControl(defer, address);
    stale.send(newHello(TOKEN, Date.now() + offsetMs));
    const error = await stale.next('error');
    expect(error.code, 'error code').toBe('unauthorized');
    expect(error.message, 'names the skew').toContain(`${AUTH_SKEW_MS / 1000} s`);
    expect(
      stale.messages.map((m) => m.type),
      'no welcome',
    ).toEqual(['error']);
    const inside = await openControl(defer, address);
    inside.send(newHello(TOKEN, Date.now() + Math.sign(offsetMs) * (AUTH_SKEW_MS - 5000)));
    expect((await inside.next('welcome')).resumed, 'a hello inside the skew is welcome').toBe(false);
    expect(reflector.stats().sessions, 'one session, the in-skew one').toBe(1);
  });

  it('judges the skew by the injected wall clock', async () => {
    let nowMs = 1_000_000_000_000;
    const { address } = await startReflector(defer, { wallClockMs: () => nowMs, authSkewMs: 1000 });
    const control = await openControl(defer, address);
    control.send(newHello('', nowMs - 1500));
    expect((await control.next('error')).code, 'outside a 1 s skew').toBe('unauthorized');
    nowMs += 10;
    const second = await openControl(defer, address);
    second.send(newHello('', nowMs - 900));
    await second.next('welcome');
  });

  it('refuses a probe hello of a real session without a valid MAC, leaving its probes alone', async () => {
    const { reflector, address } = await startReflector(defer, { token: TOKEN });
    const { control, session } = await openSession(defer, address, TOKEN);
    const real = await openProbe(defer, address, control, session, 77);

    // A third party who sniffed the session id (and even probe 77's id) but not the secret.
    const forgedSecret = { session: session.session, secret: randomBytes(32) };
    const forged = [
      await openRaw(defer, address, probeHello(forgedSecret, 78)),
      await openRaw(defer, address, probeHello(forgedSecret, 77)),
      // A real hello's MAC moved to another probe id does not prove that id.
      await openRaw(
        defer,
        address,
        Buffer.concat([
          probeHello(session, 77).subarray(0, 21),
          Buffer.of(0, 0, 0, 79),
          probeHello(session, 77).subarray(25),
        ]),
      ),
    ];
    for (const socket of forged) await socket.closedByPeer();
    for (const [i, socket] of forged.entries())
      expect(socket.received, `forged probe ${i} received nothing`).toEqual([]);
    expect(reflector.stats().probes, 'only the real probe is attached').toBe(1);
    for (const id of [78, 79])
      expect(control.hasProbeEvent(id, 'attached'), `no attach of ${id}`).toBe(false);

    control.send({ type: 'push', probe: 77 });
    expect(await real.receivedBytes(1), 'the real probe still answers its next test').toEqual([PUSH_BYTE]);
    expect(control.hasProbeEvent(77, 'closed'), 'and was never closed').toBe(false);
  });

  it('refuses a replayed probe hello once its probe is gone', async () => {
    const { reflector, address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const first = await openProbe(defer, address, control, session, 5);
    first.socket.end();
    await control.nextProbeEvent(5, 'closed');
    const replay = await openRaw(defer, address, probeHello(session, 5));
    await replay.closedByPeer();
    expect(replay.received, 'the replay got nothing').toEqual([]);
    expect(reflector.stats().probes, 'nothing attached').toBe(0);
  });

  it('refuses a resume without the secret, and accepts it with the secret', async () => {
    const { reflector, address } = await startReflector(defer, { token: TOKEN, resumeGraceMs: 5000 });
    const first = await openSession(defer, address, TOKEN);
    const probe = await openProbe(defer, address, first.control, first.session, 9);
    first.control.ws.terminate();
    await waitFor('the session to be detached', () => reflector.stats().controls === 0);

    // Knowing the token and the session id is not enough: the secret needs both nonces as well.
    const thief = await openControl(defer, address);
    thief.send(resumeHello({ session: first.session.session, secret: randomBytes(32) }));
    expect((await thief.next('error')).code, 'no secret, no resume').toBe('unknown-session');
    expect(
      thief.messages.map((m) => m.type),
      'the thief got no welcome',
    ).toEqual(['error']);

    const owner = await openControl(defer, address);
    owner.send(resumeHello(first.session));
    const welcome = await owner.next('welcome');
    expect(welcome, 'resumed with its probe').toMatchObject({
      resumed: true,
      session: first.session.session,
      probes: [9],
    });
    expect(Object.keys(welcome), 'no token or secret is resent').not.toContain('token');
    owner.send({ type: 'push', probe: 9 });
    expect(await probe.receivedBytes(1), 'the probe survived the refused resume').toEqual([PUSH_BYTE]);
  });

  it('refuses a replayed resume', async () => {
    const { address } = await startReflector(defer, { resumeGraceMs: 5000 });
    const first = await openSession(defer, address);
    const resume = resumeHello(first.session);
    const second = await openControl(defer, address);
    second.send(resume);
    await second.next('welcome');
    const third = await openControl(defer, address);
    third.send(resume);
    expect((await third.next('error')).code, 'the same resume twice').toBe('unauthorized');
    expect(
      third.messages.map((m) => m.type),
      'no welcome for the replay',
    ).toEqual(['error']);
  });
});

describe('reflector protocol versions', () => {
  const defer = useTeardown();

  it('tells a protocol-1 client to upgrade, within the bytes it sent', async () => {
    const { reflector, address } = await startReflector(defer);
    // Exactly what an idlescope of protocol 1 sends: its upgrade, then a 28-byte hello.
    const ws = new WebSocket(`ws://${address.host}:${address.port}${CONTROL_PATH}`, {
      perMessageDeflate: false,
    });
    defer(() => ws.terminate());
    const control = new TestControl(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    control.sendRaw(encodeMessage({ type: 'hello', version: 1 } as never));
    const error = await control.next('error');
    expect(error.code, 'error code').toBe('bad-version');
    expect(error.message, 'says which side to upgrade').toMatch(/upgrade client/);
    await waitFor('the connection to end', () => control.closeCode !== null);
    expect(socket.bytesRead, 'never more bytes back than the client sent').toBeLessThanOrEqual(
      socket.bytesWritten,
    );
    expect(reflector.stats().sessions, 'no session').toBe(0);
  });

  it('destroys a refused socket whose peer never closes, within a second or two', async () => {
    const { reflector, address } = await startReflector(defer);
    // A peer that keeps its half open after the reflector's FIN (allowHalfOpen), and sends a
    // protocol-1 hello in a hand-made masked frame (mask 0: the payload as is).
    const socket = connect({ host: address.host, port: address.port, allowHalfOpen: true });
    defer(() => socket.destroy());
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      `GET ${CONTROL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await waitFor('the 101', () => Buffer.concat(received).includes('\r\n\r\n'));
    const payload = Buffer.from(encodeMessage({ type: 'hello', version: 1 } as never));
    socket.write(Buffer.concat([Buffer.of(0x81, 0x80 | payload.length, 0, 0, 0, 0), payload]));
    await waitFor('the reflector to take the hello', () => reflector.stats().controls === 1);
    const startedMs = performance.now();
    // Its side is gone only when it destroys the socket: the peer never closes, nor answers a close.
    await waitFor('the reflector to destroy its socket', () => reflector.stats().connections === 0, 3000);
    expect(performance.now() - startedMs, 'within FIN_GRACE_MS and a margin').toBeLessThan(2500);
    expect(Buffer.concat(received).length, 'no more bytes back than sent').toBeLessThanOrEqual(
      socket.bytesWritten,
    );
    expect(Buffer.concat(received).toString('latin1'), 'the refusal came first').toContain('bad-version');
  });

  it('gives a newer client the whole sentence: which side to upgrade', async () => {
    const { address } = await startReflector(defer);
    const control = await openControl(defer, address);
    control.send({ ...newHello(), version: PROTOCOL_VERSION + 1 });
    expect((await control.next('error')).message, 'the whole message').toBe(
      `reflector speaks protocol ${PROTOCOL_VERSION}, this client ${PROTOCOL_VERSION + 1}: ` +
        'upgrade the reflector',
    );
  });
});

describe('nothing before auth outweighs what the peer sent', () => {
  const defer = useTeardown();

  /** Writes `request` on a raw socket and returns what came back by the time it closed. */
  async function exchange(request: string): Promise<{ sent: number; received: number }> {
    const { address } = await startReflector(defer);
    const raw = await openRaw(defer, address, Buffer.from(request, 'latin1'));
    await raw.closedByPeer(WAIT_MS);
    return { sent: Buffer.byteLength(request, 'latin1'), received: raw.received.length };
  }

  it.each([
    ['a minimal GET', 'GET / HTTP/1.1\r\n\r\n'],
    ['a GET without Host', 'GET /x HTTP/1.0\r\n\r\n'],
    ['a bare upgrade', `GET ${CONTROL_PATH} HTTP/1.1\r\nUpgrade: websocket\r\n\r\n`],
    ['an upgrade to another path', 'GET /x HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
    [
      'an upgrade with a bad key',
      `GET ${CONTROL_PATH} HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n',
    ],
  ])('%s gets at most as many bytes back', async (_what, request) => {
    const { sent, received } = await exchange(request);
    expect(received, `${received} bytes back for ${sent}`).toBeLessThanOrEqual(sent);
  });

  it('still answers a GET that paid for the banner', async () => {
    const request = `GET / HTTP/1.1\r\nHost: reflector.example\r\nUser-Agent: ${'x'.repeat(80)}\r\n\r\n`;
    const { address } = await startReflector(defer);
    const raw = await openRaw(defer, address, Buffer.from(request));
    await raw.closedByPeer();
    const text = Buffer.from(raw.received).toString('utf8');
    expect(text, 'the banner').toMatch(/^HTTP\/1\.1 200 [\s\S]*idlescope reflector, protocol v2\n$/);
    expect(raw.received.length, 'within the request').toBeLessThanOrEqual(Buffer.byteLength(request));
  });

  it('answers a garbage control message before hello within its size', async () => {
    const { address } = await startReflector(defer);
    const control = await openControl(defer, address);
    const socket = (control.ws as unknown as { _socket: import('node:net').Socket })._socket;
    control.sendRaw('x');
    await control.closed();
    await sleep(50);
    expect(socket.bytesRead, 'no more bytes back than sent').toBeLessThanOrEqual(socket.bytesWritten);
  });

  it('keeps a nonce-less hello from costing anything', async () => {
    const { reflector, address } = await startReflector(defer);
    const control = await openControl(defer, address);
    control.send({
      type: 'hello',
      version: PROTOCOL_VERSION,
      auth: { ts: Date.now(), nonce: createNonce(), mac: '0'.repeat(64) },
    });
    expect((await control.next('error')).code, 'a bad MAC with the empty token').toBe('unauthorized');
    expect(reflector.stats().sessions, 'no session').toBe(0);
  });
});
