/**
 * What a failed control-channel handshake means, by how far it got: no TCP connection is an
 * unreachable reflector; bytes that are not HTTP (an SSH banner, a TLS alert) or a WebSocket
 * upgrade answered wrongly are something else listening there (NotAReflectorError). HTTP answers
 * other than the upgrade and silence are told by the channel itself, which sees them as events.
 */
import { IdlescopeError, NotAReflectorError, ReflectorUnreachableError } from '../../protocol/errors.js';

/**
 * How far a handshake got: the TCP connection, the HTTP upgrade's answer (ws checks it between
 * 'upgrade' and 'open'), the WebSocket open (waiting for the welcome).
 */
export type HandshakeStage = 'connected' | 'upgraded' | 'open';

/** The error for `error`, emitted by ws before the welcome, at `stage`. */
export function handshakeFailure(label: string, error: Error, stage: HandshakeStage): IdlescopeError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('HPE_')) {
    const raw = (error as { rawPacket?: unknown }).rawPacket;
    // A TLS record (an alert, 0x15 0x03): the port wants TLS, as a TLS-terminating proxy's does.
    const tls = Buffer.isBuffer(raw) && raw.length >= 2 && raw[0]! >= 0x14 && raw[0]! <= 0x17 && raw[1] === 3;
    return new NotAReflectorError(
      label,
      `answered ${Buffer.isBuffer(raw) ? describeBytes(raw) : 'something'} instead of HTTP` +
        (tls ? ' (TLS: try --transport tls or wss)' : ''),
      { cause: error },
    );
  }
  // Closed unanswered once connected: what a TLS-only port (Node's TLS server, a TLS proxy) does with
  // a plain request. A reflector answers any well-formed upgrade.
  if (stage === 'connected' && (code === 'ECONNRESET' || /socket hang up/.test(error.message)))
    return new NotAReflectorError(
      label,
      'accepted the connection, then closed it without answering the upgrade (a TLS-only port? ' +
        'try --transport tls or wss)',
      { cause: error },
    );
  if (stage === 'upgraded')
    return new NotAReflectorError(label, `answered the WebSocket upgrade wrongly (${error.message})`, {
      cause: error,
    });
  return new ReflectorUnreachableError(label, error);
}

/**
 * The error for a dial that failed (the TCP connection, or the tunnel of a proxy): a timeout of the
 * dial's signal reads as ETIMEDOUT after connectTimeoutMs; an IdlescopeError (a proxy's own refusal,
 * worded by its dialer) stands as it is; anything else is an unreachable reflector.
 */
export function dialFailure(label: string, error: unknown, connectTimeoutMs: number): IdlescopeError {
  if (error instanceof IdlescopeError) return error;
  if (error instanceof Error && error.name === 'TimeoutError')
    return new ReflectorUnreachableError(
      label,
      Object.assign(new Error(`connect ETIMEDOUT after ${connectTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' }),
    );
  return new ReflectorUnreachableError(label, error);
}

/** The first line of what a non-HTTP server sent, quoted, or its first bytes in hex if not text. */
function describeBytes(raw: Buffer): string {
  const head = raw.subarray(0, 64);
  const line = head.toString('latin1').split(/\r?\n/)[0] ?? '';
  if (line.length > 0 && /^[\x20-\x7e]+$/.test(line)) return JSON.stringify(line.slice(0, 48));
  return `bytes ${[...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}
