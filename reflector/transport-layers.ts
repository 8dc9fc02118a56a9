/**
 * What the reflector runs over an accepted TCP socket besides raw probes and plain HTTP: TLS (a
 * first byte of 0x16; inside it the same sniffing starts again) and WebSocket probes (an upgrade on
 * PROBE_PATH, whose first binary message is the probe's hello). Both answer only what the client
 * asked for and never start anything on their own: Node's TLS server does no renegotiation or key
 * update unasked, and the probes' WebSocket server never pings (it answers a ping with a pong).
 *
 * A TLS 1.3 server sends its session tickets right after the handshake; they cross before the
 * probe's hello, which the client sends only once they arrived (client/transport/tls-layer.ts).
 *
 * Pre-auth: the TLS handshake is the one answer larger than its request (a certificate is about a
 * kilobyte): TLS needs it, and the TCP handshake before it proves the peer's address, so it cannot
 * be reflected at a spoofed one. Inside TLS the no-amplification rule counts plaintext bytes, which
 * the TLS socket's counters are (pre-auth-budget.ts).
 */
import type { Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_PROBE_MESSAGE_BYTES } from '../protocol/wire.js';
import { WebSocketByteStream } from '../protocol/websocket-byte-stream.js';

/** A certificate and its key, PEM. */
export interface TlsIdentity {
  cert: string | Buffer;
  key: string | Buffer;
}

/** The secure context of a reflector's certificate. Throws (Node's error) when they do not load. */
export function reflectorSecureContext(identity: TlsIdentity): SecureContext {
  return createSecureContext({ cert: identity.cert, key: identity.key, minVersion: 'TLSv1.2' });
}

/**
 * A TLS server over an accepted socket whose first bytes (`head`, already read) were a ClientHello.
 * `onError` is told of a failed handshake once; the raw socket is destroyed with it.
 */
export function acceptTls(
  socket: Socket,
  head: Buffer,
  context: SecureContext,
  onError: (error: Error) => void,
): TLSSocket {
  socket.unshift(head);
  const tls = new TLSSocket(socket, { isServer: true, secureContext: context });
  tls.setNoDelay(true);
  tls.once('error', (error) => {
    onError(error);
    socket.destroy();
  });
  tls.on('error', noop);
  return tls;
}

/** The WebSocket server of probes: no permessage-deflate, a hello-sized maxPayload, no tracking. */
export class WebSocketProbes {
  private readonly wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_PROBE_MESSAGE_BYTES,
    perMessageDeflate: false,
  });

  /** Completes the upgrade; `done` gets the probe as a byte stream over the socket ws runs on. */
  upgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    done: (stream: WebSocketByteStream) => void,
  ): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const stream = new WebSocketByteStream(ws, request.socket as Socket);
      // Until the hello makes it a probe (whose handler listens too), only the sniffer reads it: a
      // peer's RST in between ends the stream with ECONNRESET, which must close this connection
      // and not end the reflector with an uncaught error.
      stream.on('error', noop);
      done(stream);
    });
  }

  close(): void {
    this.wss.close();
  }
}

function noop(): void {}
