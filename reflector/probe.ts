/**
 * One attached probe connection on the reflector's side: a plain record plus four listeners shared
 * by every probe (found through a WeakMap), so an idle probe costs its socket and a few fields.
 *
 * Guarantee (the measurement-integrity rule): from attach until its owner asks for a push, nothing
 * here writes to, times or keeps alive the socket. The only writes are PUSH_BYTE when the client
 * asks for one over the control channel, and ECHO_BYTE in answer to a PING_BYTE the client sent.
 * The reflector only ever reads, and reading sends nothing the middlebox can see as data.
 *
 * Every probe ends exactly once: the first of FIN, RST/error, a protocol violation, or its owner
 * discarding it marks it 'gone', destroys the socket and tells the owner (except on discard).
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ECHO_BYTE, PING_BYTE, PUSH_BYTE, type ProbeEventKind, type ProbeId } from '../protocol/wire.js';

export type ProbeState = 'attached' | 'gone';

/**
 * What a probe's bytes travel on: the accepted TCP socket, a TLS socket over it, or a WebSocket's
 * messages (protocol/websocket-byte-stream.ts). Each ends with 'end' on a close and 'error' on an RST.
 */
export type ProbeStream = Duplex & Pick<Socket, 'remoteAddress' | 'remotePort'>;

/** What ended a probe, as reported to the client; null when the owner discarded it. */
export type ProbeEnd = Extract<ProbeEventKind, 'reset' | 'closed'>;

/** The session a probe belongs to. */
export interface ProbeOwner {
  probeEvent(probe: AttachedProbe, event: ProbeEventKind): void;
  probeGone(probe: AttachedProbe, end: ProbeEnd): void;
}

/**
 * A probe connection attached to a session, as the reflector holds it: the socket, its owner and
 * what the reflector did on it. `state` turns 'gone' once, when the probe ended.
 */
export interface AttachedProbe {
  readonly id: ProbeId;
  readonly socket: ProbeStream;
  readonly owner: ProbeOwner;
  state: ProbeState;
  /** performance.now() at attach: when the probe's idle period began on this side. */
  readonly attachedAtMs: number;
  pushes: number;
  echoes: number;
}

const PUSH = Buffer.of(PUSH_BYTE);
const ECHO = Buffer.of(ECHO_BYTE);

const probeOfSocket = new WeakMap<ProbeStream, AttachedProbe>();

/** Creates the record and installs the listeners; the socket stays paused until startProbe(). */
export function createProbe(socket: ProbeStream, id: ProbeId, owner: ProbeOwner): AttachedProbe {
  const probe: AttachedProbe = {
    id,
    socket,
    owner,
    state: 'attached',
    attachedAtMs: performance.now(),
    pushes: 0,
    echoes: 0,
  };
  probeOfSocket.set(socket, probe);
  socket.on('data', probeSocketOnData);
  socket.on('end', probeSocketOnEnd);
  socket.on('error', probeSocketOnError);
  socket.on('close', probeSocketOnClose);
  return probe;
}

/** Handles bytes that arrived together with the hello, then lets the socket flow. */
export function startProbe(probe: AttachedProbe, rest: Buffer): void {
  if (rest.length > 0) probeBytes(probe, rest);
  if (probe.state === 'attached') probe.socket.resume();
}

/** Sends the inbound test byte. Returns false if the probe is already gone. */
export function pushProbe(probe: AttachedProbe): boolean {
  if (probe.state !== 'attached') return false;
  probe.pushes++;
  // A failed write surfaces as 'error' (EPIPE/ECONNRESET) and is reported as 'reset' there.
  probe.socket.write(PUSH);
  probe.owner.probeEvent(probe, 'pushed');
  return true;
}

/** Ends a probe and reports how, once. */
export function endProbe(probe: AttachedProbe, end: ProbeEnd): void {
  if (probe.state === 'gone') return;
  probe.state = 'gone';
  probe.socket.destroy();
  probe.owner.probeGone(probe, end);
}

/** Ends a probe without reporting anything (its session is ending). */
export function discardProbe(probe: AttachedProbe): void {
  if (probe.state === 'gone') return;
  probe.state = 'gone';
  probe.socket.destroy();
}

function probeBytes(probe: AttachedProbe, bytes: Buffer): void {
  for (const byte of bytes) {
    if (probe.state !== 'attached') return;
    if (byte !== PING_BYTE) {
      // The stream has no framing: one unexpected byte and nothing after it can be trusted.
      endProbe(probe, 'closed');
      return;
    }
    probe.echoes++;
    probe.socket.write(ECHO);
    probe.owner.probeEvent(probe, 'echoed');
  }
}

function probeSocketOnData(this: ProbeStream, chunk: Buffer): void {
  const probe = probeOfSocket.get(this);
  if (probe !== undefined) probeBytes(probe, chunk);
}

function probeSocketOnEnd(this: ProbeStream): void {
  const probe = probeOfSocket.get(this);
  if (probe !== undefined) endProbe(probe, 'closed');
}

function probeSocketOnError(this: ProbeStream, error: NodeJS.ErrnoException): void {
  const probe = probeOfSocket.get(this);
  if (probe === undefined) return;
  // RST seen by reading (ECONNRESET) or by writing (EPIPE) is what an evicting middlebox causes.
  // Anything else (ETIMEDOUT after unanswered retransmissions, EHOSTUNREACH) is a loss of the
  // connection the client must judge from its own side; it is reported as a plain close.
  endProbe(probe, error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : 'closed');
}

function probeSocketOnClose(this: ProbeStream): void {
  const probe = probeOfSocket.get(this);
  if (probe !== undefined) endProbe(probe, 'closed');
}
