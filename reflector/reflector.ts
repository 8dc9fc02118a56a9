/**
 * The reflector: the server end of every idlescope measurement.
 *
 * One TCP port carries both kinds of connection; the first bytes decide which (protocol/wire.ts):
 *
 *   accept --setTimeout(0), keepalive off, nodelay--> sniff first bytes
 *     "GET "  -> internal HTTP server (never listening) -> upgrade on CONTROL_PATH -> ControlConnection
 *              (any other GET: /, /healthz, /metrics or 404, then closed: http-endpoints.ts)
 *     "IDLS"  -> read exactly PROBE_HELLO_BYTES -> hello deadline cleared -> MAC checked -> attached
 *     else    -> destroyed
 *
 * Guarantees
 * - Measurement integrity: once a probe's hello is complete, the reflector never writes to, times or
 *   keeps alive that socket on its own. It writes PUSH_BYTE only when the client asks over the
 *   control channel and ECHO_BYTE only in answer to PING_BYTE. No Node socket timeout, no TCP
 *   keepalive, no ws ping ever touches a probe. The hello deadline is a plain timer the reflector
 *   owns, cleared the moment the last hello byte is read.
 * - Isolation: a malformed, oversized or binary control message, a garbage connection or a slow
 *   hello closes that one connection; every other session keeps being served.
 * - Bounded state: only live sessions are kept. Limits on sessions and queued messages per
 *   detached session come from protocol/wire.ts and can be lowered in the options; sessions and
 *   connections per address, connections in all (below the open-file limit) and probes per session
 *   are admission.ts's, checked at accept, at a probe hello and at a session hello.
 * - close() ends every session and resolves once every accepted socket is closed. While it drains
 *   (at most closeHandshakeMs) the port still answers plain HTTP, so /healthz says 503 to whoever asks;
 *   it stops listening when the drain ends.
 * - Counting: every refusal is a 'refused' event and a counter (metrics.ts); counting reads socket
 *   byte counts and never writes, so it keeps the measurement-integrity rule.
 * - No amplification before auth: until a control channel's hello has proved the token, the
 *   reflector never writes more bytes on a socket than it has read from it (pre-auth-budget.ts). An
 *   answer that would not fit is not sent: the socket is closed. A probe is written to only after
 *   its hello's MAC checked out (session-registry.ts).
 *
 * The sessions, and the control messages that act on them (hello, resume, push, heartbeat, bye), are
 * session-registry.ts's; this file owns the port, every accepted socket and its hello deadline.
 *
 * Accuracy: the reflector timestamps nothing that the client relies on; its events only say WHAT
 * happened on its side (attached, pushed, echoed, reset, closed), the client does the timing.
 *
 * Over 400 lines because the accept path, the hello deadline and the drain share one socket set and
 * one state; split, each half would reach into the other's.
 *
 * A resumed welcome lists every open probe id: up to MAX_PROBES_PER_SESSION of them, which is why
 * the client accepts reflector messages up to MAX_REFLECTOR_MESSAGE_BYTES, not the client limit.
 */
import { EventEmitter } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CONTROL_PATH,
  CONTROL_SILENCE_LIMIT_MS,
  MAX_SESSIONS,
  type ClientMessage,
  SESSION_RESUME_GRACE_MS,
  type ProbeId,
  type SessionId,
} from '../protocol/wire.js';
import { AUTH_SKEW_MS, secretsEqual } from '../protocol/auth.js';
import { formatHostPort, type HostPort } from '../protocol/address.js';
import { sniffConnection, type SniffOutcome } from './connection-sniffer.js';
import { CLOSE } from './close-codes.js';
import { ControlConnection } from './control-connection.js';
import { connectionLimits, type ConnectionLimits, type GivenLimits } from './connection-limits.js';
import {
  BANNER,
  NOT_FOUND,
  UPGRADE_RESPONSE_BYTES,
  fitsPreAuthBudget,
  isPlainUpgrade,
} from './pre-auth-budget.js';
import { SessionRegistry, type SessionEndInfo, type SessionStartInfo } from './session-registry.js';
import { ReflectorListenError, ReflectorStateError } from '../protocol/errors.js';
import { answerHttp, pathOf } from './http-endpoints.js';
import { remoteOf } from './remote-address.js';
import { ReflectorMetrics } from './metrics.js';
import type { RefusalInfo, RefusalReason, RefusalSubject } from './refusal.js';
import { Admission } from './admission.js';
import { resolveAdmissionLimits, type AdmissionLimits, type AdmissionOptions } from './admission-limits.js';

/** Messages a detached session queues for its client at most. */
export const MAX_QUEUED_MESSAGES = 4096;

/** How long close() lets control channels finish their close handshake before cutting them. */
export const CLOSE_HANDSHAKE_MS = 1000;

/** Also the admission limits (admission-limits.ts): per address, per session and in all. */
export interface ReflectorOptions extends AdmissionOptions {
  /** A new connection must be a complete probe hello or an upgraded control channel by then. */
  helloTimeoutMs?: number | undefined;
  /** A control channel silent this long is closed. */
  silenceLimitMs?: number | undefined;
  /** How long a session outlives its control channel, waiting for a resume. */
  resumeGraceMs?: number | undefined;
  maxSessions?: number | undefined;
  /** Messages queued per detached session; the oldest are dropped beyond this. */
  maxQueuedMessages?: number | undefined;
  /** How long close() waits for close handshakes before destroying what is left. */
  closeHandshakeMs?: number | undefined;
  /** Adds prom-client's process metrics (RSS, file descriptors, event-loop lag) to /metrics. */
  processMetrics?: boolean | undefined;
  /** The shared secret every hello must prove (protocol/auth.ts); '' or absent: the empty token. */
  token?: string | undefined;
  /** How far a hello's timestamp may be from this reflector's clock. */
  authSkewMs?: number | undefined;
  /** The wall clock hellos are judged by, ms since the epoch (default Date.now; tests move it). */
  wallClockMs?: (() => number) | undefined;
  /** Per-connection and per-session limits (connection-limits.ts); helloTimeoutMs above wins. */
  connectionLimits?: GivenLimits | undefined;
}

/** Bytes read from and written to every accepted socket since the reflector started. */
export interface ReflectorTraffic {
  bytesIn: number;
  bytesOut: number;
}

export interface ReflectorStats {
  /** Live sessions, connected or waiting for a resume. */
  sessions: number;
  /** Attached probe connections, over all sessions. */
  probes: number;
  /** Every accepted socket not yet closed: probes, control channels and undecided ones. */
  connections: number;
  /** Upgraded control channels. */
  controls: number;
  /** Accepted sockets still inside their hello deadline. */
  pending: number;
}

export type { SessionEndInfo, SessionStartInfo } from './session-registry.js';
export type { RefusalInfo, RefusalReason } from './refusal.js';

export interface ReflectorEvents {
  'session-start': [info: SessionStartInfo];
  'session-end': [info: SessionEndInfo];
  /** Something was turned away (the peer was told, or its socket destroyed). */
  refused: [info: RefusalInfo];
  /** Something worth a log line that did not stop the reflector (for example EMFILE on accept). */
  warning: [message: string];
}

export type ReflectorState = 'idle' | 'binding' | 'listening' | 'closing' | 'closed';

type Limits = Required<{
  [
    K in keyof Omit<
      ReflectorOptions,
      'processMetrics' | 'token' | 'wallClockMs' | 'connectionLimits' | keyof AdmissionOptions
    >
  ]: number;
}>;

export class Reflector extends EventEmitter<ReflectorEvents> {
  private state: ReflectorState = 'idle';
  private readonly limits: Limits;
  /** The shared secret hellos prove; /metrics asks for it too (http-endpoints.ts). */
  private readonly token: string;
  private readonly server: NetServer;
  private readonly http: HttpServer;
  private readonly wss: WebSocketServer;
  /** Every accepted socket until its 'close'. */
  private readonly sockets = new Set<Socket>();
  /** Accepted sockets still under their hello deadline, with that deadline's timer. */
  private readonly pending = new Map<Socket, NodeJS.Timeout>();
  /** When each pending socket was accepted: a control channel's hello deadline counts from it. */
  private readonly acceptedAtMs = new WeakMap<Socket, number>();
  private readonly connectionLimits: ConnectionLimits;
  private readonly controls = new Set<ControlConnection>();
  private readonly sessions: SessionRegistry;
  /** Who may open one more socket, session or probe (admission.ts). */
  private readonly admission: Admission;
  /** What /metrics serves. */
  readonly metrics: ReflectorMetrics;
  /** The final byte counts of sockets already closed (live ones are summed at each read). */
  private readonly closedTraffic: ReflectorTraffic = { bytesIn: 0, bytesOut: 0 };
  /** One listener shared by every socket, so tracking costs no closure per connection. */
  private readonly socketOnClose: (this: Socket) => void;
  private closing: Promise<void> | null = null;
  private onDrained: (() => void) | null = null;

  constructor(options: ReflectorOptions = {}) {
    super();
    this.token = options.token ?? '';
    this.connectionLimits = connectionLimits({
      ...options.connectionLimits,
      helloTimeoutMs: options.helloTimeoutMs ?? options.connectionLimits?.helloTimeoutMs,
    });
    this.limits = {
      helloTimeoutMs: this.connectionLimits.helloTimeoutMs,
      silenceLimitMs: options.silenceLimitMs ?? CONTROL_SILENCE_LIMIT_MS,
      resumeGraceMs: options.resumeGraceMs ?? SESSION_RESUME_GRACE_MS,
      maxSessions: options.maxSessions ?? MAX_SESSIONS,
      maxQueuedMessages: options.maxQueuedMessages ?? MAX_QUEUED_MESSAGES,
      closeHandshakeMs: options.closeHandshakeMs ?? CLOSE_HANDSHAKE_MS,
      authSkewMs: options.authSkewMs ?? AUTH_SKEW_MS,
    };
    const admission = new Admission(resolveAdmissionLimits(options));
    this.admission = admission;
    this.sessions = new SessionRegistry({
      maxSessions: this.limits.maxSessions,
      sessionLimits: {
        maxProbes: admission.limits.maxProbesPerSession,
        resumeGraceMs: this.limits.resumeGraceMs,
        // Never longer than the resume grace: a session with probes must not go sooner than one without.
        unattachedGraceMs: Math.min(admission.limits.unattachedGraceMs, this.limits.resumeGraceMs),
        backlogLimit: this.limits.maxQueuedMessages,
        ...this.connectionLimits,
      },
      admission,
      token: options.token ?? '',
      skewMs: this.limits.authSkewMs,
      wallClockMs: options.wallClockMs,
      started: (info) => {
        if (!info.resumed) admission.sessionStarted(info.session, info.remote);
        this.metrics.sessionStarted(info.resumed);
        this.emit('session-start', info);
      },
      ended: (info) => {
        admission.sessionEnded(info.session);
        this.metrics.sessionEnded(info.reason);
        this.emit('session-end', info);
      },
      refused: (reason, on, remote) => this.refuse(reason, on, remote),
      probeEvent: (event) => this.metrics.probeEvent(event),
    });
    this.metrics = new ReflectorMetrics(this, { processMetrics: options.processMetrics });
    const sockets = this.sockets;
    const pending = this.pending;
    const closedTraffic = this.closedTraffic;
    const drainedCheck = (): void => this.checkDrained();
    this.socketOnClose = function (this: Socket): void {
      sockets.delete(this);
      admission.connectionClosed(this);
      closedTraffic.bytesIn += this.bytesRead;
      closedTraffic.bytesOut += this.bytesWritten;
      const timer = pending.get(this);
      if (timer !== undefined) {
        clearTimeout(timer);
        pending.delete(this);
      }
      drainedCheck();
    };

    this.server = createNetServer({ noDelay: true, keepAlive: false }, (socket) =>
      this.serverOnConnection(socket),
    );
    // Errors while binding are listen()'s to report; later ones (EMFILE on accept) must not crash.
    this.server.on('error', (error) => {
      if (this.state === 'listening') this.emit('warning', `listening socket error: ${error.message}`);
    });
    // No Host header required: Node's own 400 for a missing one would answer 18 bytes with about 100.
    this.http = createHttpServer({ requireHostHeader: false }, (request, response) =>
      this.httpOnRequest(request, response),
    );
    this.http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.httpOnUpgrade(request, socket, head),
    );
    this.http.on('clientError', (_error, socket: Duplex) => socket.destroy());
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.connectionLimits.maxMessageBytes,
      perMessageDeflate: false,
    });
  }

  /** Binds the port; resolves with the address actually bound (port 0 picks a free one). */
  listen(host: string, port: number): Promise<HostPort> {
    if (this.state !== 'idle')
      return Promise.reject(new ReflectorStateError(`listen() called while ${this.state}`));
    this.state = 'binding';
    return new Promise<HostPort>((resolve, reject) => {
      const serverOnError = (error: Error): void => {
        this.server.off('listening', serverOnListening);
        if (this.state === 'binding') this.state = 'idle';
        reject(new ReflectorListenError(host, port, error));
      };
      const serverOnListening = (): void => {
        this.server.off('error', serverOnError);
        if (this.state !== 'binding') {
          reject(new ReflectorStateError(`closed while binding ${formatHostPort({ host, port })}`));
          return;
        }
        this.state = 'listening';
        resolve(this.boundAddress());
      };
      this.server.once('error', serverOnError);
      this.server.once('listening', serverOnListening);
      this.server.listen({ host, port });
    });
  }

  /** The bound address, or null before listen() resolved. */
  address(): HostPort | null {
    return this.state === 'listening' ? this.boundAddress() : null;
  }

  stats(): ReflectorStats {
    return {
      sessions: this.sessions.size,
      probes: this.sessions.probeCount(),
      connections: this.sockets.size,
      controls: this.controls.size,
      pending: this.pending.size,
    };
  }

  /** The admission limits in force (admission-limits.ts), with the open-file limit they came from. */
  admissionLimits(): AdmissionLimits {
    return this.admission.limits;
  }

  /** Bytes read and written so far, over every socket accepted (property reads: nothing is sent). */
  traffic(): ReflectorTraffic {
    let { bytesIn, bytesOut } = this.closedTraffic;
    for (const socket of this.sockets) {
      bytesIn += socket.bytesRead;
      bytesOut += socket.bytesWritten;
    }
    return { bytesIn, bytesOut };
  }

  /** The reflector-side socket of an open probe, for diagnostics and tests. Never write to it. */
  probeSocket(session: SessionId, probe: ProbeId): Socket | undefined {
    return this.sessions.probeSocket(session, probe);
  }

  /**
   * Ends every session (probes destroyed, control channels closed with 1001), stops listening once
   * drained (or after closeHandshakeMs) and resolves when every accepted socket is closed. Safe to
   * call more than once.
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    const wasBound = this.state === 'listening' || this.state === 'binding';
    this.state = 'closing';
    // server.close() without a callback is harmless when already closed, so both paths may call it.
    const stopListening = (): void => {
      if (wasBound) this.server.close();
    };
    this.closing = new Promise<void>((resolve) => {
      this.sessions.endAll('reflector closing');
      for (const control of this.controls) control.close(CLOSE.goingAway, 'reflector closing');
      for (const socket of [...this.pending.keys()]) socket.destroy();
      this.wss.close();
      // Close handshakes get a moment; whatever is still open after it is cut.
      const cutoff = setTimeout(() => {
        stopListening();
        for (const control of this.controls) control.terminate();
        for (const socket of this.sockets) socket.destroy();
      }, this.limits.closeHandshakeMs);
      this.onDrained = () => {
        clearTimeout(cutoff);
        stopListening();
        this.state = 'closed';
        resolve();
      };
      this.checkDrained();
    });
    return this.closing;
  }

  private boundAddress(): HostPort {
    const address = this.server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  private checkDrained(): void {
    if (this.onDrained === null || this.sockets.size > 0) return;
    const drained = this.onDrained;
    this.onDrained = null;
    drained();
  }

  private serverOnConnection(socket: Socket): void {
    // Nothing inside Node may act on idleness: these are the measurement's own terms.
    socket.setTimeout(0);
    socket.setKeepAlive(false);
    socket.setNoDelay(true);
    socket.on('error', swallow);
    // While closing, a new connection may only be plain HTTP (/healthz answers 503): socketSniffed.
    if (this.state !== 'listening' && this.state !== 'closing') {
      socket.destroy();
      return;
    }
    // Over a cap: destroyed before it costs a timer, a parser or a byte (admission.ts); at the total
    // cap the oldest socket still without a complete hello may make room for it instead.
    const { verdict, displaced } = this.admission.admitAtAccept(socket, this.pending.keys().next().value);
    if (displaced !== null) this.cut(displaced, 'too-many-connections');
    if (verdict !== null) {
      this.cut(socket, verdict.reason);
      return;
    }
    this.sockets.add(socket);
    socket.on('close', this.socketOnClose);
    this.acceptedAtMs.set(socket, performance.now());
    this.pending.set(
      socket,
      setTimeout(() => {
        this.refuse('hello-timeout', 'connection', remoteOf(socket));
        socket.destroy();
      }, this.limits.helloTimeoutMs),
    );
    sniffConnection(socket, (outcome) => this.socketSniffed(socket, outcome));
  }

  /** Refuses an accepted socket with nothing said: destroyed, counted and logged. */
  private cut(socket: Socket, reason: RefusalReason): void {
    this.refuse(reason, 'connection', remoteOf(socket));
    socket.destroy();
  }

  private clearHelloDeadline(socket: Socket): void {
    this.acceptedAtMs.delete(socket);
    const timer = this.pending.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.pending.delete(socket);
  }

  private socketSniffed(socket: Socket, outcome: SniffOutcome): void {
    switch (outcome.kind) {
      case 'garbage':
        this.refuse('garbage', 'connection', remoteOf(socket));
        socket.destroy();
        return;
      case 'probe':
        if (this.state !== 'listening') {
          socket.destroy();
          return;
        }
        // The hello is complete: from this instant nothing of ours may fire on this socket.
        this.clearHelloDeadline(socket);
        this.sessions.attachProbe(socket, outcome.hello, outcome.rest);
        return;
      case 'control':
        // The deadline stays until the upgrade completes, so a stalled handshake is cut too.
        socket.unshift(outcome.head);
        this.http.emit('connection', socket);
        socket.resume();
        return;
      default: {
        const never: never = outcome;
        throw new Error(`unhandled sniff outcome ${JSON.stringify(never)}`);
      }
    }
  }

  private httpOnRequest(request: IncomingMessage, response: ServerResponse): void {
    answerHttp(request, response, {
      banner: BANNER,
      healthy: () => this.state === 'listening',
      metrics: () => this.metrics.render(),
      fits: (bytes) => fitsPreAuthBudget(request.socket, bytes),
      metricsAllowed: (r) =>
        this.token === '' || secretsEqual(`Bearer ${this.token}`, r.headers.authorization ?? ''),
    });
  }

  private refuse(reason: RefusalReason, on: RefusalSubject, remote: string): void {
    this.metrics.refused(reason);
    this.emit('refused', { reason, on, remote });
  }

  private httpOnUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const raw = request.socket;
    if (this.state !== 'listening' || pathOf(request.url) !== CONTROL_PATH) {
      if (!fitsPreAuthBudget(raw, NOT_FOUND.length)) {
        socket.destroy();
        return;
      }
      socket.once('finish', () => socket.destroy());
      socket.end(NOT_FOUND);
      return;
    }
    // ws answers a malformed upgrade with a 400 page that may outweigh it: such a one is just closed,
    // and a plain one is answered with exactly UPGRADE_RESPONSE_BYTES, if the request paid for them.
    if (!isPlainUpgrade(request) || !fitsPreAuthBudget(raw, UPGRADE_RESPONSE_BYTES)) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.controlOpened(ws, raw));
  }

  private controlOpened(ws: WebSocket, socket: Socket): void {
    const acceptedAtMs = this.acceptedAtMs.get(socket) ?? performance.now();
    this.clearHelloDeadline(socket);
    if (this.state !== 'listening') {
      ws.terminate();
      return;
    }
    const limits = this.connectionLimits;
    const helloDeadlineMs = limits.helloTimeoutMs - (performance.now() - acceptedAtMs);
    const handlers = {
      message: (from: ControlConnection, message: ClientMessage) => this.sessions.onMessage(from, message),
      closed: (from: ControlConnection) => this.controlOnClosed(from),
      failed: (from: ControlConnection, code: RefusalReason) => this.refuse(code, 'control', from.remote),
    };
    const control = new ControlConnection(
      ws,
      socket,
      remoteOf(socket),
      this.limits.silenceLimitMs,
      handlers,
      {
        ...limits,
        helloDeadlineMs,
      },
    );
    this.controls.add(control);
  }

  private controlOnClosed(control: ControlConnection): void {
    this.controls.delete(control);
    control.session?.detachControl(control);
  }
}

function swallow(): void {}
