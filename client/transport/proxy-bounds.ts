/**
 * How long a proxy dialer waits, shared by both kinds (HTTP CONNECT and SOCKS5).
 */

/** Default bound on the TCP (and TLS) connection to the proxy: two lost SYNs fit. */
export const PROXY_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Default bound from the request to the proxy's answer: the proxy connects to the target meanwhile,
 * so the same two lost SYNs must fit on its side too.
 */
export const PROXY_ANSWER_TIMEOUT_MS = 10_000;

export interface ProxyDialerOptions {
  connectTimeoutMs?: number;
  answerTimeoutMs?: number;
}
