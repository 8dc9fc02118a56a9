/**
 * The no-amplification rule: until a connection has authenticated, the reflector never writes
 * more bytes on it than it has read from it. Without it a spoofed or scripted client could turn a
 * public reflector into an amplifier (a short request, a long answer). Every answer given before
 * auth is sized here and sent only if the peer has already paid for it; otherwise the socket is
 * closed and the peer learns nothing.
 *
 * The counters are the kernel-facing ones of the accepted TCP socket (`bytesRead`, and
 * `bytesWritten`, which includes what is still queued), so the bytes the sniffer read and unshifted
 * for the HTTP parser count once, as received.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { PROTOCOL_VERSION } from '../protocol/wire.js';

/** The two counters the rule needs (a net.Socket has them). */
export type ByteCounters = Pick<Socket, 'bytesRead' | 'bytesWritten'>;

/** Bytes this socket may still be sent before auth. */
export function preAuthBudget(socket: ByteCounters): number {
  return socket.bytesRead - socket.bytesWritten;
}

/** True when `bytes` more may be written on `socket` before auth. */
export function fitsPreAuthBudget(socket: ByteCounters, bytes: number): boolean {
  return bytes <= preAuthBudget(socket);
}

/**
 * ws's 101 answer to a plain upgrade (no subprotocol, no extension): status line, Upgrade,
 * Connection and Sec-WebSocket-Accept (28 base64 characters), then the blank line. A plain request
 * for it is at least 136 bytes, so a well-formed client always has the budget.
 */
export const UPGRADE_RESPONSE_BYTES =
  [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${'x'.repeat(28)}`,
  ].join('\r\n').length + 4;

const WS_KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * True for an upgrade request ws will accept with exactly UPGRADE_RESPONSE_BYTES: any other it
 * would answer with an HTTP error page (a 400 or 426 of up to ~160 bytes), so it is closed instead.
 * Mirrors ws 8's checks in WebSocketServer.handleUpgrade; subprotocols are not part of idlescope.
 */
export function isPlainUpgrade(request: IncomingMessage): boolean {
  const { headers } = request;
  const key = headers['sec-websocket-key'];
  const version = headers['sec-websocket-version'];
  return (
    request.method === 'GET' &&
    headers.upgrade?.toLowerCase() === 'websocket' &&
    typeof key === 'string' &&
    WS_KEY.test(key) &&
    (version === '13' || version === '8') &&
    headers['sec-websocket-protocol'] === undefined
  );
}

/** The one-line banner any other GET gets (when it paid for it). */
export const BANNER = `idlescope reflector, protocol v${PROTOCOL_VERSION}\n`;
export const BANNER_HEADERS = {
  'Content-Type': 'text/plain; charset=utf-8',
  Connection: 'close',
  'Content-Length': Buffer.byteLength(BANNER),
};
/** The banner's whole HTTP answer as Node writes it (sendDate off): status line, headers, body. */
export const BANNER_RESPONSE_BYTES =
  'HTTP/1.1 200 OK\r\n'.length +
  Object.entries(BANNER_HEADERS).reduce((n, [k, v]) => n + `${k}: ${v}\r\n`.length, 0) +
  2 +
  Buffer.byteLength(BANNER);

/** An upgrade on a path other than CONTROL_PATH. */
export const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** A close frame with a code and no reason: 2 header bytes, 2 code bytes. */
export const BARE_CLOSE_FRAME_BYTES = 4;

/**
 * The JSON text of an error message that fits `budget` bytes on the wire together with a bare close
 * frame: the message text is shortened to fit, and null means not even an empty one fits. Server
 * frames are unmasked: 2 header bytes below 126 payload bytes, 4 up to 64 KiB.
 */
export function boundedErrorText(
  budget: number,
  encode: (message: string) => string,
  message: string,
): string | null {
  const room = budget - BARE_CLOSE_FRAME_BYTES;
  let keep = message.length;
  for (;;) {
    const text = encode(message.slice(0, keep));
    const bytes = Buffer.byteLength(text);
    const over = bytes + (bytes < 126 ? 2 : 4) - room;
    if (over <= 0) return text;
    if (keep === 0) return null;
    // Every character is at least one byte: dropping `over` of them drops at least `over` bytes.
    keep = Math.max(0, keep - over);
  }
}
