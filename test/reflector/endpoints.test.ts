/**
 * The reflector's plain HTTP answers on its own port: /healthz (200 while listening, 503 while
 * draining), Prometheus /metrics whose counters move by exactly what a session did, the banner on /,
 * 404 elsewhere. Real sockets on 127.0.0.1 port 0; HTTP through a raw socket, so every byte is known.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PING_BYTE, PROTOCOL_VERSION, PUSH_BYTE } from '../../protocol/wire.js';
import {
  newHello,
  openControl,
  openProbe,
  probeHello,
  resumeHello,
  openRaw,
  openSession,
  startReflector,
  useTeardown,
  waitFor,
} from './helpers.js';
import { openUnansweringControl, rawGet, sample } from './raw-http.js';

describe('reflector HTTP endpoints', () => {
  const defer = useTeardown();

  it('answers /healthz with ok, / with the banner and any other path with 404', async () => {
    const { address } = await startReflector(defer);
    const health = await rawGet(address, '/healthz');
    expect(health.status, 'healthz status').toBe(200);
    expect(health.body, 'healthz body').toBe('ok\n');
    // Before auth nothing outweighs its request: a bare GET of / is just closed, a padded one paid.
    await expect(rawGet(address, '/'), 'a bare GET / gets no banner').rejects.toThrow(/not an HTTP answer/);
    const banner = await rawGet(address, '/', undefined, 200);
    expect(banner.status, 'banner status').toBe(200);
    expect(banner.body, 'banner').toBe(`idlescope reflector, protocol v${PROTOCOL_VERSION}\n`);
    for (const path of ['/nope', '/metricsx', '/healthz/extra']) {
      expect((await rawGet(address, path, undefined, 200)).status, `status of ${path}`).toBe(404);
    }
    const metrics = await rawGet(address, '/metrics?x=1');
    expect(metrics.status, 'metrics status, query ignored').toBe(200);
    expect(metrics.headers.get('content-type'), 'Prometheus text format').toMatch(
      /^text\/plain; version=0\.0\.4/,
    );
  });

  it('with a token, /metrics asks for it; /healthz answers a bare GET all the same', async () => {
    const { address } = await startReflector(defer, { token: 'the-token' });
    expect((await rawGet(address, '/healthz')).status, 'healthz, no token needed').toBe(200);
    const refused = await rawGet(address, '/metrics', undefined, 200);
    expect(refused.status, 'no bearer: 401').toBe(401);
    const wrong = await rawGet(address, '/metrics', undefined, 200, 'Authorization: Bearer other\r\n');
    expect(wrong.status, 'a wrong bearer: 401').toBe(401);
    const allowed = await rawGet(address, '/metrics', undefined, 0, 'Authorization: Bearer the-token\r\n');
    expect(allowed.status, 'the bearer token: 200, whatever the request size').toBe(200);
    expect(allowed.body, 'the Prometheus text').toContain('idlescope_sessions');
  });

  it('counts probe events, refusals and sessions by exactly what happened', async () => {
    const { address } = await startReflector(defer);
    const before = (await rawGet(address, '/metrics')).body;
    const { control, session } = await openSession(defer, address);
    const first = await openProbe(defer, address, control, session, 1);
    const second = await openProbe(defer, address, control, session, 2);
    const third = await openProbe(defer, address, control, session, 3);

    control.send({ type: 'push', probe: 1 });
    expect(await first.receivedBytes(1), 'the push byte').toEqual([PUSH_BYTE]);
    await control.nextProbeEvent(1, 'pushed');
    second.socket.write(Buffer.of(PING_BYTE));
    await control.nextProbeEvent(2, 'echoed');
    second.socket.end();
    await control.nextProbeEvent(2, 'closed');
    first.socket.resetAndDestroy();
    await control.nextProbeEvent(1, 'reset');

    // Refusals, one of each kind a client can provoke without waiting for a deadline.
    control.send({ type: 'push', probe: 99 });
    expect((await control.next('error')).code, 'push on no probe').toBe('unknown-probe');
    const duplicate = await openRaw(defer, address, probeHello(session, 3));
    await duplicate.closedByPeer();
    const stranger = await openRaw(
      defer,
      address,
      probeHello({ session: 'ab'.repeat(16), secret: randomBytes(32) }, 1),
    );
    await stranger.closedByPeer();
    const garbage = await openRaw(defer, address, Buffer.from('XXXX'));
    await garbage.closedByPeer();
    const badResume = await openControl(defer, address);
    badResume.send(resumeHello({ session: session.session, secret: randomBytes(32) }));
    expect((await badResume.next('error')).code, 'resume without the secret').toBe('unknown-session');
    const binary = await openControl(defer, address);
    binary.sendRaw(Buffer.from('{}'), true);
    // Two bytes before auth pay for no error message: the channel is just closed (and counted).
    await binary.closed();
    const oldClient = await openControl(defer, address);
    oldClient.send({ type: 'hello', version: PROTOCOL_VERSION + 1 });
    expect((await oldClient.next('error')).code, 'other version').toBe('bad-version');

    const after = (await rawGet(address, '/metrics')).body;
    const delta = (series: string): number => sample(after, series) - sample(before, series);
    expect(
      ['attached', 'pushed', 'echoed', 'reset', 'closed'].map((event) =>
        delta(`idlescope_probe_events_total{event="${event}"}`),
      ),
      'probe events: attached, pushed, echoed, reset, closed',
    ).toEqual([3, 1, 1, 1, 1]);
    const refusals = Object.fromEntries(
      [
        'unknown-probe',
        'duplicate-probe',
        'unknown-session',
        'garbage',
        'bad-message',
        'bad-version',
        'too-many-sessions',
        'too-many-probes',
        'hello-timeout',
      ].map((reason) => [reason, delta(`idlescope_refusals_total{reason="${reason}"}`)]),
    );
    expect(refusals, 'refusals by reason (unknown-session: a stranger probe and a failed resume)').toEqual({
      'unknown-probe': 1,
      'duplicate-probe': 1,
      'unknown-session': 2,
      garbage: 1,
      'bad-message': 1,
      'bad-version': 1,
      'too-many-sessions': 0,
      'too-many-probes': 0,
      'hello-timeout': 0,
    });
    expect(delta('idlescope_sessions_started_total{resumed="false"}'), 'sessions started').toBe(1);
    expect(sample(after, 'idlescope_sessions'), 'live sessions').toBe(1);
    expect(sample(after, 'idlescope_probe_connections'), 'probe 3 is still attached').toBe(1);
    expect(third.closed, 'probe 3 untouched by the refused duplicate').toBe(false);

    control.send({ type: 'bye' });
    await control.closed();
    const ended = (await rawGet(address, '/metrics')).body;
    expect(sample(ended, 'idlescope_sessions_ended_total{reason="bye"}'), 'ended by bye').toBe(1);
    expect(sample(ended, 'idlescope_sessions'), 'no live session').toBe(0);
    expect(sample(ended, 'idlescope_probe_connections'), 'no probe left').toBe(0);
  });

  it('counts the refusals of limits and of the hello deadline', async () => {
    const { address } = await startReflector(defer, {
      maxSessions: 1,
      maxProbesPerSession: 1,
      helloTimeoutMs: 100,
    });
    const { control, session } = await openSession(defer, address);
    await openProbe(defer, address, control, session, 1);
    const extraProbe = await openRaw(defer, address, probeHello(session, 2));
    await extraProbe.closedByPeer();
    const extraSession = await openControl(defer, address);
    extraSession.send(newHello());
    expect((await extraSession.next('error')).code, 'session limit').toBe('too-many-sessions');
    const silent = await openRaw(defer, address);
    await silent.closedByPeer();
    const metrics = (await rawGet(address, '/metrics')).body;
    expect(
      ['too-many-probes', 'too-many-sessions', 'hello-timeout'].map((reason) =>
        sample(metrics, `idlescope_refusals_total{reason="${reason}"}`),
      ),
      'too-many-probes, too-many-sessions, hello-timeout',
    ).toEqual([1, 1, 1]);
  });

  it('counts every byte read and written, its own HTTP answers included', async () => {
    const { address, reflector } = await startReflector(defer);
    const first = await rawGet(address, '/metrics');
    const garbage = await openRaw(defer, address, Buffer.from('XXXX'));
    await garbage.closedByPeer();
    const second = await rawGet(address, '/metrics');
    // The first scrape counted its own request but not its answer, which went out after it.
    expect(
      sample(second.body, 'idlescope_received_bytes_total') -
        sample(first.body, 'idlescope_received_bytes_total'),
      'bytes in: the garbage and the second request',
    ).toBe(4 + second.bytesSent);
    expect(
      sample(second.body, 'idlescope_sent_bytes_total') - sample(first.body, 'idlescope_sent_bytes_total'),
      'bytes out: the first answer',
    ).toBe(first.bytesReceived);
    await waitFor(
      'the second scrape socket to close on the reflector',
      () => reflector.stats().connections === 0,
    );
    expect(reflector.traffic().bytesOut, 'bytes out: both answers, nothing else').toBe(
      first.bytesReceived + second.bytesReceived,
    );
  });

  it('answers /healthz with 503 while draining, then stops listening', async () => {
    const { address, reflector } = await startReflector(defer, { closeHandshakeMs: 1500 });
    expect((await rawGet(address, '/healthz')).status, 'healthy before').toBe(200);
    // A control channel that never answers the close handshake keeps the drain going its full length.
    const stubborn = await openUnansweringControl(defer, address);
    const closing = reflector.close();
    let closed = false;
    void closing.then(() => {
      closed = true;
    });
    const draining = await rawGet(address, '/healthz');
    expect(draining.status, 'draining').toBe(503);
    expect(draining.body, 'says why').toBe('draining\n');
    expect(closed, 'the drain was still going on').toBe(false);
    const metrics = await rawGet(address, '/metrics');
    expect(metrics.status, 'metrics still served while draining').toBe(200);
    await closing;
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(address.port, address.host);
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused, 'the port is closed once drained').toBe('ECONNREFUSED');
    expect(stubborn.closed, 'the stubborn channel was cut').toBe(true);
  });
});
