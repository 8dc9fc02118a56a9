/**
 * Each transport against a real Reflector on loopback, in-process: a control channel and one probe
 * over tcp, tls, ws and wss; an inbound test (a push) and an outbound test (a ping and its echo)
 * arrive as one byte each; nothing crosses the wire on either side after the hello (the TLS 1.3
 * session tickets are in before it); and every way a TLS or WebSocket connection can be refused
 * is one IdlescopeError with a clear message and nothing left open.
 */
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ControlChannel } from '../../../client/discovery/control-channel.js';
import { ProbeConnection } from '../../../client/discovery/probe-connection.js';
import { createTransport } from '../../../client/transport/transports.js';
import { tlsLayer } from '../../../client/transport/tls-layer.js';
import { directDialer } from '../../../client/transport/raw-dialer.js';
import type { ProbeTransport, TransportName } from '../../../client/transport/probe-transport.js';
import type { TlsTrust } from '../../../client/transport/tls-layer.js';
import { ECHO_BYTE, PUSH_BYTE, type ProbeEventKind } from '../../../protocol/wire.js';
import type { HostPort } from '../../../protocol/address.js';
import { selfSignedIdentity } from '../../../reflector/self-signed.js';
import { Reflector } from '../../../reflector/reflector.js';
import { useTeardown, waitFor } from '../../reflector/helpers.js';
import { listenOnLoopback } from '../../helpers/loopback-server.js';

const identity = await selfSignedIdentity();
const otherIdentity = await selfSignedIdentity(['reflector.example'], { loopback: false });
const PINNED: TlsTrust = { pin: identity.fingerprint };

/** How long an idle probe is watched for bytes that must not come. */
const IDLE_WATCH_MS = 1500;

async function startTlsReflector(
  defer: (step: () => unknown) => void,
  tls = identity,
): Promise<{ reflector: Reflector; address: HostPort }> {
  const reflector = new Reflector({ tls, closeHandshakeMs: 200 });
  defer(() => reflector.close());
  return { reflector, address: await reflector.listen('127.0.0.1', 0) };
}

async function openControl(
  defer: (step: () => unknown) => void,
  address: HostPort,
  transport: ProbeTransport,
): Promise<{ control: ControlChannel; events: ProbeEventKind[] }> {
  const control = new ControlChannel(address, {
    tls: transport.tls,
    dialer: directDialer,
    resumeWindowMs: 0,
  });
  defer(() => control.close());
  await control.connect();
  const events: ProbeEventKind[] = [];
  control.on('probe', (_probe, event) => events.push(event));
  return { control, events };
}

describe('transports end to end on loopback', () => {
  const defer = useTeardown();

  it.each(['tcp', 'tls', 'ws', 'wss'] as const)(
    '%s: a push and an echo arrive as one byte each, and nothing crosses an idle probe',
    async (name: TransportName) => {
      const { reflector, address } = await startTlsReflector(defer);
      const transport = createTransport(name, PINNED);
      const { control, events } = await openControl(defer, address, transport);
      const probe = new ProbeConnection(address.host, address.port, control.credentials!, 1, {
        dialer: directDialer,
        transport,
      });
      defer(() => probe.destroy());
      const bytes: number[] = [];
      probe.on('byte', (value) => bytes.push(value));
      let failure: Error | null = null;
      probe.on('failed', (error) => (failure = error));
      await waitFor('the probe to be ready', () => probe.bytesCarried > 0 || failure !== null);
      expect(failure, 'the probe opened').toBeNull();
      await waitFor('the reflector to attach the probe', () => events.includes('attached'));
      // Idle: neither side's sockets may carry a byte more, TLS tickets included.
      const clientAtIdle = probe.bytesCarried;
      const reflectorAtIdle = reflector.traffic();
      const controlAtIdle = control.traffic.bytes;
      await new Promise((resolve) => setTimeout(resolve, IDLE_WATCH_MS));
      expect(probe.bytesCarried, 'client-side probe bytes over the idle period').toBe(clientAtIdle);
      // The reflector's counters include the control channel, whose heartbeats go on.
      const controlBytes = control.traffic.bytes - controlAtIdle;
      const reflectorBytes =
        reflector.traffic().bytesIn +
        reflector.traffic().bytesOut -
        reflectorAtIdle.bytesIn -
        reflectorAtIdle.bytesOut;
      expect(reflectorBytes, 'reflector bytes over the idle period: the heartbeats alone').toBe(controlBytes);
      control.push(1);
      await waitFor('the push', () => bytes.length === 1);
      probe.ping();
      await waitFor('the echo', () => bytes.length === 2);
      expect(bytes, 'one push, then one echo').toEqual([PUSH_BYTE, ECHO_BYTE]);
      expect(events, 'what the reflector saw').toEqual(['attached', 'pushed', 'echoed']);
      const secure = name === 'tls' || name === 'wss';
      expect(probe.tlsVersion, 'the probe TLS version').toBe(secure ? 'TLSv1.3' : null);
      expect(control.tlsVersion, 'the control channel follows: wss with TLS').toBe(secure ? 'TLSv1.3' : null);
    },
  );

  it.each(['ws', 'wss'] as const)(
    '%s: the reflector closing the connection (a FIN, no close frame) is a close',
    async (name) => {
      const { address } = await startTlsReflector(defer);
      const transport = createTransport(name, PINNED);
      const { control, events } = await openControl(defer, address, transport);
      const probe = new ProbeConnection(address.host, address.port, control.credentials!, 1, {
        dialer: directDialer,
        transport,
      });
      defer(() => probe.destroy());
      const died: string[] = [];
      probe.on('died', (how) => died.push(how));
      await waitFor('the reflector to attach the probe', () => events.includes('attached'));
      // A session's bye ends its probes: the reflector destroys each socket (a FIN, no close frame).
      control.close();
      await waitFor('the probe to die', () => died.length > 0);
      expect(died, 'how the probe died').toEqual(['close']);
    },
  );
});

describe('TLS trust and mismatches', () => {
  const defer = useTeardown();

  async function controlError(address: HostPort, name: TransportName, trust: TlsTrust): Promise<Error> {
    const transport = createTransport(name, trust);
    const control = new ControlChannel(address, { tls: transport.tls, resumeWindowMs: 0 });
    defer(() => control.close());
    return control.connect().then(
      () => new Error('connected'),
      (error: unknown) => error as Error,
    );
  }

  it('trusts a certificate by its CA and name without a pin', async () => {
    const { address } = await startTlsReflector(defer);
    const error = await controlError(address, 'wss', { pin: null, ca: identity.cert });
    expect(error.message, 'the channel opened').toBe('connected');
  });

  it('refuses a certificate whose name does not match, saying so', async () => {
    const { address } = await startTlsReflector(defer, otherIdentity);
    const error = await controlError(address, 'tls', { pin: null, ca: otherIdentity.cert });
    expect((error as { code?: string }).code, error.message).toBe('IDLESCOPE_TLS_CERTIFICATE');
    expect(error.message).toMatch(
      new RegExp(
        `^reflector 127\\.0\\.0\\.1:${address.port}: TLS certificate not trusted: .*127\\.0\\.0\\.1`,
      ),
    );
  });

  it('refuses a self-signed certificate without a pin, naming --pin', async () => {
    const { address } = await startTlsReflector(defer);
    const error = await controlError(address, 'wss', { pin: null });
    expect((error as { code?: string }).code, error.message).toBe('IDLESCOPE_TLS_CERTIFICATE');
    expect(error.message).toMatch(/self-signed.*--pin/);
  });

  it('refuses a pin that does not match, naming both fingerprints', async () => {
    const { address } = await startTlsReflector(defer);
    const error = await controlError(address, 'tls', { pin: otherIdentity.fingerprint });
    expect((error as { code?: string }).code, error.message).toBe('IDLESCOPE_TLS_PIN');
    expect(error.message).toBe(
      `reflector 127.0.0.1:${address.port}: TLS certificate ${identity.fingerprint} does not match ` +
        `--pin ${otherIdentity.fingerprint} (a different reflector, a new self-signed certificate, ` +
        'or something in the path)',
    );
  });

  it('a TLS client to a reflector without a certificate: not TLS, saying what to do', async () => {
    const reflector = new Reflector({ closeHandshakeMs: 200 });
    defer(() => reflector.close());
    const address = await reflector.listen('127.0.0.1', 0);
    const error = await controlError(address, 'tls', PINNED);
    expect((error as { code?: string }).code, error.message).toBe('IDLESCOPE_NOT_TLS');
    expect(error.message).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1:${address.port} did not complete a TLS handshake ` +
          '\\(.*\\): .*--transport tcp or ws$',
      ),
    );
    await waitFor('the reflector to have no connection left', () => reflector.stats().connections === 0);
  });

  it('a plain client to a TLS-only port: not a reflector, saying TLS', async () => {
    const server = createTlsServer({ cert: identity.cert, key: identity.key }, (socket) => socket.destroy());
    server.on('tlsClientError', () => {});
    const { address } = await listenOnLoopback(defer, server);
    const error = await controlError(address, 'tcp', { pin: null });
    expect((error as { code?: string }).code, error.message).toBe('IDLESCOPE_NOT_A_REFLECTOR');
    expect(error.message).toMatch(/a TLS-only port\? try --transport tls or wss/);
  });

  it('a WebSocket probe to something that is not a reflector fails the probe, not the process', async () => {
    // It reads what it is sent (resume), so that the client's close ends its socket too.
    const server = createNetServer((socket) =>
      socket.resume().end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
    );
    defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const probe = new ProbeConnection(
      '127.0.0.1',
      port,
      { session: '0'.repeat(32), secret: Buffer.alloc(32) },
      1,
      {
        dialer: directDialer,
        transport: createTransport('ws', { pin: null }),
      },
    );
    defer(() => probe.destroy());
    let failure: Error | null = null;
    probe.on('failed', (error) => (failure = error));
    await waitFor('the probe to fail', () => failure !== null);
    expect((failure as Error | null)?.message).toMatch(/answered HTTP 404 to a WebSocket probe/);
  });
});

describe('a secured socket between owners', () => {
  const defer = useTeardown();

  it("a peer's RST on a TLS socket no owner listens to yet ends the socket, not the process", async () => {
    const { address: target, sockets } = await listenOnLoopback(
      defer,
      createTlsServer({ cert: identity.cert, key: identity.key }),
    );
    const raw = await directDialer.dial(target);
    defer(() => raw.destroy());
    const secured = await tlsLayer(PINNED).secure(raw, target, AbortSignal.timeout(5000));
    let closed = false;
    secured.on('close', () => (closed = true));
    expect(sockets.size, 'the server accepted the one connection').toBe(1);
    [...sockets][0]!.resetAndDestroy();
    // Without the TLS layer's sink this RST is an uncaught ECONNRESET, which vitest fails the run on.
    await waitFor('the secured socket to close on the reset', () => closed);
    expect(secured.destroyed, 'the secured socket is destroyed').toBe(true);
  });
});
