/**
 * Reaching the target through an HTTP proxy with CONNECT (RFC 9110 §9.3.6): `CONNECT host:port`,
 * `Proxy-Authorization: Basic` when the URL has credentials, and on a 2xx answer the proxy's socket
 * becomes a raw tunnel to the target. An `https://` proxy URL speaks TLS to the proxy first.
 *
 * undici's `connect()` does the exchange and hands back the raw socket, detached from its HTTP
 * parser, for any status: a 407 or 403 is read as what it is, not as a failed request. Each dial has
 * a Client of its own, whose one connection leaves it with the tunnel (probes connect in parallel),
 * and which is destroyed when the dial fails: a shared pool reconnects after an aborted CONNECT,
 * which would leave an idle connection to the proxy behind. What undici sets on the socket that a
 * probe must not have
 * (TCP keepalive, on by default) is undone before the caller gets it; its own timers end with the
 * exchange, so nothing acts on an idle tunnel (test/client/transport/http-connect-dialer.test.ts).
 *
 * Accuracy: a tunnel's idle timer is the proxy's, and TCP keepalive on this socket would refresh
 * only the leg to the proxy: see the report's proxy note.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import {
  NotAProxyError,
  ProxyAuthError,
  ProxyRefusedError,
  ProxyUnreachableError,
  type IdlescopeError,
} from '../../protocol/errors.js';
import type { RawDialer } from './raw-dialer.js';
import type { ProxySpec } from './proxy-url.js';
import {
  PROXY_ANSWER_TIMEOUT_MS,
  PROXY_CONNECT_TIMEOUT_MS,
  type ProxyDialerOptions,
} from './proxy-bounds.js';

export class HttpConnectDialer implements RawDialer {
  readonly route: string;
  private readonly origin: string;
  private readonly connectTimeoutMs: number;
  private readonly authorization: string | null;
  private readonly answerTimeoutMs: number;

  constructor(proxy: ProxySpec, options: ProxyDialerOptions = {}) {
    if (proxy.scheme !== 'http' && proxy.scheme !== 'https')
      throw new Error(`HttpConnectDialer takes an http(s) proxy, not ${proxy.scheme}`);
    this.route = proxy.route;
    this.answerTimeoutMs = options.answerTimeoutMs ?? PROXY_ANSWER_TIMEOUT_MS;
    this.origin = `${proxy.scheme}://${formatHostPort(proxy)}`;
    this.connectTimeoutMs = options.connectTimeoutMs ?? PROXY_CONNECT_TIMEOUT_MS;
    this.authorization =
      proxy.username === null
        ? null
        : `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}`;
  }

  async dial(target: HostPort, signal?: AbortSignal): Promise<Socket> {
    const authority = formatHostPort(target);
    const headers: Record<string, string> = { host: authority };
    if (this.authorization !== null) headers['proxy-authorization'] = this.authorization;
    const { Client } = await loadUndici();
    const client = new Client(this.origin, {
      connectTimeout: this.connectTimeoutMs,
      headersTimeout: this.answerTimeoutMs,
    });
    let answer;
    try {
      answer = await client.connect({ path: authority, headers, ...(signal ? { signal } : {}) });
    } catch (error) {
      void client.destroy();
      if (signal?.aborted === true) throw signal.reason instanceof Error ? signal.reason : error;
      throw this.failure(authority, error);
    }
    // The socket has left the client with the tunnel: nothing remains to close but the client.
    void client.close();
    const socket = answer.socket as Socket;
    const { statusCode } = answer;
    if (statusCode >= 200 && statusCode < 300) {
      socket.setKeepAlive(false);
      socket.setNoDelay(true);
      socket.setTimeout(0);
      return socket;
    }
    socket.on('error', noop);
    socket.destroy();
    const reason = STATUS_CODES[statusCode];
    const said = `HTTP ${statusCode}${reason === undefined ? '' : ` ${reason}`}`;
    if (statusCode === 407) throw new ProxyAuthError(this.route, said, this.authorization !== null);
    throw new ProxyRefusedError(this.route, authority, said);
  }

  /** An exchange that never got an answer, told as the proxy's failure. */
  private failure(authority: string, error: unknown): IdlescopeError {
    const code = (error as { code?: unknown }).code;
    if ((error as { name?: unknown }).name === 'HTTPParserError')
      return new NotAProxyError(this.route, 'answered CONNECT with something that is not HTTP', {
        cause: error,
      });
    switch (code) {
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new ProxyUnreachableError(
          this.route,
          new Error(`no answer to CONNECT ${authority} within ${this.answerTimeoutMs / 1000} s`),
        );
      case 'UND_ERR_SOCKET':
        return new ProxyUnreachableError(
          this.route,
          new Error(`it closed the connection before answering CONNECT ${authority}`),
        );
      default:
        return new ProxyUnreachableError(this.route, error);
    }
  }
}

function noop(): void {}

let undici: Promise<typeof import('undici')> | null = null;

/** undici takes 100-300 ms to load: only a run that goes through an HTTP proxy pays for it. */
function loadUndici(): Promise<typeof import('undici')> {
  undici ??= import('undici');
  return undici;
}
