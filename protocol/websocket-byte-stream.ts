/**
 * A WebSocket seen as a byte stream, so that a probe over ws/wss is handled by the same code as one
 * over raw TCP or TLS, on both sides. Each write is one binary message; each message received is
 * pushed as its bytes. How the connection ended is told the way a TCP socket tells it: a close
 * (a close frame, or the TCP connection ending without one) is 'end'; an RST on the TCP socket
 * under it (ECONNRESET, EPIPE) is an 'error' with that code. ws emits no error for the socket's own
 * errors (it closes with 1006), so the code is taken from the socket directly.
 *
 * It sends nothing of its own: no ping (ws never pings unless asked; it answers a ping it receives
 * with a pong, which only a peer that pinged can cause). Flow control is not needed: a probe's
 * messages are one byte, and its hello the largest (MAX_PROBE_MESSAGE_BYTES, both sides' maxPayload).
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';

const WS_OPEN = 1; // WebSocket.OPEN, without a value import of ws here

export class WebSocketByteStream extends Duplex {
  /** The first error on the TCP socket under the WebSocket, if any. */
  private socketError: NodeJS.ErrnoException | null = null;

  constructor(
    private readonly ws: WebSocket,
    /** The TCP socket under the WebSocket (under TLS too, for wss): its address and its RST. */
    private readonly socket: Socket,
  ) {
    super({ allowHalfOpen: false });
    socket.on('error', this.socketOnError);
    ws.on('message', this.wsOnMessage);
    ws.on('close', this.wsOnClose);
    // A protocol error (a frame over maxPayload, a bad frame) is followed by ws's close.
    ws.on('error', noop);
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== WS_OPEN) {
      callback();
      return;
    }
    this.ws.send(chunk, { binary: true }, (error) => callback(error ?? null));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.ws.off('message', this.wsOnMessage);
    this.ws.off('close', this.wsOnClose);
    this.ws.terminate();
    callback(error);
  }

  private readonly socketOnError = (error: NodeJS.ErrnoException): void => {
    this.socketError ??= error;
  };

  private readonly wsOnMessage = (data: RawData): void => {
    // ws's default binaryType, nodebuffer: a Buffer, or fragments of one.
    this.push(Array.isArray(data) ? Buffer.concat(data) : (data as Buffer));
  };

  private readonly wsOnClose = (): void => {
    const code = this.socketError?.code;
    if (code === 'ECONNRESET' || code === 'EPIPE') this.destroy(this.socketError as Error);
    else this.push(null);
  };
}

function noop(): void {}
