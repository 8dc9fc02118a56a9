/**
 * A proxy URL as `--proxy` or an environment variable gives it: `http://[user:pass@]host:port`
 * (HTTP CONNECT), `https://...` (CONNECT to a proxy that itself speaks TLS), `socks5://...` (the
 * client resolves the target's name) and `socks5h://...` (the proxy does). Credentials are
 * percent-decoded and kept apart from `route`, the URL without them, which is all a report shows.
 */
import { formatHostPort, parseHostPort } from '../../protocol/address.js';
import { AddressError, ProxyUrlError } from '../../protocol/errors.js';

export const PROXY_SCHEMES = ['http', 'https', 'socks5', 'socks5h'] as const;
export type ProxyScheme = (typeof PROXY_SCHEMES)[number];

/** A port left out takes the scheme's usual one (curl's, for SOCKS). */
const DEFAULT_PORT: Record<ProxyScheme, number> = { http: 80, https: 443, socks5: 1080, socks5h: 1080 };

export interface ProxySpec {
  scheme: ProxyScheme;
  /** Without brackets for IPv6. */
  host: string;
  port: number;
  /** Percent-decoded; null when the URL has none. */
  username: string | null;
  password: string | null;
  /** `scheme://host:port`, never with credentials: what a report names. */
  route: string;
}

function isProxyScheme(value: string): value is ProxyScheme {
  return (PROXY_SCHEMES as readonly string[]).includes(value);
}

/** `text` without its `user:pass@`, so no message ever repeats a password. */
function withoutCredentials(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

/**
 * Parses a proxy URL; `source` names where it came from (`--proxy`, `HTTPS_PROXY`) for the error.
 * Throws ProxyUrlError (a usage error) for anything it cannot use.
 */
export function parseProxyUrl(text: string, source: string): ProxySpec {
  const shown = withoutCredentials(text.trim());
  const fail = (reason: string): never => {
    throw new ProxyUrlError(source, shown, reason);
  };
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text.trim());
  if (match === null) return fail(`give it as ${PROXY_SCHEMES.join('://, ')}:// then [user:pass@]host:port`);
  const scheme = (match[1] ?? '').toLowerCase();
  if (!isProxyScheme(scheme))
    return fail(`unknown scheme ${JSON.stringify(scheme)}: use ${PROXY_SCHEMES.join(', ')}`);
  let rest = match[2] ?? '';
  // Only a bare "/" may follow host:port (HTTPS_PROXY=http://proxy:3128/ is common).
  const slash = rest.indexOf('/', rest.lastIndexOf('@') + 1);
  if (slash >= 0) {
    if (rest.slice(slash) !== '/') return fail('a proxy URL has no path');
    rest = rest.slice(0, slash);
  }
  const at = rest.lastIndexOf('@');
  const userInfo = at < 0 ? null : rest.slice(0, at);
  const hostPart = at < 0 ? rest : rest.slice(at + 1);
  let address;
  try {
    address = parseHostPort(hostPart, DEFAULT_PORT[scheme]);
  } catch (error) {
    if (error instanceof AddressError) return fail(error.reason);
    throw error;
  }
  let username: string | null = null;
  let password: string | null = null;
  if (userInfo !== null) {
    const colon = userInfo.indexOf(':');
    try {
      username = decodeURIComponent(colon < 0 ? userInfo : userInfo.slice(0, colon));
      password = colon < 0 ? null : decodeURIComponent(userInfo.slice(colon + 1));
    } catch {
      return fail('the user or password has a bad %-escape');
    }
  }
  return {
    scheme,
    host: address.host,
    port: address.port,
    username,
    password,
    route: `${scheme}://${formatHostPort(address)}`,
  };
}
