/**
 * The probe's bytes as WebSocket messages (ws, or wss over tls-layer.ts) on the dialed socket: an
 * upgrade on PROBE_PATH, then the hello as one binary message and each test byte as another
 * (protocol/websocket-byte-stream.ts). permessage-deflate off and a small maxPayload, as on the
 * reflector; the client never pings.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import { MAX_PROBE_MESSAGE_BYTES, PROBE_PATH } from '../../protocol/wire.js';
import { NotAReflectorError, ReflectorUnreachableError } from '../../protocol/errors.js';
import { WebSocketByteStream } from '../../protocol/websocket-byte-stream.js';
import type { ProbeTransport, TlsLayer, TransportedStream } from './probe-transport.js';

/** ws over the dialed socket, or wss when `tls` is given. */
export function wsTransport(tls: TlsLayer | null): ProbeTransport {
  return {
    name: tls === null ? 'ws' : 'wss',
    tls,
    async open(socket, target, signal) {
      const stream = tls === null ? socket : await tls.secure(socket, target, signal);
      const tlsVersion = tls === null ? null : ((stream as TLSSocket).getProtocol() ?? null);
      const ws = await upgrade(stream, socket, target, tls !== null, signal);
      return { stream: new WebSocketByteStream(ws, stream), socket, tlsVersion } satisfies TransportedStream;
    },
  };
}

/** The WebSocket upgrade on PROBE_PATH, over `stream` (the socket, or TLS over it). */
function upgrade(
  stream: Socket,
  socket: Socket,
  target: HostPort,
  secure: boolean,
  signal: AbortSignal,
): Promise<WebSocket> {
  const label = formatHostPort(target);
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${secure ? 'wss' : 'ws'}://${label}${PROBE_PATH}`, {
      perMessageDeflate: false,
      maxPayload: MAX_PROBE_MESSAGE_BYTES,
      createConnection: () => stream,
    });
    let settled = false;
    const settle = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', signalOnAbort);
      ws.off('open', wsOnOpen);
      if (error === null) {
        resolve(ws);
        return;
      }
      ws.on('error', noop);
      ws.terminate();
      socket.destroy();
      reject(error);
    };
    const wsOnOpen = (): void => {
      settle(null);
    };
    const signalOnAbort = (): void => settle(new ReflectorUnreachableError(label, signal.reason));
    ws.once('open', wsOnOpen);
    ws.on('unexpected-response', (_request, response) =>
      settle(
        new NotAReflectorError(
          label,
          `answered HTTP ${response.statusCode ?? '(no status)'} to a WebSocket probe ` +
            '(a reflector older than ws/wss probes?)',
        ),
      ),
    );
    ws.on('error', (error) => settle(new ReflectorUnreachableError(label, error)));
    if (signal.aborted) signalOnAbort();
    else signal.addEventListener('abort', signalOnAbort, { once: true });
  });
}

function noop(): void {}
