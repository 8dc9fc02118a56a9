/**
 * Reaching the target through a SOCKS5 proxy (RFC 1928), with username/password authentication
 * (RFC 1929) when the URL has credentials. `socks5://` resolves the target's name here and sends the
 * proxy an address; `socks5h://` sends the name and lets the proxy resolve it.
 *
 * The TCP connection to the proxy is made here (directDialer: system error codes kept, the caller's
 * signal obeyed); the `socks` library then runs the SOCKS5 exchange on that socket and hands it back
 * as the tunnel. Both phases are bounded (PROXY_CONNECT_TIMEOUT_MS, PROXY_ANSWER_TIMEOUT_MS), and a
 * socket that fails is destroyed before the dial rejects.
 */
import { lookup } from 'node:dns/promises';
import { isIP, type Socket } from 'node:net';
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import {
  NotAProxyError,
  ProxyAuthError,
  ProxyRefusedError,
  ProxyUnreachableError,
  type IdlescopeError,
} from '../../protocol/errors.js';
import { directDialer, type RawDialer } from './raw-dialer.js';
import type { ProxySpec } from './proxy-url.js';
import {
  PROXY_ANSWER_TIMEOUT_MS,
  PROXY_CONNECT_TIMEOUT_MS,
  type ProxyDialerOptions,
} from './proxy-bounds.js';

/** RFC 1928 §6 reply codes, by the names the `socks` library gives them in its messages. */
const SOCKS5_REPLIES: Record<string, string> = {
  Failure: 'general SOCKS server failure (reply 1)',
  NotAllowed: 'connection not allowed by ruleset (reply 2)',
  NetworkUnreachable: 'network unreachable (reply 3)',
  HostUnreachable: 'host unreachable (reply 4)',
  ConnectionRefused: 'connection refused by the target (reply 5)',
  TTLExpired: 'TTL expired (reply 6)',
  CommandNotSupported: 'command not supported (reply 7)',
  AddressNotSupported: 'address type not supported (reply 8)',
};

const REJECTED = 'Socks5 proxy rejected connection - ';

export class Socks5Dialer implements RawDialer {
  readonly route: string;
  private readonly connectTimeoutMs: number;
  private readonly answerTimeoutMs: number;

  constructor(
    private readonly proxy: ProxySpec,
    options: ProxyDialerOptions = {},
  ) {
    if (proxy.scheme !== 'socks5' && proxy.scheme !== 'socks5h')
      throw new Error(`Socks5Dialer takes a socks5(h) proxy, not ${proxy.scheme}`);
    this.route = proxy.route;
    this.connectTimeoutMs = options.connectTimeoutMs ?? PROXY_CONNECT_TIMEOUT_MS;
    this.answerTimeoutMs = options.answerTimeoutMs ?? PROXY_ANSWER_TIMEOUT_MS;
  }

  async dial(target: HostPort, signal?: AbortSignal): Promise<Socket> {
    const { SocksClient } = await loadSocks();
    const destination =
      this.proxy.scheme === 'socks5' && isIP(target.host) === 0
        ? { host: (await lookup(target.host)).address, port: target.port }
        : target;
    const socket = await this.connectToProxy(signal);
    const signalOnAbort = (): void => {
      socket.destroy();
    };
    signal?.addEventListener('abort', signalOnAbort, { once: true });
    if (signal?.aborted === true) signalOnAbort();
    try {
      await SocksClient.createConnection({
        existing_socket: socket,
        proxy: {
          host: this.proxy.host,
          port: this.proxy.port,
          type: 5,
          ...(this.proxy.username === null ? {} : { userId: this.proxy.username }),
          ...(this.proxy.password === null ? {} : { password: this.proxy.password }),
        },
        command: 'connect',
        destination,
        timeout: this.answerTimeoutMs,
      });
    } catch (error) {
      socket.on('error', noop);
      socket.destroy();
      if (signal?.aborted === true) throw signal.reason instanceof Error ? signal.reason : error;
      throw this.failure(formatHostPort(destination), error);
    } finally {
      signal?.removeEventListener('abort', signalOnAbort);
    }
    socket.setKeepAlive(false);
    socket.setNoDelay(true);
    socket.setTimeout(0);
    return socket;
  }

  /** The TCP connection to the proxy, within connectTimeoutMs. */
  private async connectToProxy(signal: AbortSignal | undefined): Promise<Socket> {
    const bound = new AbortController();
    const timer = setTimeout(
      () => bound.abort(new Error(`no connection within ${this.connectTimeoutMs / 1000} s`)),
      this.connectTimeoutMs,
    );
    const signalOnAbort = (): void => bound.abort(signal?.reason);
    signal?.addEventListener('abort', signalOnAbort, { once: true });
    // Aborted while the name was looked up: the dial below then gives up at once.
    if (signal?.aborted === true) signalOnAbort();
    try {
      return await directDialer.dial({ host: this.proxy.host, port: this.proxy.port }, bound.signal);
    } catch (error) {
      if (signal?.aborted === true) throw error;
      throw new ProxyUnreachableError(this.route, error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', signalOnAbort);
    }
  }

  /** The `socks` library says what went wrong in its message only. */
  private failure(destination: string, error: unknown): IdlescopeError {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith(REJECTED)) {
      const name = message.slice(REJECTED.length).trim();
      return new ProxyRefusedError(this.route, destination, SOCKS5_REPLIES[name] ?? `SOCKS5 reply ${name}`);
    }
    const credentialsGiven = this.proxy.username !== null;
    if (message.startsWith('Socks5 Authentication failed'))
      return new ProxyAuthError(this.route, 'SOCKS5 username/password refused', true);
    if (message.includes('no accepted authentication type'))
      return new ProxyAuthError(this.route, 'no SOCKS5 authentication method acceptable', credentialsGiven);
    if (message.startsWith('Received invalid'))
      return new NotAProxyError(this.route, 'answered with something that is not SOCKS5', { cause: error });
    if (message.startsWith('Proxy connection timed out'))
      return new ProxyUnreachableError(
        this.route,
        new Error(`no SOCKS5 answer for ${destination} within ${this.answerTimeoutMs / 1000} s`),
      );
    if (message.startsWith('Socket closed'))
      return new ProxyUnreachableError(
        this.route,
        new Error(`it closed the connection before answering for ${destination}`),
      );
    return new ProxyUnreachableError(this.route, error);
  }
}

function noop(): void {}

let socks: Promise<typeof import('socks')> | null = null;

/** Loaded on the first dial, as undici is (http-connect-dialer.ts): only a SOCKS run pays for it. */
function loadSocks(): Promise<typeof import('socks')> {
  socks ??= import('socks');
  return socks;
}
