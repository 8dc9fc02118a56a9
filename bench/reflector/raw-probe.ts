/**
 * A probe connection for the capacity bench: the same hello as client/discovery's ProbeConnection
 * (encodeProbeHello), but from a chosen loopback source address (`localAddress`), because one
 * source address to one reflector port has only the ephemeral port range (about 28,000 ports) to
 * give. It reads and discards whatever comes back; nothing else is ever written unless the owner
 * writes it. No keepalive, no Node socket timeout, Nagle off: an idle probe here is as idle as a
 * real one.
 */
import { probeMac, type SessionCredentials } from '../../protocol/auth.js';
import { connect, type Socket } from 'node:net';
import { PROTOCOL_VERSION, encodeProbeHello, type ProbeId } from '../../protocol/wire.js';

/** Probe connections per loopback source address: well inside the ephemeral port range. */
export const CONNECTIONS_PER_SOURCE_ADDRESS = 10_000;

/** The source address of the i-th connection: 127.0.0.2, then 127.0.0.3, ... (never 127.0.0.1). */
export function sourceAddress(i: number): string {
  const octet = 2 + Math.floor(i / CONNECTIONS_PER_SOURCE_ADDRESS);
  if (octet > 254) throw new Error(`connection ${i}: more than 253 loopback source addresses needed`);
  return `127.0.0.${octet}`;
}

/** The distinct source addresses n connections use. */
export function sourceAddresses(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i += CONNECTIONS_PER_SOURCE_ADDRESS) out.push(sourceAddress(i));
  return out;
}

export interface RawProbeTarget {
  port: number;
  localAddress: string;
  /** The session and its secret: the hello carries a MAC keyed by it (protocol/auth.ts). */
  credentials: SessionCredentials;
  probe: ProbeId;
}

function noop(): void {}

/** Connects to 127.0.0.1 and writes the hello once connected; errors are the owner's to watch. */
export function openRawProbe(target: RawProbeTarget): Socket {
  const socket = connect({
    host: '127.0.0.1',
    port: target.port,
    localAddress: target.localAddress,
    noDelay: true,
    keepAlive: false,
  });
  socket.setTimeout(0);
  socket.on('error', noop);
  socket.on('data', noop);
  const { session, secret } = target.credentials;
  const mac = probeMac(secret, session, target.probe);
  const hello = encodeProbeHello({ version: PROTOCOL_VERSION, session, probe: target.probe, mac });
  socket.once('connect', () => socket.write(hello));
  return socket;
}

/** Tears a probe down with RST, as ProbeConnection does, so nothing lingers in TIME_WAIT. */
export function resetRawProbe(socket: Socket): void {
  if (socket.readyState === 'open') socket.resetAndDestroy();
  else socket.destroy();
}
