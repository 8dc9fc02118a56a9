/**
 * The HTTP CONNECT dialer against small proxies on 127.0.0.1: a tunnel that carries bytes and is
 * left alone while idle, and each way a proxy says no (403, 407, down, silent, not HTTP) as its own
 * error and code, with nothing left open.
 */
import { describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type AddressInfo } from 'node:net';
import { HttpConnectDialer } from '../../../client/transport/http-connect-dialer.js';
import { parseProxyUrl } from '../../../client/transport/proxy-url.js';
import { formatHostPort } from '../../../protocol/address.js';
import { useTeardown, waitFor, within } from '../../helpers/teardown.js';
import { closedPort, startConnectProxy, startEchoServer } from '../../helpers/test-proxies.js';
import { startNotAReflector } from '../../helpers/not-a-reflector.js';

async function roundTrip(socket: Socket, text: string): Promise<string> {
  socket.write(text);
  const [chunk] = (await within(once(socket, 'data'), 2000, 'the echo')) as [Buffer];
  return chunk.toString();
}

describe('HttpConnectDialer', () => {
  it('opens a tunnel that carries bytes both ways and names the proxy without credentials', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const echo = await startEchoServer(defer);
    const proxy = await startConnectProxy(defer, { kind: 'auth', username: 'ann', password: 'p@ss:w' });
    const url = `http://ann:${encodeURIComponent('p@ss:w')}@${formatHostPort(proxy.address)}`;
    const dialer = new HttpConnectDialer(parseProxyUrl(url, '--proxy'));
    const socket = await within(dialer.dial(echo.address), 5000, 'the tunnel');
    defer(() => socket.destroy());
    expect(dialer.route, 'the route has no credentials').toBe(`http://${formatHostPort(proxy.address)}`);
    expect(proxy.requests, 'one CONNECT with Basic credentials for the target').toEqual([
      {
        target: formatHostPort(echo.address),
        authorization: `Basic ${Buffer.from('ann:p@ss:w').toString('base64')}`,
      },
    ]);
    expect(await roundTrip(socket, 'hello'), 'bytes go through the tunnel and back').toBe('hello');
  });

  it('leaves an idle tunnel alone past its own answer timeout: no timer of the library acts on it', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const echo = await startEchoServer(defer);
    const proxy = await startConnectProxy(defer, { kind: 'tunnel' });
    const dialer = new HttpConnectDialer(parseProxyUrl(`http://${formatHostPort(proxy.address)}`, 't'), {
      answerTimeoutMs: 300,
    });
    const socket = await within(dialer.dial(echo.address), 5000, 'the tunnel');
    defer(() => socket.destroy());
    let closed = false;
    socket.once('close', () => (closed = true));
    await sleep(1200);
    expect(closed, 'the idle tunnel is still open after 4 x the answer timeout').toBe(false);
    expect(echo.bytesReceived(), 'nothing reached the far end while idle').toBe(0);
    expect(await roundTrip(socket, 'x'), 'and it still carries bytes').toBe('x');
  });

  it('tells a 403 as the proxy refusing the tunnel, and closes the connection to it', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const proxy = await startConnectProxy(defer, { kind: 'status', status: 403, reason: 'Forbidden' });
    const route = `http://${formatHostPort(proxy.address)}`;
    const dialer = new HttpConnectDialer(parseProxyUrl(route, '--proxy'));
    const error = await dialer.dial({ host: '127.0.0.1', port: 9 }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ProxyRefusedError',
      code: 'IDLESCOPE_PROXY_REFUSED',
      message: `proxy ${route} refused the tunnel to 127.0.0.1:9: HTTP 403 Forbidden`,
    });
    await waitFor('the connection to the proxy to close', () => proxy.open() === 0, 2000);
  });

  it('tells a 407 as needing credentials, and as refusing them when some were given', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const proxy = await startConnectProxy(defer, { kind: 'auth', username: 'ann', password: 'right' });
    const where = formatHostPort(proxy.address);
    const none = await new HttpConnectDialer(parseProxyUrl(`http://${where}`, '--proxy'))
      .dial({ host: '127.0.0.1', port: 9 })
      .catch((e: unknown) => e);
    expect(none).toMatchObject({
      name: 'ProxyAuthError',
      code: 'IDLESCOPE_PROXY_AUTH',
      message:
        `proxy http://${where} needs credentials (HTTP 407 Proxy Authentication Required): give them ` +
        'in the URL, as scheme://user:password@host:port',
    });
    const wrong = await new HttpConnectDialer(parseProxyUrl(`http://ann:wrong@${where}`, '--proxy'))
      .dial({ host: '127.0.0.1', port: 9 })
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'IDLESCOPE_PROXY_AUTH' });
    expect((wrong as Error).message).toContain('did not accept the credentials given');
    expect((wrong as Error).message, 'no password in the message').not.toContain('wrong');
    await waitFor('the connections to the proxy to close', () => proxy.open() === 0, 2000);
  });

  it('tells a proxy that is down as unreachable, with the system error', async () => {
    const down = await closedPort();
    const route = `http://${formatHostPort(down)}`;
    const error = await new HttpConnectDialer(parseProxyUrl(route, '--proxy'))
      .dial({ host: '127.0.0.1', port: 9 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProxyUnreachableError', code: 'IDLESCOPE_PROXY_UNREACHABLE' });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^cannot reach proxy ${route}: .*ECONNREFUSED.*; nothing listens there: is the proxy up\\?$`,
      ),
    );
  });

  it('gives up on a proxy that accepts and answers nothing, within its answer timeout', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const silent = await startNotAReflector(defer, 'silent');
    const started = performance.now();
    const error = await new HttpConnectDialer(
      parseProxyUrl(`http://${formatHostPort(silent.address)}`, '--proxy'),
      { answerTimeoutMs: 500 },
    )
      .dial({ host: '127.0.0.1', port: 9 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IDLESCOPE_PROXY_UNREACHABLE' });
    expect((error as Error).message).toContain('no answer to CONNECT 127.0.0.1:9 within 0.5 s');
    expect(performance.now() - started, 'about the answer timeout (undici ticks in 0.5 s)').toBeLessThan(
      2500,
    );
  });

  it('tells something that answers but not in HTTP as not a proxy', async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const banner = await startNotAReflector(defer, 'banner');
    const error = await new HttpConnectDialer(
      parseProxyUrl(`http://${formatHostPort(banner.address)}`, '--proxy'),
    )
      .dial({ host: '127.0.0.1', port: 9 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NotAProxyError', code: 'IDLESCOPE_NOT_A_PROXY' });
  });

  it('rejects with the abort reason when the signal fires during the exchange', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const server = createServer(() => {});
    const sockets = new Set<Socket>();
    let accepted = 0;
    server.on('connection', (socket) => {
      accepted++;
      // Reading, so that the client's FIN is seen; and counted until closed.
      socket.resume();
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(
      () =>
        new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
    );
    const { port } = server.address() as AddressInfo;
    const controller = new AbortController();
    const dialing = new HttpConnectDialer(parseProxyUrl(`http://127.0.0.1:${port}`, '--proxy')).dial(
      { host: '127.0.0.1', port: 9 },
      controller.signal,
    );
    await waitFor('the proxy to accept', () => sockets.size === 1, 2000);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(within(dialing, 2000, 'the dial to end')).rejects.toBe(reason);
    await waitFor('the connection to close', () => sockets.size === 0, 2000);
    await sleep(200);
    expect(accepted, 'no connection opened again after the abort (a shared pool does)').toBe(1);
  });
});
