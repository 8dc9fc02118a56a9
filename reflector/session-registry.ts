/**
 * The reflector's live sessions, and the control messages that act on them: a hello starts a
 * session (within the limit on sessions) or resumes one (its token compared in constant time), a
 * push, heartbeat or bye goes to the session its channel is bound to. A session leaves the registry
 * when it ends. The reflector (reflector.ts) owns the sockets and hands it upgraded control
 * channels and attached probes; this file owns no socket and no timer.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  PROTOCOL_VERSION,
  SESSION_ID_BYTES,
  type ClientMessage,
  type ProbeEventKind,
  type ProbeHello,
  type ProbeId,
  type SessionId,
} from '../protocol/wire.js';
import { CLOSE } from './close-codes.js';
import { remoteOf } from './remote-address.js';
import type { ControlConnection } from './control-connection.js';
import type { RefusalReason } from './refusal.js';
import { Session, type AttachResult, type SessionEndReason, type SessionLimits } from './session.js';

export interface SessionStartInfo {
  session: SessionId;
  remote: string;
  resumed: boolean;
  probes: number;
}

export interface SessionEndInfo {
  session: SessionId;
  reason: SessionEndReason;
  probes: number;
  droppedMessages: number;
}

export interface SessionRegistryOptions {
  /** Sessions served at once, at most. */
  maxSessions: number;
  /** What each new session is given. */
  sessionLimits: SessionLimits;
  started: (info: SessionStartInfo) => void;
  ended: (info: SessionEndInfo) => void;
  /** A probe connection was refused (its socket is destroyed), or a push named no open probe. */
  refused: (reason: RefusalReason, on: 'control' | 'probe', remote: string) => void;
  /** Every probe event of every session, for counters. */
  probeEvent: (event: ProbeEventKind) => void;
}

export class SessionRegistry {
  private readonly sessions = new Map<SessionId, Session>();

  constructor(private readonly options: SessionRegistryOptions) {}

  /** Live sessions, connected or waiting for a resume. */
  get size(): number {
    return this.sessions.size;
  }

  /** Attached probe connections, over all sessions. */
  probeCount(): number {
    let probes = 0;
    for (const session of this.sessions.values()) probes += session.probes.size;
    return probes;
  }

  /** The reflector-side socket of an open probe, for diagnostics and tests. Never write to it. */
  probeSocket(session: SessionId, probe: ProbeId): Socket | undefined {
    return this.sessions.get(session)?.probeSocket(probe);
  }

  /** A probe's hello is complete: it joins its session, or the socket is destroyed. */
  attachProbe(socket: Socket, hello: ProbeHello, rest: Buffer): void {
    const session = this.sessions.get(hello.session);
    // The peer's address is read before destroy(): a destroyed socket no longer knows it.
    if (session === undefined) {
      const remote = remoteOf(socket);
      socket.destroy();
      this.options.refused('unknown-session', 'probe', remote);
      return;
    }
    const result = session.attachProbe(socket, hello.probe, rest);
    if (result === 'attached') return;
    const remote = remoteOf(socket);
    socket.destroy();
    this.options.refused(refusalOfAttach(result), 'probe', remote);
  }

  /** Ends every session (each leaves the registry as it ends). */
  endAll(reason: SessionEndReason): void {
    for (const session of [...this.sessions.values()]) session.end(reason);
  }

  onMessage(control: ControlConnection, message: ClientMessage): void {
    if (message.type === 'hello') {
      this.hello(control, message);
      return;
    }
    const session = control.session;
    if (session === null) {
      control.fail(
        'bad-message',
        `the first message must be hello, got ${message.type}`,
        CLOSE.protocolError,
      );
      return;
    }
    switch (message.type) {
      case 'push':
        if (!session.push(message.probe)) this.options.refused('unknown-probe', 'control', control.remote);
        return;
      case 'heartbeat':
        control.send({ type: 'heartbeat-ack', seq: message.seq });
        return;
      case 'bye':
        session.end('bye');
        return;
      default: {
        const never: never = message;
        throw new Error(`unhandled client message ${JSON.stringify(never)}`);
      }
    }
  }

  private hello(control: ControlConnection, hello: Extract<ClientMessage, { type: 'hello' }>): void {
    if (control.session !== null) {
      control.fail('bad-message', 'hello sent twice', CLOSE.protocolError);
      return;
    }
    if (hello.version !== PROTOCOL_VERSION) {
      control.fail(
        'bad-version',
        `this reflector speaks protocol v${PROTOCOL_VERSION}, not v${hello.version}`,
        CLOSE.policyViolation,
      );
      return;
    }
    if (hello.resume !== undefined) {
      const session = this.sessions.get(hello.resume.session);
      if (
        session === undefined ||
        session.state === 'ended' ||
        !sameToken(session.token, hello.resume.token)
      ) {
        control.fail(
          'unknown-session',
          'no such session: it ended, expired or never existed',
          CLOSE.policyViolation,
        );
        return;
      }
      control.bind(session);
      session.attachControl(control, true);
      this.options.started({
        session: session.id,
        remote: control.remote,
        resumed: true,
        probes: session.probes.size,
      });
      return;
    }
    if (this.sessions.size >= this.options.maxSessions) {
      control.fail(
        'too-many-sessions',
        `this reflector serves at most ${this.options.maxSessions} sessions at once`,
        CLOSE.policyViolation,
      );
      return;
    }
    const session = new Session(
      randomHex(),
      randomHex(),
      this.options.sessionLimits,
      (ended, reason, probes) => this.sessionOnEnd(ended, reason, probes),
      this.options.probeEvent,
    );
    this.sessions.set(session.id, session);
    control.bind(session);
    session.attachControl(control, false);
    this.options.started({ session: session.id, remote: control.remote, resumed: false, probes: 0 });
  }

  private sessionOnEnd(session: Session, reason: SessionEndReason, probes: number): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    this.options.ended({
      session: session.id,
      reason,
      probes,
      droppedMessages: session.droppedMessages,
    });
  }
}

function refusalOfAttach(result: Exclude<AttachResult, 'attached'>): RefusalReason {
  switch (result) {
    case 'duplicate':
      return 'duplicate-probe';
    case 'too-many-probes':
      return 'too-many-probes';
    case 'session-ended':
      return 'unknown-session';
    default: {
      const never: never = result;
      throw new Error(`unhandled attach result ${JSON.stringify(never)}`);
    }
  }
}

function randomHex(): string {
  return randomBytes(SESSION_ID_BYTES).toString('hex');
}

function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(given, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
