/**
 * The SOCKS5 dialer against a small SOCKS5 server on 127.0.0.1 (test/helpers/test-proxies.ts):
 * tunnels with and without RFC 1929 credentials, who resolves the name (socks5 here, socks5h the
 * proxy), and each refusal as its own error and code, with nothing left open.
 */
import { describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { Socks5Dialer } from '../../../client/transport/socks5-dialer.js';
import { parseProxyUrl } from '../../../client/transport/proxy-url.js';
import { formatHostPort } from '../../../protocol/address.js';
import { useTeardown, waitFor, within } from '../../helpers/teardown.js';
import {
  closedPort,
  startConnectProxy,
  startEchoServer,
  startSocks5Server,
} from '../../helpers/test-proxies.js';

async function roundTrip(socket: Socket, text: string): Promise<string> {
  socket.write(text);
  const [chunk] = (await within(once(socket, 'data'), 2000, 'the echo')) as [Buffer];
  return chunk.toString();
}

function dialer(url: string): Socks5Dialer {
  return new Socks5Dialer(parseProxyUrl(url, '--proxy'));
}

describe('Socks5Dialer', () => {
  it('opens a tunnel with username and password, and names the proxy without them', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const echo = await startEchoServer(defer);
    const socks = await startSocks5Server(defer, {
      kind: 'tunnel',
      auth: { username: 'ann', password: 's3cret' },
    });
    const where = formatHostPort(socks.address);
    const d = dialer(`socks5://ann:s3cret@${where}`);
    const socket = await within(d.dial(echo.address), 5000, 'the tunnel');
    defer(() => socket.destroy());
    expect(d.route).toBe(`socks5://${where}`);
    expect(socks.requests).toEqual([{ addressType: 1, host: '127.0.0.1', port: echo.address.port }]);
    expect(await roundTrip(socket, 'hello'), 'bytes go through the tunnel and back').toBe('hello');
  });

  it('resolves the name itself for socks5://, and lets the proxy resolve it for socks5h://', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const echo = await startEchoServer(defer);
    const socks = await startSocks5Server(defer, { kind: 'tunnel' });
    const where = formatHostPort(socks.address);
    const target = { host: 'localhost', port: echo.address.port };
    const local = await within(dialer(`socks5://${where}`).dial(target), 5000, 'the socks5 tunnel');
    defer(() => local.destroy());
    const remote = await within(dialer(`socks5h://${where}`).dial(target), 5000, 'the socks5h tunnel');
    defer(() => remote.destroy());
    expect(socks.requests[0]?.addressType, 'socks5: an address').not.toBe(3);
    expect(socks.requests[1], 'socks5h: the name').toEqual({
      addressType: 3,
      host: 'localhost',
      port: echo.address.port,
    });
  });

  it('tells a refusal by the ruleset as the proxy refusing the tunnel, and closes the connection', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const socks = await startSocks5Server(defer, { kind: 'refuse', reply: 2 });
    const route = `socks5://${formatHostPort(socks.address)}`;
    const error = await dialer(route)
      .dial({ host: '127.0.0.1', port: 9 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ProxyRefusedError',
      code: 'IDLESCOPE_PROXY_REFUSED',
      message:
        `proxy ${route} refused the tunnel to 127.0.0.1:9: ` + 'connection not allowed by ruleset (reply 2)',
    });
    await waitFor('the connection to the proxy to close', () => socks.open() === 0, 2000);
  });

  it('tells missing and refused credentials apart', async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const socks = await startSocks5Server(defer, { kind: 'tunnel', auth: { username: 'a', password: 'b' } });
    const where = formatHostPort(socks.address);
    const none = await dialer(`socks5://${where}`)
      .dial({ host: '127.0.0.1', port: 9 })
      .catch((e: unknown) => e);
    expect(none).toMatchObject({
      name: 'ProxyAuthError',
      code: 'IDLESCOPE_PROXY_AUTH',
      message:
        `proxy socks5://${where} needs credentials (no SOCKS5 authentication method acceptable): give ` +
        'them in the URL, as scheme://user:password@host:port',
    });
    const wrong = await dialer(`socks5://a:nope@${where}`)
      .dial({ host: '127.0.0.1', port: 9 })
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'IDLESCOPE_PROXY_AUTH' });
    expect((wrong as Error).message).toContain('did not accept the credentials given');
    await waitFor('the connections to the proxy to close', () => socks.open() === 0, 2000);
  });

  it('tells a proxy that is down as unreachable', async () => {
    const route = `socks5://${formatHostPort(await closedPort())}`;
    const error = await dialer(route)
      .dial({ host: '127.0.0.1', port: 9 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProxyUnreachableError', code: 'IDLESCOPE_PROXY_UNREACHABLE' });
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach proxy ${route}: .*ECONNREFUSED`));
  });

  it('tells an HTTP proxy behind a socks5:// URL as not a SOCKS5 proxy', async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const http = await startConnectProxy(defer, { kind: 'tunnel' });
    const error = await dialer(`socks5://${formatHostPort(http.address)}`)
      .dial({ host: '127.0.0.1', port: 9 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'NotAProxyError',
      code: 'IDLESCOPE_NOT_A_PROXY',
      message:
        `socks5://${formatHostPort(http.address)} answered with something that is not SOCKS5: not the ` +
        'proxy its URL names (is the scheme right?)',
    });
    await waitFor('the connection to the proxy to close', () => http.open() === 0, 2000);
  });
});
