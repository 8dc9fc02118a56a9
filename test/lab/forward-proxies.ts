/**
 * The forward proxies of the corporate-proxy and socks scenarios, run in the middlebox namespace on
 * 10.211.1.1: the client namespace has no route to the server, so a connection reaches it only as a
 * tunnel through the proxy (CONNECT to tinyproxy, or SOCKS5 to dante), whose idle timeout for a
 * tunnel is T.
 *
 * - tinyproxy (Debian `tinyproxy`): `Timeout T` bounds the relay's poll() of both sockets, so a
 *   CONNECT tunnel with no byte either way for T is closed on both legs (FIN). No ConnectPort line:
 *   every port may be tunnelled to.
 * - a SOCKS5 server written for the lab (fixtures/socks5-proxy.ts), whose idle timeout is T to the
 *   millisecond and closes both legs with FIN. Debian's dante was tried first and is no idle timeout
 *   to measure (timeout.io: sessions closed from 4.0 to 7.7 s for 5, or not at all: see the fixture).
 */
import { ADDR } from './scenarios.js';

export const TINYPROXY_PORT = 3128;
export const SOCKS_PORT = 1080;

export type ForwardProxyKind = 'http' | 'socks5';

export interface ForwardProxyDaemon {
  /** The config file's name in the lab's temp dir (null: none), and its text. */
  configName: string | null;
  config: string;
  /** argv, with the config file's path filled in. */
  argv(configPath: string): string[];
  /** The port it listens on at ADDR.mbClient4. */
  port: number;
  /** The URL a client inside the lab gives as --proxy. */
  url: string;
}

/**
 * The daemon for `kind` with idle timeout `timeoutS`; `nodeScript` builds the argv of a TypeScript
 * file run with this Node (lab.ts's nodeArgv, which this module cannot import: lab.ts imports it).
 */
export function forwardProxyDaemon(
  kind: ForwardProxyKind,
  timeoutS: number,
  pidPath: string,
  nodeScript: (script: string, args: string[]) => string[],
): ForwardProxyDaemon {
  switch (kind) {
    case 'http':
      return {
        configName: 'tinyproxy.conf',
        config: `Port ${TINYPROXY_PORT}
Listen ${ADDR.mbClient4}
Timeout ${timeoutS}
MaxClients 1024
LogLevel Warning
PidFile "${pidPath}"
Allow ${ADDR.clientNet4}
DisableViaHeader Yes
`,
        // -d: stay in the foreground, so the lab owns the process (and its children are its threads).
        argv: (configPath) => ['tinyproxy', '-d', '-c', configPath],
        port: TINYPROXY_PORT,
        url: `http://${ADDR.mbClient4}:${TINYPROXY_PORT}`,
      };
    case 'socks5':
      return {
        configName: null,
        config: '',
        argv: () =>
          nodeScript('test/lab/fixtures/socks5-proxy.ts', [
            ADDR.mbClient4,
            String(SOCKS_PORT),
            String(timeoutS * 1000),
          ]),
        port: SOCKS_PORT,
        url: `socks5://${ADDR.mbClient4}:${SOCKS_PORT}`,
      };
    default: {
      const never: never = kind;
      throw new Error(`unknown forward proxy ${String(never)}`);
    }
  }
}
