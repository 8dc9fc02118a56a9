/**
 * Which dialer a run uses: `--proxy URL` wins, `--proxy none` (or `--no-proxy`) goes direct whatever
 * the environment says, and otherwise the environment's proxy for the reflector (proxy-env.ts), if
 * any. A bad URL is a ProxyUrlError naming where it came from.
 */
import type { HostPort } from '../../protocol/address.js';
import { directDialer, type RawDialer } from './raw-dialer.js';
import { parseProxyUrl, type ProxySpec } from './proxy-url.js';
import { proxyFromEnv } from './proxy-env.js';
import { HttpConnectDialer } from './http-connect-dialer.js';
import { Socks5Dialer } from './socks5-dialer.js';
import type { ProxyDialerOptions } from './proxy-bounds.js';

/** What the user said about proxies: a URL, 'none', or nothing (undefined: ask the environment). */
export type ProxySetting = string | 'none' | undefined;

/** The dialer for one proxy. */
export function proxyDialer(spec: ProxySpec, options: ProxyDialerOptions = {}): RawDialer {
  switch (spec.scheme) {
    case 'http':
    case 'https':
      return new HttpConnectDialer(spec, options);
    case 'socks5':
    case 'socks5h':
      return new Socks5Dialer(spec, options);
    default: {
      const never: never = spec.scheme;
      throw new Error(`unknown proxy scheme ${String(never)}`);
    }
  }
}

/** The dialer that reaches `target` as `setting` and the environment say. */
export function chooseDialer(
  setting: ProxySetting,
  target: HostPort,
  options: ProxyDialerOptions = {},
): RawDialer {
  if (setting === 'none') return directDialer;
  if (setting !== undefined) return proxyDialer(parseProxyUrl(setting, '--proxy'), options);
  const fromEnv = proxyFromEnv(target);
  return fromEnv === null ? directDialer : proxyDialer(parseProxyUrl(fromEnv.url, fromEnv.variable), options);
}

/** The proxy a dialer goes through, as a report names it; null for a direct one (or none given). */
export function proxyRoute(dialer: RawDialer | undefined): string | null {
  return dialer === undefined || dialer.route === directDialer.route ? null : dialer.route;
}
