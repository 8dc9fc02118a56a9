/**
 * Which proxy the environment names (proxy-env.ts) and which dialer a run gets (proxy-dialer.ts):
 * the order of the variables, NO_PROXY, a value without a scheme, and --proxy / --proxy none over
 * the environment. process.env is stubbed per test and restored after it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { proxyFromEnv } from '../../../client/transport/proxy-env.js';
import { chooseDialer } from '../../../client/transport/proxy-dialer.js';

const VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'];
const TARGET = { host: 'reflector.example', port: 7000 };

beforeEach(() => {
  for (const name of [...VARIABLES, 'no_proxy', 'NO_PROXY']) vi.stubEnv(name, '');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('proxyFromEnv', () => {
  it('is null when nothing is set', () => {
    expect(proxyFromEnv(TARGET)).toBeNull();
  });

  it('takes HTTPS_PROXY first, then ALL_PROXY, then HTTP_PROXY; lower case before upper case', () => {
    vi.stubEnv('HTTP_PROXY', 'http://h:1');
    expect(proxyFromEnv(TARGET)).toEqual({ variable: 'HTTP_PROXY', url: 'http://h:1' });
    vi.stubEnv('ALL_PROXY', 'socks5://a:2');
    expect(proxyFromEnv(TARGET)).toEqual({ variable: 'ALL_PROXY', url: 'socks5://a:2' });
    vi.stubEnv('HTTPS_PROXY', 'http://upper:3');
    expect(proxyFromEnv(TARGET)).toEqual({ variable: 'HTTPS_PROXY', url: 'http://upper:3' });
    vi.stubEnv('https_proxy', 'http://lower:4');
    expect(proxyFromEnv(TARGET)).toEqual({ variable: 'https_proxy', url: 'http://lower:4' });
  });

  it('reads a value without a scheme as an HTTP proxy', () => {
    vi.stubEnv('HTTPS_PROXY', 'proxy.corp:3128');
    expect(proxyFromEnv(TARGET)).toEqual({ variable: 'HTTPS_PROXY', url: 'http://proxy.corp:3128' });
  });

  it.each([['reflector.example'], ['.example'], ['*.example'], ['reflector.example:7000'], ['*']])(
    'exempts a target NO_PROXY lists as %s',
    (entry) => {
      vi.stubEnv('HTTPS_PROXY', 'http://proxy:3128');
      vi.stubEnv('NO_PROXY', `other.example, ${entry}`);
      expect(proxyFromEnv(TARGET)).toBeNull();
    },
  );

  it('does not exempt a target NO_PROXY lists with another port', () => {
    vi.stubEnv('HTTPS_PROXY', 'http://proxy:3128');
    vi.stubEnv('no_proxy', 'reflector.example:8000');
    expect(proxyFromEnv(TARGET)?.url).toBe('http://proxy:3128');
  });
});

describe('chooseDialer', () => {
  it('goes direct with nothing set, or with --proxy none whatever the environment says', () => {
    expect(chooseDialer(undefined, TARGET).route).toBe('direct');
    vi.stubEnv('HTTPS_PROXY', 'http://proxy:3128');
    expect(chooseDialer('none', TARGET).route).toBe('direct');
  });

  it('takes --proxy over the environment, and the environment otherwise', () => {
    vi.stubEnv('HTTPS_PROXY', 'http://env-proxy:3128');
    expect(chooseDialer('socks5h://u:p@flag-proxy:1080', TARGET).route).toBe('socks5h://flag-proxy:1080');
    expect(chooseDialer(undefined, TARGET).route).toBe('http://env-proxy:3128');
  });

  it('names the variable that held a bad URL', () => {
    vi.stubEnv('ALL_PROXY', 'socks4://proxy:1080');
    expect(() => chooseDialer(undefined, TARGET)).toThrow(
      'ALL_PROXY: bad proxy URL "socks4://proxy:1080": unknown scheme "socks4"',
    );
  });
});
