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
 *
 * One test at a time: a test (a PING read, or a push asked for) is outstanding until its answer
 * byte has been handed to the kernel and Node has said so (the write's callback, on the next tick
 * at the earliest). A test that finds MAX_ANSWERS_IN_FLIGHT answers outstanding, or an answer still
 * in Node's write buffer (a peer that let its receive window close), closes the probe
 * ('test-outstanding'): the reflector never holds more than that many answer bytes per probe, and a
 * burst of PINGs in one read ends at its third. Why two and not one: an honest client has at most
 * one test in flight per probe, except that a verification's heartbeat PING may be followed 250 ms
 * later by its test PING before the heartbeat's echo came back, and a stall of the reflector's
 * loop longer than that delivers both in one read. Discovery itself sends one PING per test, the
 * next only after reading the echo. Each test is first admitted by the owner (the session's rate
 * and idle limits), which may refuse it and end the probe or the session.
 *
 * Paused (the session's control channel is not draining), a probe's socket is not read: the
 * client's bytes wait in the kernel and TCP's window holds the sender back. Pausing sends nothing.
 */
import type { Socket } from 'node:net';
import { ECHO_BYTE, PING_BYTE, PUSH_BYTE, type ProbeEventKind, type ProbeId } from '../protocol/wire.js';

export type ProbeState = 'attached' | 'gone';

/** What ended a probe, as reported to the client; null when the owner discarded it. */
export type ProbeEnd = Extract<ProbeEventKind, 'reset' | 'closed'>;

/** The session a probe belongs to. */
export interface ProbeOwner {
  probeEvent(probe: AttachedProbe, event: ProbeEventKind): void;
  probeGone(probe: AttachedProbe, end: ProbeEnd): void;
  /**
   * A test is about to be answered: true to answer it; false when the owner refused it (it has
   * then ended the probe or its own session itself).
   */
  admitTest(probe: AttachedProbe, kind: TestKind): boolean;
  /** The probe broke the one-test rule; it is ended right after this call. */
  testOutstanding(probe: AttachedProbe, kind: TestKind): void;
}

/** The two tests: the reflector pushes (inbound) or echoes a ping (outbound). */
export type TestKind = Extract<ProbeEventKind, 'pushed' | 'echoed'>;

/** What pushProbe() did. */
export type PushResult = 'pushed' | 'gone' | 'refused';

/**
 * A probe connection attached to a session, as the reflector holds it: the socket, its owner and
 * what the reflector did on it. `state` turns 'gone' once, when the probe ended.
 */
export interface AttachedProbe {
  readonly id: ProbeId;
  readonly socket: Socket;
  readonly owner: ProbeOwner;
  state: ProbeState;
  /** performance.now() at attach: when the probe's idle period began on this side. */
  readonly attachedAtMs: number;
  pushes: number;
  echoes: number;
  /** Answers written whose write has not yet completed (see MAX_ANSWERS_IN_FLIGHT). */
  answersInFlight: number;
  /** performance.now() at attach or at the last test: the probe's idle period began then. */
  lastTestMs: number;
}

/** Answers a probe may have in flight before its next test closes it (see the header: why two). */
export const MAX_ANSWERS_IN_FLIGHT = 2;

const PUSH = Buffer.of(PUSH_BYTE);
const ECHO = Buffer.of(ECHO_BYTE);

const probeOfSocket = new WeakMap<Socket, AttachedProbe>();

/** Creates the record and installs the listeners; the socket stays paused until startProbe(). */
export function createProbe(socket: Socket, id: ProbeId, owner: ProbeOwner): AttachedProbe {
  const probe: AttachedProbe = {
    id,
    socket,
    owner,
    state: 'attached',
    attachedAtMs: performance.now(),
    pushes: 0,
    echoes: 0,
    answersInFlight: 0,
    lastTestMs: 0,
  };
  probe.lastTestMs = probe.attachedAtMs;
  probeOfSocket.set(socket, probe);
  socket.on('data', probeSocketOnData);
  socket.on('end', probeSocketOnEnd);
  socket.on('error', probeSocketOnError);
  socket.on('close', probeSocketOnClose);
  return probe;
}

/** Handles bytes that arrived together with the hello, then lets the socket flow unless `paused`. */
export function startProbe(probe: AttachedProbe, rest: Buffer, paused = false): void {
  if (rest.length > 0) probeBytes(probe, rest);
  if (probe.state === 'attached' && !paused) probe.socket.resume();
}

/** Stops reading the probe's socket (nothing is sent). */
export function pauseProbe(probe: AttachedProbe): void {
  if (probe.state === 'attached') probe.socket.pause();
}

/** Reads the probe's socket again after pauseProbe(). */
export function resumeProbe(probe: AttachedProbe): void {
  if (probe.state === 'attached') probe.socket.resume();
}

/** Sends the inbound test byte, if the owner admits the test and none is outstanding. */
export function pushProbe(probe: AttachedProbe): PushResult {
  if (probe.state !== 'attached') return 'gone';
  if (answerPending(probe)) {
    probe.owner.testOutstanding(probe, 'pushed');
    endProbe(probe, 'closed');
    return 'refused';
  }
  if (!probe.owner.admitTest(probe, 'pushed')) return 'refused';
  probe.pushes++;
  writeAnswer(probe, PUSH);
  probe.owner.probeEvent(probe, 'pushed');
  return 'pushed';
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
    if (answerPending(probe)) {
      probe.owner.testOutstanding(probe, 'echoed');
      endProbe(probe, 'closed');
      return;
    }
    if (!probe.owner.admitTest(probe, 'echoed')) return;
    probe.echoes++;
    writeAnswer(probe, ECHO);
    probe.owner.probeEvent(probe, 'echoed');
  }
}

/**
 * True when one more test would be one too many: MAX_ANSWERS_IN_FLIGHT answers not yet completed,
 * or an answer still in Node's write buffer (the kernel takes a write at once when it has room, so
 * only a peer that does not read leaves one there).
 */
function answerPending(probe: AttachedProbe): boolean {
  return probe.answersInFlight >= MAX_ANSWERS_IN_FLIGHT || probe.socket.writableLength > 0;
}

/** Writes a test's answer byte; a failed write surfaces as 'error' and is reported as 'reset' there. */
function writeAnswer(probe: AttachedProbe, byte: Buffer): void {
  probe.answersInFlight++;
  probe.socket.write(byte, () => {
    probe.answersInFlight--;
  });
}

function probeSocketOnData(this: Socket, chunk: Buffer): void {
  const probe = probeOfSocket.get(this);
  if (probe !== undefined) probeBytes(probe, chunk);
}

function probeSocketOnEnd(this: Socket): void {
  const probe = probeOfSocket.get(this);
  if (probe !== undefined) endProbe(probe, 'closed');
}

function probeSocketOnError(this: Socket, error: NodeJS.ErrnoException): void {
  const probe = probeOfSocket.get(this);
  if (probe === undefined) return;
  // RST seen by reading (ECONNRESET) or by writing (EPIPE) is what an evicting middlebox causes.
  // Anything else (ETIMEDOUT after unanswered retransmissions, EHOSTUNREACH) is a loss of the
  // connection the client must judge from its own side; it is reported as a plain close.
  endProbe(probe, error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : 'closed');
}

function probeSocketOnClose(this: Socket): void {
  const probe = probeOfSocket.get(this);
  if (probe !== undefined) endProbe(probe, 'closed');
}
