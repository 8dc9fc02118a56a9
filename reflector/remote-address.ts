/** A socket's peer as HOST:PORT (IPv6 bracketed), for logs and refusals. */
import type { Socket } from 'node:net';
import { formatHostPort } from '../protocol/address.js';
import type { SeenEndpoint } from '../protocol/wire.js';

/** Read it before destroy(): a destroyed socket no longer knows its peer. */
export function remoteOf(socket: Socket): string {
  return formatHostPort({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
}

/** The host of a HOST:PORT string as formatHostPort writes it ("[::1]:7000" -> "::1"). */
export function ipOf(remote: string): string {
  const colon = remote.lastIndexOf(':');
  const host = colon < 0 ? remote : remote.slice(0, colon);
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The peer as the wire's `seen` reports it; null once the socket no longer knows it. */
export function seenEndpointOf(socket: Socket): SeenEndpoint | null {
  const host = socket.remoteAddress;
  const port = socket.remotePort;
  return host === undefined || port === undefined ? null : { host, port };
}
