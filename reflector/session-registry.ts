/**
 * The reflector's live sessions, and the control messages that act on them: a hello starts a
 * session (within the limit on sessions) or resumes one, a push, heartbeat or bye goes to the
 * session its channel is bound to. A session leaves the registry when it ends. The reflector
 * (reflector.ts) owns the sockets and hands it upgraded control channels and probe hellos; this
 * file owns no socket and no timer.
 *
 * Authentication (protocol/auth.ts) is checked here, in this order, so that only a hello that proves
 * the token (or the session's secret) can cost the reflector memory: version, clock skew, MAC
 * (constant-time), then the nonce's replay check. A probe joins its session only once its hello's
 * MAC proves the session's secret; until then nothing is written to it, and a refused one is closed.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  AUTH_SKEW_MS,
  ReplayGuard,
  createNonce,
  helloMac,
  macsEqual,
  probeMac,
  resumeMac,
  sessionSecret,
  withinSkew,
} from '../protocol/auth.js';
import {
  PROTOCOL_VERSION,
  SESSION_ID_BYTES,
  versionMismatch,
  type ClientMessage,
  type ProbeEventKind,
  type ProbeHello,
  type ProbeId,
  type SessionId,
} from '../protocol/wire.js';
import { CLOSE } from './close-codes.js';
import { remoteOf } from './remote-address.js';
import type { ControlConnection } from './control-connection.js';
import type { RefusalReason, RefusalSubject } from './refusal.js';
import type { Admission } from './admission.js';
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
  /** The per-address and total caps a new session or probe must pass (admission.ts). */
  admission: Pick<Admission, 'admitProbe' | 'admitSession'>;
  /** The shared token every hello must prove ('' when the reflector runs without one). */
  token: string;
  /** How far a hello's ts may be from the reflector's clock (default AUTH_SKEW_MS). */
  skewMs?: number | undefined;
  /** The wall clock hellos are judged by, ms (default Date.now; tests move it). */
  wallClockMs?: (() => number) | undefined;
  started: (info: SessionStartInfo) => void;
  ended: (info: SessionEndInfo) => void;
  /**
   * A probe connection was refused (its socket is destroyed), a push named no open probe, a test
   * broke a limit, or a session was ended on one.
   */
  refused: (reason: RefusalReason, on: RefusalSubject, remote: string) => void;
  /** Every probe event of every session, for counters. */
  probeEvent: (event: ProbeEventKind) => void;
}

export class SessionRegistry {
  private readonly sessions = new Map<SessionId, Session>();
  private readonly skewMs: number;
  private readonly wallClockMs: () => number;
  private readonly replays: ReplayGuard;

  constructor(private readonly options: SessionRegistryOptions) {
    this.skewMs = options.skewMs ?? AUTH_SKEW_MS;
    this.wallClockMs = options.wallClockMs ?? Date.now;
    this.replays = new ReplayGuard(this.skewMs);
  }

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

  /**
   * A probe's hello is complete: it joins its session if its MAC proves the session's secret, or
   * the socket is destroyed with nothing written and the session untouched.
   */
  attachProbe(socket: Socket, hello: ProbeHello, rest: Buffer): void {
    const session = this.sessions.get(hello.session);
    // The peer's address is read before destroy(): a destroyed socket no longer knows it.
    if (session === undefined || !macsEqual(probeMac(session.secret, session.id, hello.probe), hello.mac)) {
      const remote = remoteOf(socket);
      socket.destroy();
      this.options.refused('unknown-session', 'probe', remote);
      return;
    }
    const verdict = this.options.admission.admitProbe(socket);
    if (verdict !== null) {
      const remote = remoteOf(socket);
      socket.destroy();
      session.send({
        type: 'error',
        code: verdict.reason,
        message: `probe ${hello.probe} refused: ${verdict.message}`,
      });
      this.options.refused(verdict.reason, 'probe', remote);
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
        'no hello',
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
      // A protocol-1 hello is 28 bytes: its budget leaves room for the short form only.
      const side = hello.version < PROTOCOL_VERSION ? 'client' : 'reflector';
      control.fail(
        'bad-version',
        versionMismatch(PROTOCOL_VERSION, hello.version),
        CLOSE.policyViolation,
        `upgrade ${side}`,
      );
      return;
    }
    const auth = hello.auth;
    if (auth === undefined) {
      control.fail('bad-message', 'hello needs ts, nonce and mac', CLOSE.protocolError);
      return;
    }
    const nowMs = this.wallClockMs();
    if (!withinSkew(auth.ts, nowMs, this.skewMs)) {
      control.fail(
        'unauthorized',
        `hello ts is ${Math.round((auth.ts - nowMs) / 1000)} s off the reflector's clock ` +
          `(at most ${this.skewMs / 1000} s allowed)`,
        CLOSE.policyViolation,
      );
      return;
    }
    if (hello.resume !== undefined) {
      const session = this.sessions.get(hello.resume.session);
      // An unknown session and a wrong proof get the same answer: the reply says nothing of which.
      if (
        session === undefined ||
        session.state === 'ended' ||
        !macsEqual(resumeMac(session.secret, auth.ts, auth.nonce), auth.mac) ||
        !this.admitNonce(control, auth.nonce, auth.ts, nowMs)
      ) {
        // (A replayed resume has been refused by admitNonce already; fail() only answers once.)
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
    if (!macsEqual(helloMac(this.options.token, auth.ts, auth.nonce), auth.mac)) {
      control.fail('unauthorized', "the hello does not prove the reflector's token", CLOSE.policyViolation);
      return;
    }
    if (!this.admitNonce(control, auth.nonce, auth.ts, nowMs)) return;
    if (this.sessions.size >= this.options.maxSessions) {
      control.fail(
        'too-many-sessions',
        `this reflector serves at most ${this.options.maxSessions} sessions at once`,
        CLOSE.policyViolation,
      );
      return;
    }
    const verdict = this.options.admission.admitSession(control.remote);
    if (verdict !== null) {
      // A full reflector may have room later (1013); an address at its own cap must end something first.
      const closeCode =
        verdict.reason === 'too-many-connections' ? CLOSE.tryAgainLater : CLOSE.policyViolation;
      control.fail(verdict.reason, verdict.message, closeCode, verdict.short);
      return;
    }
    const id = randomHex();
    const nonce = createNonce();
    const session = new Session(
      id,
      sessionSecret(this.options.token, auth.nonce, nonce, id),
      nonce,
      this.options.sessionLimits,
      (ended, reason, probes) => this.sessionOnEnd(ended, reason, probes),
      this.options.probeEvent,
      (reason) => this.options.refused(reason, subjectOf(reason), control.remote),
    );
    this.sessions.set(session.id, session);
    control.bind(session);
    session.attachControl(control, false);
    this.options.started({ session: session.id, remote: control.remote, resumed: false, probes: 0 });
  }

  /** Records a proven hello's nonce; refuses (and says why) a replay, or any hello when full. */
  private admitNonce(control: ControlConnection, nonce: string, ts: number, nowMs: number): boolean {
    const admitted = this.replays.admit(nonce, ts, nowMs);
    switch (admitted) {
      case 'admitted':
        return true;
      case 'replayed':
        control.fail('unauthorized', 'this hello was already used (a replay)', CLOSE.policyViolation);
        return false;
      case 'full':
        control.fail('unauthorized', 'too many hellos in the clock-skew window', CLOSE.tryAgainLater);
        return false;
      default: {
        const never: never = admitted;
        throw new Error(`unhandled replay verdict ${String(never)}`);
      }
    }
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

/** A limit that ends a session is the session's refusal; one that refuses a test, its probe's. */
function subjectOf(reason: RefusalReason): RefusalSubject {
  return reason === 'control-backlog' || reason === 'event-rate' || reason === 'session-life'
    ? 'session'
    : 'probe';
}

function randomHex(): string {
  return randomBytes(SESSION_ID_BYTES).toString('hex');
}
