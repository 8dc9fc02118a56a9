/**
 * `--proxy URL`, `--proxy none` and `--no-proxy`, for every command that dials a reflector (discover,
 * verify): which way every connection goes, the control channel's and the probes' alike. Without
 * either, the environment decides (HTTPS_PROXY, ALL_PROXY, HTTP_PROXY and NO_PROXY: proxy-env.ts).
 */
import type { Argv } from 'yargs';
import type { HostPort } from '../../protocol/address.js';
import { UsageError } from '../../protocol/errors.js';
import { chooseDialer, type ProxySetting } from '../transport/proxy-dialer.js';
import type { RawDialer } from '../transport/raw-dialer.js';

export interface ProxyFlags {
  /** The URL or 'none'; false from --no-proxy; undefined when neither was given. */
  proxy?: string | false | readonly (string | false)[];
}

/** Adds --proxy (and its negation, --no-proxy). */
export function withProxyFlags<T>(yargs: Argv<T>): Argv<T & ProxyFlags> {
  return yargs.option('proxy', {
    type: 'string',
    requiresArg: true,
    describe:
      'go through this proxy: http://[user:pass@]host:port (CONNECT), https://..., socks5://... or ' +
      'socks5h://...; "none" or --no-proxy: go direct, whatever HTTPS_PROXY, ALL_PROXY or HTTP_PROXY say',
  }) as unknown as Argv<T & ProxyFlags>;
}

/** What --proxy / --no-proxy said, as chooseDialer takes it. */
export function proxySettingFrom(flags: ProxyFlags): ProxySetting {
  const value = flags.proxy;
  if (Array.isArray(value)) throw new UsageError(`--proxy was given ${value.length} times: give it once`);
  if (value === undefined) return undefined;
  if (value === false) return 'none';
  const text = (value as string).trim();
  return text.toLowerCase() === 'none' ? 'none' : text;
}

/** The dialer every connection to `reflector` uses; a bad proxy URL is a ProxyUrlError (exit 2). */
export function dialerFrom(flags: ProxyFlags, reflector: HostPort): RawDialer {
  return chooseDialer(proxySettingFrom(flags), reflector);
}
