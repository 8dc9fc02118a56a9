/** The probe's bytes over TLS (tls-layer.ts) on the dialed socket: one TLS record per test byte. */
import type { ProbeTransport, TlsLayer } from './probe-transport.js';

export function tlsTransport(tls: TlsLayer): ProbeTransport {
  return {
    name: 'tls',
    tls,
    async open(socket, target, signal) {
      const secured = await tls.secure(socket, target, signal);
      secured.setNoDelay(true);
      return { stream: secured, socket, tlsVersion: secured.getProtocol() ?? null };
    },
  };
}
