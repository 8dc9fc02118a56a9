/**
 * Tells what a freshly accepted connection is from its first bytes (protocol/wire.ts
 * `classifyConnection`) and, for a probe, reads exactly its hello. It reads a TCP socket, the TLS
 * socket over one (where TLS itself is garbage), or a WebSocket probe's messages alike.
 *
 * The sniffer owns no timer: the reflector's hello deadline covers a connection that never says
 * enough. It reads only what the peer sends and never writes, so it cannot disturb a probe. When it
 * has decided, it stops listening and PAUSES the socket, so that no byte is lost between it and the
 * next owner (the probe listeners, or the HTTP parser after `unshift`).
 */
import type { Duplex } from 'node:stream';
import {
  PROBE_HELLO_BYTES,
  PROBE_VERSION_OFFSET,
  PROTOCOL_VERSION,
  classifyConnection,
  decodeProbeHello,
  type ProbeHello,
} from '../protocol/wire.js';

export type SniffOutcome =
  /** An HTTP request: `head` is every byte read so far, to be unshifted for the HTTP parser. */
  | { kind: 'control'; head: Buffer }
  /**
   * A complete, well-formed probe hello (its MAC not yet checked: that needs the session);
   * `rest` is whatever the peer sent after it (normally nothing).
   */
  | { kind: 'probe'; hello: ProbeHello; rest: Buffer }
  /** A TLS ClientHello: `head` is every byte read so far, to be unshifted for the TLS server. */
  | { kind: 'tls'; head: Buffer }
  /** Neither, or a malformed hello. */
  | { kind: 'garbage'; reason: string };

/** Reads from `socket` until its first bytes decide what it is, then calls `done` exactly once. */
export function sniffConnection(socket: Duplex, done: (outcome: SniffOutcome) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  const finish = (outcome: SniffOutcome): void => {
    socket.removeListener('data', socketOnData);
    socket.pause();
    done(outcome);
  };
  const socketOnData = (chunk: Buffer): void => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const kind = classifyConnection(buffered);
    switch (kind) {
      case 'need-more':
        return;
      case 'garbage':
        finish({ kind: 'garbage', reason: 'first bytes are neither an HTTP GET nor a probe hello' });
        return;
      case 'control':
        finish({ kind: 'control', head: buffered });
        return;
      case 'tls':
        finish({ kind: 'tls', head: buffered });
        return;
      case 'probe': {
        // Another version's hello may be shorter than ours: refuse it now, not at the hello deadline.
        if (buffered.length > PROBE_VERSION_OFFSET && buffered[PROBE_VERSION_OFFSET] !== PROTOCOL_VERSION) {
          finish({ kind: 'garbage', reason: `probe hello of protocol ${buffered[PROBE_VERSION_OFFSET]}` });
          return;
        }
        if (buffered.length < PROBE_HELLO_BYTES) return;
        const decoded = decodeProbeHello(buffered.subarray(0, PROBE_HELLO_BYTES));
        finish(
          decoded.ok
            ? { kind: 'probe', hello: decoded.value, rest: buffered.subarray(PROBE_HELLO_BYTES) }
            : { kind: 'garbage', reason: decoded.reason },
        );
        return;
      }
      default: {
        const never: never = kind;
        throw new Error(`unhandled connection kind ${String(never)}`);
      }
    }
  };
  socket.on('data', socketOnData);
}
