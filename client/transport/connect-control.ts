/**
 * The connection a control channel's WebSocket runs on: dialed (directly or through a proxy), then
 * secured when the channel is wss. A dial that fails is worded by handshake-failure.ts; a TLS
 * failure (a certificate, a pin, a peer that does not speak TLS) by the TLS layer itself.
 */
import type { Socket } from 'node:net';
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import { dialFailure } from '../discovery/handshake-failure.js';
import type { RawDialer } from './raw-dialer.js';
import type { TlsLayer } from './probe-transport.js';

/** The dialed TCP socket, and what HTTP is spoken on: the socket itself, or TLS over it. */
export interface ControlSocket {
  raw: Socket;
  stream: Socket;
}

/** Dials and secures, within timeoutMs; `cancel` gives up whatever is under way. */
export async function connectControl(
  target: HostPort,
  dialer: RawDialer,
  tls: TlsLayer | null,
  timeoutMs: number,
  cancel: AbortSignal,
): Promise<ControlSocket> {
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), cancel]);
  let raw: Socket;
  try {
    raw = await dialer.dial(target, signal);
  } catch (error) {
    throw dialFailure(formatHostPort(target), error, timeoutMs);
  }
  if (tls === null) return { raw, stream: raw };
  return { raw, stream: await tls.secure(raw, target, signal) };
}
