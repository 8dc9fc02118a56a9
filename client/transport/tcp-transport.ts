/** Raw TCP: the dialed socket is the probe's stream, and nothing runs over it but the probe. */
import type { ProbeTransport } from './probe-transport.js';

export const tcpTransport: ProbeTransport = {
  name: 'tcp',
  tls: null,
  open: (socket) => Promise.resolve({ stream: socket, socket, tlsVersion: null }),
};
