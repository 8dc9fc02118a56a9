/**
 * The transport a --transport name stands for, with the TLS trust it needs: tcp and ws run on the
 * dialed socket as it is, tls and wss over TLS (tls-layer.ts). The control channel follows: wss
 * wherever the probes use TLS, ws otherwise.
 */
import type { ProbeTransport, TransportName } from './probe-transport.js';
import { tcpTransport } from './tcp-transport.js';
import { tlsLayer, type TlsTrust } from './tls-layer.js';
import { tlsTransport } from './tls-transport.js';
import { wsTransport } from './ws-transport.js';

export function createTransport(name: TransportName, trust: TlsTrust): ProbeTransport {
  switch (name) {
    case 'tcp':
      return tcpTransport;
    case 'tls':
      return tlsTransport(tlsLayer(trust));
    case 'ws':
      return wsTransport(null);
    case 'wss':
      return wsTransport(tlsLayer(trust));
    default: {
      const never: never = name;
      throw new Error(`unknown transport ${String(never)}`);
    }
  }
}
