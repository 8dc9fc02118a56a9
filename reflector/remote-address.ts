/** A socket's peer as HOST:PORT (IPv6 bracketed), for logs and refusals. */
import type { Socket } from 'node:net';
import { formatHostPort } from '../protocol/address.js';

/** Read it before destroy(): a destroyed socket no longer knows its peer. */
export function remoteOf(socket: Pick<Socket, 'remoteAddress' | 'remotePort'>): string {
  return formatHostPort({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
}
