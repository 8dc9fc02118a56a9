import { describe, expect, it } from 'vitest';
import { parseProxyUrl } from '../../../client/transport/proxy-url.js';

describe('parseProxyUrl', () => {
  it('reads scheme, host, port and percent-decoded credentials, and a route without them', () => {
    expect(parseProxyUrl('http://ann:p%40ss%3Aw@proxy.example:3128/', '--proxy')).toEqual({
      scheme: 'http',
      host: 'proxy.example',
      port: 3128,
      username: 'ann',
      password: 'p@ss:w',
      route: 'http://proxy.example:3128',
    });
    expect(parseProxyUrl('SOCKS5H://[::1]', 'ALL_PROXY')).toEqual({
      scheme: 'socks5h',
      host: '::1',
      port: 1080,
      username: null,
      password: null,
      route: 'socks5h://[::1]:1080',
    });
    expect(parseProxyUrl('https://10.0.0.1', 'x').port, 'https: 443').toBe(443);
    expect(parseProxyUrl('http://u@10.0.0.1:8080', 'x')).toMatchObject({ username: 'u', password: null });
  });

  it.each([
    ['ftp://proxy:21', 'unknown scheme "ftp": use http, https, socks5, socks5h'],
    ['proxy:3128', 'give it as http://, https://, socks5://, socks5h:// then [user:pass@]host:port'],
    ['http://proxy:99999', 'port 99999 is outside 1-65535'],
    ['http://proxy:3128/path', 'a proxy URL has no path'],
    ['http://', 'empty'],
  ])('refuses %s with one line naming the source', (input, reason) => {
    expect(() => parseProxyUrl(input, 'HTTPS_PROXY')).toThrow(
      expect.objectContaining({
        name: 'ProxyUrlError',
        code: 'IDLESCOPE_BAD_PROXY_URL',
        message: `HTTPS_PROXY: bad proxy URL ${JSON.stringify(input)}: ${reason}`,
      }),
    );
  });

  it('never repeats a password in its error', () => {
    expect(() => parseProxyUrl('gopher://ann:hunter2@proxy:70', '--proxy')).toThrow(
      'bad proxy URL "gopher://***@proxy:70"',
    );
  });
});
