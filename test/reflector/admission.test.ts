/**
 * Admission limits (issue 11), on real sockets on loopback: sessions per address, connections per
 * address and in all, probes per session. Each cap: the next one is refused with its named reason
 * (an `error` message in words, a close code, or a destroyed socket), the earlier ones keep working,
 * and the `refused` event, the refusals counter and a JSON log line record it. Other addresses are
 * other loopback sources (127.0.0.x through `localAddress`); IPv6 runs on ::1.
 */
import { describe, expect, it } from 'vitest';
import { ECHO_BYTE, PING_BYTE } from '../../protocol/wire.js';
import { ControlChannel } from '../../client/discovery/control-channel.js';
import { ReflectorRefusedError } from '../../protocol/errors.js';
import { Reflector } from '../../reflector/reflector.js';
import {
  helloFrom,
  probeFrom,
  rawProbeFrom,
  recordRefusals,
  sessionFrom,
  stillServed,
} from './admission-helpers.js';
import { probeHello, startReflector, useTeardown, waitFor, type TestProbe } from './helpers.js';

/** A probe still answers an outbound test: the reflector still serves it. */
async function echoes(probe: TestProbe): Promise<boolean> {
  const before = probe.received.length;
  probe.socket.write(Buffer.of(PING_BYTE));
  await waitFor('the echo', () => probe.received.length > before);
  return probe.received.at(-1) === ECHO_BYTE;
}

describe('reflector admission limits', () => {
  const defer = useTeardown();

  it('refuses a session past the per-address cap in words; earlier ones and others served', async () => {
    const { reflector, address } = await startReflector(defer, { maxSessionsPerAddress: 3 });
    const record = recordRefusals(defer, reflector);
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await sessionFrom(defer, address, '127.0.0.2'));
    const refused = await helloFrom(defer, address, '127.0.0.2');
    expect(refused.ok, 'the fourth session from 127.0.0.2 is refused').toBe(false);
    if (refused.ok) return;
    expect(refused.code, 'named reason').toBe('too-many-sessions-per-address');
    expect(refused.message, 'in words').toMatch(/your address \(127\.0\.0\.2\) already holds 3 sessions/);
    expect(refused.closeCode, 'closed as a policy violation').toBe(1008);
    for (const [i, { control }] of mine.entries())
      expect(await stillServed(control, i), `session ${i} from the same address still works`).toBe(i);
    await sessionFrom(defer, address, '127.0.0.3');
    expect(reflector.stats().sessions, 'three from .2, one from .3').toBe(4);

    expect(record.refusals, 'one refused event').toEqual([
      {
        reason: 'too-many-sessions-per-address',
        on: 'control',
        remote: expect.stringMatching(/^127\.0\.0\.2:/),
      },
    ]);
    expect(await record.counted('too-many-sessions-per-address'), 'counted').toBe(1);
    expect(
      record.logLines().filter((l) => l['event'] === 'refused'),
      'one log line',
    ).toMatchObject([{ level: 'warn', reason: 'too-many-sessions-per-address', on: 'control' }]);

    // The count is of live sessions: one ends, one more is let in.
    mine[0]!.control.send({ type: 'bye' });
    await waitFor('the session to end', () => reflector.stats().sessions === 3);
    expect((await helloFrom(defer, address, '127.0.0.2')).ok, 'a slot came back').toBe(true);
  });

  it('counts an IPv4-mapped IPv6 peer as its IPv4 address', async () => {
    // An IPv6 socket bound to a mapped address sees IPv4 peers as ::ffff:127.0.0.x, as [::] does.
    const reflector = new Reflector({ closeHandshakeMs: 200, maxSessionsPerAddress: 1 });
    defer(() => reflector.close());
    const address = await reflector.listen('::ffff:127.0.0.1', 0);
    const target = { host: '127.0.0.1', port: address.port };
    const first = await sessionFrom(defer, target, '127.0.0.2');
    const second = await helloFrom(defer, target, '127.0.0.2');
    expect(second, 'refused, naming the IPv4 address').toMatchObject({
      ok: false,
      code: 'too-many-sessions-per-address',
      message: expect.stringContaining('your address (127.0.0.2)'),
    });
    expect((await helloFrom(defer, target, '127.0.0.3')).ok, 'another IPv4 address is served').toBe(true);
    expect(await stillServed(first.control, 1), 'the first still works').toBe(1);
  });

  it('counts IPv6 peers by /64 (::1)', async () => {
    const reflector = new Reflector({ closeHandshakeMs: 200, maxSessionsPerAddress: 2 });
    defer(() => reflector.close());
    const address = await reflector.listen('::1', 0);
    const record = recordRefusals(defer, reflector);
    const first = await sessionFrom(defer, address, '::1');
    await sessionFrom(defer, address, '::1');
    const third = await helloFrom(defer, address, '::1');
    expect(third, 'the third from ::/64 is refused').toMatchObject({
      ok: false,
      code: 'too-many-sessions-per-address',
      message: expect.stringContaining('your address (0:0:0:0::/64)'),
      closeCode: 1008,
    });
    expect(await stillServed(first.control, 7), 'the first still works').toBe(7);
    expect(await record.counted('too-many-sessions-per-address'), 'counted').toBe(1);
    expect(record.refusals[0]?.remote, 'the peer as logged').toMatch(/^\[::1\]:\d+$/);
  });

  it('refuses a probe, then a session, past the per-address connection cap; others served', async () => {
    // 5 connections from one address: its control channel and 4 probes.
    const { reflector, address } = await startReflector(defer, { maxConnectionsPerAddress: 5 });
    const record = recordRefusals(defer, reflector);
    const { control, session } = await sessionFrom(defer, address, '127.0.0.2');
    const probes = [];
    for (let id = 1; id <= 4; id++)
      probes.push(await probeFrom(defer, address, '127.0.0.2', control, session, id));

    const over = await rawProbeFrom(defer, address, '127.0.0.2', probeHello(session, 5));
    const error = await control.next('error');
    expect(error.code, 'the session is told the named reason').toBe('too-many-connections-per-address');
    expect(error.message, 'in words').toMatch(
      /probe 5 refused: your address \(127\.0\.0\.2\) holds 5 connections/,
    );
    await over.closedByPeer();
    expect(over.received, 'nothing was sent on the refused probe').toEqual([]);
    for (const [i, probe] of probes.entries())
      expect(await echoes(probe), `probe ${i + 1} still answers`).toBe(true);
    expect(reflector.stats().probes, 'four probes').toBe(4);

    // A new session from the same address: refused in words, not reset.
    const sameAddress = await helloFrom(defer, address, '127.0.0.2');
    expect(sameAddress, 'a session from the full address').toMatchObject({
      ok: false,
      code: 'too-many-connections-per-address',
    });
    // Another address is not affected.
    const other = await sessionFrom(defer, address, '127.0.0.3');
    await probeFrom(defer, address, '127.0.0.3', other.control, other.session, 1);

    expect(
      record.refusals.map((r) => [r.reason, r.on]),
      'both refusals reported',
    ).toEqual([
      ['too-many-connections-per-address', 'probe'],
      ['too-many-connections-per-address', 'control'],
    ]);
    expect(await record.counted('too-many-connections-per-address'), 'counted').toBe(2);
    expect(
      record.logLines().filter((l) => l['reason'] === 'too-many-connections-per-address'),
      'logged',
    ).toMatchObject([
      { event: 'refused', on: 'probe' },
      { event: 'refused', on: 'control' },
    ]);
  });

  it('destroys, at accept, sockets from one address past its cap and headroom', async () => {
    const { reflector, address } = await startReflector(defer, { maxConnectionsPerAddress: 4 });
    const record = recordRefusals(defer, reflector);
    const { control } = await sessionFrom(defer, address, '127.0.0.2');
    // Undecided sockets (no first byte): 1 control + 19 = 4 + ADDRESS_HEADROOM (16) is the most.
    const held = [];
    for (let i = 0; i < 19; i++) held.push(await rawProbeFrom(defer, address, '127.0.0.2'));
    await waitFor('20 sockets accepted', () => reflector.stats().connections === 20);
    const cut = await rawProbeFrom(defer, address, '127.0.0.2');
    await cut.closedByPeer();
    expect(cut.received, 'destroyed without a byte').toEqual([]);
    expect(record.refusals.at(-1), 'refused at accept').toMatchObject({
      reason: 'too-many-connections-per-address',
      on: 'connection',
    });
    expect(reflector.stats().connections, 'not counted').toBe(20);
    expect(
      held.some((h) => h.closed),
      'the earlier sockets are still open',
    ).toBe(false);
    expect(await stillServed(control, 2), 'the session still works').toBe(2);
    expect((await helloFrom(defer, address, '127.0.0.3')).ok, 'another address is served').toBe(true);
    expect(await record.counted('too-many-connections-per-address'), 'counted').toBe(1);
  });

  it('at the total cap refuses probes and sessions in words, never a silent reset; then serves', async () => {
    // An open-file limit of 100 with a reserve of 64 leaves 36: 9 of headroom, at most 27; the cap is 6.
    const { reflector, address } = await startReflector(defer, {
      openFiles: 100,
      fdReserve: 64,
      maxConnections: 6,
    });
    expect(reflector.admissionLimits(), 'limits from the given open-file limit').toMatchObject({
      openFiles: { limit: 100, source: 'given' },
      fdReserve: 64,
      connectionHeadroom: 9,
      maxConnections: 6,
      warnings: [],
    });
    const record = recordRefusals(defer, reflector);
    const a = await sessionFrom(defer, address, '127.0.0.2');
    const probesA = [];
    for (let id = 1; id <= 3; id++)
      probesA.push(await probeFrom(defer, address, '127.0.0.2', a.control, a.session, id));
    const b = await sessionFrom(defer, address, '127.0.0.3');
    const probeB = await probeFrom(defer, address, '127.0.0.3', b.control, b.session, 1);
    expect(reflector.stats().connections, 'six sockets: the cap').toBe(6);

    const over = await rawProbeFrom(defer, address, '127.0.0.3', probeHello(b.session, 2));
    const error = await b.control.next('error');
    expect(error.code, 'the probe past the cap').toBe('too-many-connections');
    expect(error.message, 'in words').toMatch(
      /probe 2 refused: this reflector is at its connection limit \(6/,
    );
    await over.closedByPeer();

    // An honest new client, through the real client code: told the reflector is full.
    const client = new ControlChannel({ host: address.host, port: address.port });
    defer(() => client.close());
    const refusal = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(refusal, 'a refusal the client can word').toBeInstanceOf(ReflectorRefusedError);
    expect(String((refusal as Error).message), 'what the client shows').toMatch(
      /too-many-connections: this reflector is at its connection limit/,
    );

    expect(await helloFrom(defer, address, '127.0.0.4'), 'a raw hello: try again later').toMatchObject({
      ok: false,
      code: 'too-many-connections',
      closeCode: 1013,
    });
    for (const probe of [...probesA, probeB])
      expect(await echoes(probe), 'earlier probes still answer').toBe(true);
    expect(await stillServed(b.control, 4), 'and their sessions').toBe(4);
    expect(await record.counted('too-many-connections'), 'the three refusals counted').toBe(3);
    expect(
      record.logLines().filter((l) => l['reason'] === 'too-many-connections'),
      'and logged',
    ).toMatchObject([{ on: 'probe' }, { on: 'control' }, { on: 'control' }]);

    // Session A leaves with its three probes: the next client is served.
    a.control.send({ type: 'bye' });
    await waitFor('A and its probes to be gone', () => reflector.stats().connections === 2);
    const later = new ControlChannel({ host: address.host, port: address.port });
    defer(() => later.close());
    await later.connect();
    expect(later.credentials?.session, 'served once there is room').toMatch(/^[0-9a-f]{32}$/);
  });

  it('past the total cap and headroom, a new socket displaces the oldest silent one', async () => {
    const { reflector, address } = await startReflector(defer, {
      openFiles: 100,
      fdReserve: 64,
      maxConnections: 3,
    });
    const record = recordRefusals(defer, reflector);
    const a = await sessionFrom(defer, address, '127.0.0.2');
    const probes = [];
    for (let id = 1; id <= 2; id++)
      probes.push(await probeFrom(defer, address, '127.0.0.2', a.control, a.session, id));
    // 3 + 9 of headroom: nine sockets that send nothing, from two addresses (each under its own cap).
    const silent = [];
    for (let i = 0; i < 9; i++) silent.push(await rawProbeFrom(defer, address, `127.0.0.${3 + (i % 2)}`));
    await waitFor('12 sockets accepted', () => reflector.stats().connections === 12);

    const newcomer = await rawProbeFrom(defer, address, '127.0.0.5');
    await silent[0]!.closedByPeer();
    expect(record.refusals, 'the oldest silent socket was refused at accept').toMatchObject([
      { reason: 'too-many-connections', on: 'connection', remote: expect.stringMatching(/^127\.0\.0\.3:/) },
    ]);
    expect(silent.slice(1).some((h) => h.closed) || newcomer.closed, 'the newer ones stay').toBe(false);
    expect(reflector.stats().connections, 'still at cap and headroom').toBe(12);

    // An honest client gets through the silent ones and is told, in words, that the reflector is full.
    const client = new ControlChannel({ host: address.host, port: address.port });
    defer(() => client.close());
    const refusal = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(String((refusal as Error | null)?.message), 'a clear refusal, not a reset').toMatch(
      /too-many-connections: this reflector is at its connection limit/,
    );
    for (const probe of probes) expect(await echoes(probe), 'the session keeps its probes').toBe(true);
    expect(await record.counted('too-many-connections'), 'two displaced, one hello refused').toBe(3);
  });

  it('refuses a probe past the per-session cap in words; the earlier probes keep working', async () => {
    const { reflector, address } = await startReflector(defer, { maxProbesPerSession: 3 });
    const record = recordRefusals(defer, reflector);
    const { control, session } = await sessionFrom(defer, address, '127.0.0.2');
    const probes = [];
    for (let id = 1; id <= 3; id++)
      probes.push(await probeFrom(defer, address, '127.0.0.2', control, session, id));
    const over = await rawProbeFrom(defer, address, '127.0.0.2', probeHello(session, 4));
    const error = await control.next('error');
    expect(error, 'named reason, in words').toEqual({
      type: 'error',
      code: 'too-many-probes',
      message: 'probe 4 refused: a session may hold 3 probes',
    });
    await over.closedByPeer();
    for (const probe of probes) expect(await echoes(probe), 'earlier probes answer').toBe(true);
    expect(await record.counted('too-many-probes'), 'counted').toBe(1);
    expect(
      record.logLines().filter((l) => l['reason'] === 'too-many-probes'),
      'logged',
    ).toMatchObject([{ event: 'refused', on: 'probe', level: 'warn' }]);
  });

  it('holds at most 1024 probes per session by default', () => {
    const reflector = new Reflector();
    expect(reflector.admissionLimits().maxProbesPerSession, 'default').toBe(1024);
  });
});
