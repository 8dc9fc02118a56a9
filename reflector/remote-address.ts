/** A socket's peer as HOST:PORT (IPv6 bracketed), for logs and refusals. */
import type { Socket } from 'node:net';
import { formatHostPort } from '../protocol/address.js';
import type { SeenEndpoint } from '../protocol/wire.js';

/** Read it before destroy(): a destroyed socket no longer knows its peer. */
export function remoteOf(socket: Socket): string {
  return formatHostPort({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
}

/** The peer as the wire's `seen` reports it; null once the socket no longer knows it. */
export function seenEndpointOf(socket: Socket): SeenEndpoint | null {
  const host = socket.remoteAddress;
  const port = socket.remotePort;
  return host === undefined || port === undefined ? null : { host, port };
}
