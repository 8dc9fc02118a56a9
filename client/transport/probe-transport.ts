/**
 * What runs over a dialed connection (raw-dialer.ts) to carry a probe's bytes: raw TCP, TLS, or
 * WebSocket messages (plain or over TLS). A transport takes the connected socket, runs its own
 * handshake on it and resolves once that handshake is over and nothing more of it will cross the
 * wire (TLS 1.3's session tickets included: tls-layer.ts), so that the probe's idle clock, which
 * starts at its hello, never has transport traffic inside it. From then on the transport sends only
 * what the probe writes, and sends nothing of its own (no WebSocket ping, no TLS key update).
 *
 * The probe logic (client/discovery/probe-connection.ts) sees only a byte stream: `stream` ends
 * ('end') on a FIN, a TLS close_notify or a WebSocket close frame, and errors on an RST. The TCP
 * socket underneath stays reachable for its byte counters, socket options and the RST on teardown.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { HostPort } from '../../protocol/address.js';
import { directDialer, type RawDialer } from './raw-dialer.js';
import { tcpTransport } from './tcp-transport.js';

/** The transports a probe (and, following it, the control channel) can use. */
export const TRANSPORT_NAMES = ['tcp', 'tls', 'ws', 'wss'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** A transport's handshake done: the stream the probe speaks on, over the dialed socket. */
export interface TransportedStream {
  /** Carries the probe's bytes: the socket itself, a TLS socket over it, or a WebSocket's messages. */
  readonly stream: Duplex;
  /** The dialed TCP socket underneath: byte counts on the wire, socket options, RST on teardown. */
  readonly socket: Socket;
  /** The TLS version negotiated ('TLSv1.3'), null without TLS. */
  readonly tlsVersion: string | null;
}

/** TLS over a dialed socket, as the probes and the control channel both use it. */
export interface TlsLayer {
  /** Resolves with the TLS socket once the handshake, the peer's check and its tickets are done. */
  secure(socket: Socket, target: HostPort, signal: AbortSignal): Promise<TLSSocket>;
}

export interface ProbeTransport {
  readonly name: TransportName;
  /** The TLS under it, null for tcp and ws. The control channel uses wss exactly when this is set. */
  readonly tls: TlsLayer | null;
  /** Runs the transport's handshake on `socket`, connected to `target`. Rejects with what failed. */
  open(socket: Socket, target: HostPort, signal: AbortSignal): Promise<TransportedStream>;
}

/** How a connection reaches the reflector, and what runs over it. */
export interface ProbeLink {
  readonly dialer: RawDialer;
  readonly transport: ProbeTransport;
}

/** Straight to the reflector, raw TCP: what every connection was before transports existed. */
export const DIRECT_TCP: ProbeLink = { dialer: directDialer, transport: tcpTransport };

/** The link of a dialer and a transport, direct and raw TCP for what is left out. */
export function probeLink(dialer?: RawDialer, transport?: ProbeTransport): ProbeLink {
  return { dialer: dialer ?? directDialer, transport: transport ?? tcpTransport };
}
