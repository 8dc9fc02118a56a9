import { describe, expect, it } from 'vitest';
import { CONTROL_PATH, PROTOCOL_VERSION, PUSH_BYTE } from '../../protocol/wire.js';
import {
  openControl,
  openProbe,
  openRaw,
  newHello,
  openSession,
  resumeHello,
  sleep,
  startReflector,
  useTeardown,
  waitFor,
} from './helpers.js';

describe('reflector control channel', () => {
  const defer = useTeardown();

  it('answers hello with a welcome for a new session', async () => {
    const { reflector, address } = await startReflector(defer);
    const control = await openControl(defer, address);
    control.send(newHello());
    const welcome = await control.next('welcome');
    expect(welcome.version, 'welcome carries the protocol version').toBe(PROTOCOL_VERSION);
    expect(welcome.session, 'session id is 16 random bytes in hex').toMatch(/^[0-9a-f]{32}$/);
    expect(welcome.nonce, 'server nonce is 16 random bytes in hex').toMatch(/^[0-9a-f]{32}$/);
    expect(welcome.nonce, 'server nonce differs from the session id').not.toBe(welcome.session);
    expect(Object.keys(welcome).sort(), 'the welcome carries no token or secret').toEqual([
      'nonce',
      'probes',
      'resumed',
      'session',
      'type',
      'version',
    ]);
    expect(welcome.resumed, 'a new session is not resumed').toBe(false);
    expect(welcome.probes, 'a new session has no probes').toEqual([]);
    expect(reflector.stats().sessions, 'the reflector counts the session').toBe(1);
  });

  it('refuses another protocol version with bad-version and closes', async () => {
    const { reflector, address } = await startReflector(defer);
    const control = await openControl(defer, address);
    // A newer client's hello, as long as ours: it pays for the whole answer (see auth.test.ts).
    control.send({ ...newHello(), version: PROTOCOL_VERSION + 1 });
    const error = await control.next('error');
    expect(error.code, 'error code').toBe('bad-version');
    expect(error.message, 'the message names both versions and the side to upgrade').toBe(
      `reflector speaks protocol ${PROTOCOL_VERSION}, this client ${PROTOCOL_VERSION + 1}: ` +
        'upgrade the reflector',
    );
    expect(await control.closed(), 'closed with policy violation').toBe(1008);
    expect(reflector.stats().sessions, 'no session was created').toBe(0);
  });

  it('acknowledges heartbeats with the same sequence number', async () => {
    const { address } = await startReflector(defer);
    const { control } = await openSession(defer, address);
    control.send({ type: 'heartbeat', seq: 41 });
    control.send({ type: 'heartbeat', seq: 42 });
    expect((await control.next('heartbeat-ack')).seq, 'first ack').toBe(41);
    expect((await control.next('heartbeat-ack')).seq, 'second ack').toBe(42);
  });

  it('answers a push to an unknown probe with unknown-probe and keeps the channel open', async () => {
    const { address } = await startReflector(defer);
    const { control } = await openSession(defer, address);
    control.send({ type: 'push', probe: 999 });
    const error = await control.next('error');
    expect(error.code, 'error code').toBe('unknown-probe');
    control.send({ type: 'heartbeat', seq: 7 });
    expect((await control.next('heartbeat-ack')).seq, 'the channel still works after the error').toBe(7);
    expect(control.closeCode, 'the channel was not closed').toBeNull();
  });

  it('closes a control channel silent past the silence limit, and heartbeats keep one alive', async () => {
    const { reflector, address } = await startReflector(defer, { silenceLimitMs: 300 });
    const silent = await openSession(defer, address);
    const chatty = await openSession(defer, address);
    const beat = setInterval(() => chatty.control.send({ type: 'heartbeat', seq: 1 }), 50);
    defer(() => clearInterval(beat));
    await silent.control.closed(2000);
    await sleep(400);
    expect(chatty.control.closeCode, 'the heartbeating channel is still open').toBeNull();
    expect(reflector.stats().controls, 'only the heartbeating channel is left').toBe(1);
  });

  it('ends the session on bye and destroys its probes', async () => {
    const { reflector, address } = await startReflector(defer);
    const { control, session } = await openSession(defer, address);
    const probe = await openProbe(defer, address, control, session, 1);
    control.send({ type: 'bye' });
    expect(await control.closed(), 'bye closes the channel normally').toBe(1000);
    await probe.closedByPeer();
    expect(reflector.stats(), 'nothing of the session is left').toMatchObject({ sessions: 0, probes: 0 });
  });

  it('resumes a session within the grace: same session, open probe ids, queued events', async () => {
    const { reflector, address } = await startReflector(defer, { resumeGraceMs: 5000 });
    const first = await openSession(defer, address);
    const kept = await openProbe(defer, address, first.control, first.session, 1);
    const lost = await openProbe(defer, address, first.control, first.session, 2);

    first.control.ws.terminate();
    await waitFor('the reflector to notice the lost control channel', () => reflector.stats().controls === 0);
    // While detached: probe 2 closes, probe 1 pings. Both must be reported after the resume.
    lost.socket.end();
    kept.socket.write(Buffer.of(0x45));
    await kept.receivedBytes(1);
    await waitFor('the reflector to drop probe 2', () => reflector.stats().probes === 1);
    expect(reflector.stats().sessions, 'the session survives its control channel').toBe(1);

    const second = await openControl(defer, address);
    second.send(resumeHello(first.session));
    const welcome = await second.next('welcome');
    expect(welcome.resumed, 'resumed').toBe(true);
    expect(welcome.session, 'same session id').toBe(first.session.session);
    expect(welcome.probes, 'only the still-open probe is listed').toEqual([1]);
    await second.nextProbeEvent(2, 'closed');
    await second.nextProbeEvent(1, 'echoed');

    second.send({ type: 'push', probe: 1 });
    await second.nextProbeEvent(1, 'pushed');
    const bytes = await kept.receivedBytes(2);
    expect(bytes[1], 'the resumed session can still push on its old probe').toBe(PUSH_BYTE);
  });

  it('lets a resume take over from a control channel that is still open', async () => {
    const { reflector, address } = await startReflector(defer);
    const first = await openSession(defer, address);
    const second = await openControl(defer, address);
    second.send(resumeHello(first.session));
    const welcome = await second.next('welcome');
    expect(welcome, 'the new channel gets the session').toMatchObject({
      resumed: true,
      session: first.session.session,
    });
    expect(await first.control.closed(), 'the old channel is closed').toBe(1008);
    second.send({ type: 'heartbeat', seq: 3 });
    expect((await second.next('heartbeat-ack')).seq, 'the new channel works').toBe(3);
    expect(reflector.stats(), 'still one session, one channel').toMatchObject({ sessions: 1, controls: 1 });
  });

  it('accepts an upgrade request split across several packets', async () => {
    const { address } = await startReflector(defer);
    const raw = await openRaw(defer, address, Buffer.from('GE'));
    await sleep(50);
    raw.socket.write(
      `T ${CONTROL_PATH} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`,
    );
    await sleep(50);
    raw.socket.write('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await waitFor('the handshake response', () => Buffer.from(raw.received).includes('\r\n\r\n'));
    expect(Buffer.from(raw.received).toString('latin1'), 'switching protocols').toMatch(/^HTTP\/1\.1 101 /);
  });

  it('refuses a resume that does not prove the session secret', async () => {
    const { address } = await startReflector(defer, { resumeGraceMs: 5000 });
    const first = await openSession(defer, address);
    first.control.ws.terminate();
    const second = await openControl(defer, address);
    second.send(resumeHello({ session: first.session.session, secret: Buffer.alloc(32) }));
    expect((await second.next('error')).code, 'a wrong secret looks like an unknown session').toBe(
      'unknown-session',
    );
    expect(await second.closed(), 'refusal closes the channel').toBe(1008);
  });

  it('forgets a session after the resume grace: resume gets unknown-session, its probes closed', async () => {
    const { reflector, address } = await startReflector(defer, { resumeGraceMs: 200 });
    const first = await openSession(defer, address);
    const probe = await openProbe(defer, address, first.control, first.session, 5);
    first.control.ws.terminate();
    await waitFor('the session to expire', () => reflector.stats().sessions === 0, 2000);
    await probe.closedByPeer();

    const second = await openControl(defer, address);
    second.send(resumeHello(first.session));
    const error = await second.next('error');
    expect(error.code, 'error code').toBe('unknown-session');
    expect(await second.closed(), 'closed after the refusal').toBe(1008);
  });

  it('refuses sessions beyond the limit with too-many-sessions', async () => {
    const { address } = await startReflector(defer, { maxSessions: 1 });
    await openSession(defer, address);
    const extra = await openControl(defer, address);
    extra.send(newHello());
    expect((await extra.next('error')).code, 'error code').toBe('too-many-sessions');
    expect(await extra.closed(), 'closed after the refusal').toBe(1008);
  });

  it('answers a plain GET with a one-line banner', async () => {
    const { address } = await startReflector(defer);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 3000);
    defer(() => clearTimeout(timer));
    const response = await fetch(`http://${address.host}:${address.port}/`, { signal: controller.signal });
    expect(response.status, 'status').toBe(200);
    expect(await response.text(), 'banner').toBe(`idlescope reflector, protocol v${PROTOCOL_VERSION}\n`);
  });
});
