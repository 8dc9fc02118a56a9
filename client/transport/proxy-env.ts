/**
 * The proxy the environment names for a target, as curl and most tools read it:
 * `HTTPS_PROXY`, then `ALL_PROXY`, then `HTTP_PROXY` (each lower-case first, then upper-case), and
 * none for a target that `NO_PROXY` lists (`host`, `.domain`, `*.domain`, `host:port`, `*`).
 *
 * Every idlescope connection is a tunnel of raw bytes, whatever runs in it, as an https: request's
 * is: so the https: lookup comes first for every transport. A network that names only an HTTP
 * proxy (HTTP_PROXY) has only that one to go through, so it is used where nothing else is set.
 * NO_PROXY matching is proxy-from-env's; a value without a scheme ("proxy:3128") is an HTTP proxy.
 */
import { getProxyForUrl } from 'proxy-from-env';
import { formatHostPort, type HostPort } from '../../protocol/address.js';

export interface ProxyFromEnv {
  /** The variable that named it, as set (`https_proxy`, `HTTPS_PROXY`, ...). */
  variable: string;
  /** Its value, with `http://` in front when it had no scheme. */
  url: string;
}

const LOOKUPS = [
  { scheme: 'https', variables: ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'] },
  { scheme: 'http', variables: ['http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'] },
] as const;

/** The proxy process.env names for `target`, or null (none set, or NO_PROXY exempts it). */
export function proxyFromEnv(target: HostPort): ProxyFromEnv | null {
  const authority = formatHostPort(target);
  for (const { scheme, variables } of LOOKUPS) {
    if (getProxyForUrl(`${scheme}://${authority}`) === '') continue;
    // The same reading as the library's (lower-case, then upper-case), so the variable can be named.
    for (const variable of variables) {
      const value = process.env[variable];
      if (value === undefined || value === '') continue;
      return { variable, url: value.includes('://') ? value : `http://${value}` };
    }
  }
  return null;
}
