/**
 * The client's control channel to the reflector: a WebSocket carrying JSON messages, kept busy
 * with a heartbeat every CONTROL_HEARTBEAT_INTERVAL_MS so that no middlebox ever evicts it (the
 * probes must be the only idle connections). The heartbeat also measures the round-trip time,
 * which sizes the grace window for silent drops.
 *
 * Lifecycle: connect() resolves on the reflector's welcome. It rejects when the TCP connection
 * takes over CONNECT_TIMEOUT_MS, and when whatever accepted it does not answer the upgrade within
 * ANSWER_TIMEOUT_MS or answers as something else (handshake-failure.ts says what it was).
 *
 * If the channel later dies or falls silent for CONTROL_SILENCE_LIMIT_MS, it emits 'interrupted'
 * and tries to resume the same session (the reflector keeps it, and the idle probes with it, for
 * SESSION_RESUME_GRACE_MS): 'resumed' on success, else exactly one 'gone'. A refused connection,
 * or something that is not a reflector answering, ends the attempts at once: the session is gone
 * with the process that held it. Nothing after close().
 *
 *   open ──(dies)──► resuming ──(welcome, resumed)──► open
 *                        └──(refused, not a reflector, unknown session, window over)
 *                                 ──► closed + 'gone'
 *
 * Authentication (protocol/auth.ts): the hello proves the token (options.token, '' by default)
 * over the wall clock and a fresh nonce; from the welcome's nonce the channel derives the session's
 * secret, which it never sends: `credentials` hands it to the probes (their hello MACs) and each
 * resume proves it again. The hello itself and a refusal's words are session-hello.ts's.
 *
 * (About 480 lines, one state machine: the handshake with its failure modes, and the resume loop
 * that reuses it. Splitting them would put one `open()` in two files.)
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import {
  CONTROL_HEARTBEAT_INTERVAL_MS,
  CONTROL_PATH,
  CONTROL_SILENCE_LIMIT_MS,
  MAX_REFLECTOR_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  decodeReflectorMessage,
  encodeMessage,
  sessionLimitText,
  versionMismatch,
  type ClientMessage,
  type ProbeEventKind,
  type SeenEndpoint,
  type ProbeId,
  type ReflectorMessage,
  type SessionId,
} from '../../protocol/wire.js';
import { createNonce, sessionSecret, type SessionCredentials } from '../../protocol/auth.js';
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import {
  NotAReflectorError,
  ReflectorRefusedError,
  ReflectorUnreachableError,
  describeCause,
  type IdlescopeError,
} from '../../protocol/errors.js';
import { handshakeFailure, type HandshakeStage } from './handshake-failure.js';
import { connectControl, type ControlSocket } from '../transport/connect-control.js';
import { ControlHeartbeat } from './control-heartbeat.js';
import { CAPACITY_REFUSALS, refusalText, sessionHello } from './session-hello.js';
import { directDialer, type RawDialer } from '../transport/raw-dialer.js';
import type { TlsLayer } from '../transport/probe-transport.js';

export interface ControlChannelEvents {
  /** `seen`: with 'attached', where the reflector saw the probe come from (null: not said). */
  probe: [probe: ProbeId, event: ProbeEventKind, seen: SeenEndpoint | null];
  /** The channel dropped; resuming. Commands sent now are lost. */
  interrupted: [why: string];
  /** The same session again, with the probes the reflector still holds. */
  resumed: [probes: ProbeId[]];
  /** The reflector is gone for good: the session could not be resumed. Emitted once, then nothing. */
  gone: [why: string];
  /** The reflector will hold no more probes for this session (CAPACITY_REFUSALS), in words. */
  refused: [why: string];
}

/** What the channel has carried, over every WebSocket it opened. */
export interface ControlTraffic {
  /** WebSocket connections upgraded (one, plus one per resume). */
  connections: number;
  /** Messages sent and received, heartbeats included. */
  messages: number;
  /** Bytes written and read on their sockets: the HTTP upgrade, frame headers and payloads. */
  bytes: number;
}

export interface ControlChannelOptions {
  /** How long the TCP connection may take (SYN retransmits at 1 s and 3 s fit in the default). */
  connectTimeoutMs?: number;
  /**
   * From the TCP connection to the HTTP answer to our upgrade: a reflector answers in one round
   * trip, so silence past this is a listener that is not one (it bounds the welcome's wait too).
   */
  answerTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  silenceLimitMs?: number;
  /** How long to keep trying to resume a dropped channel (0: never try). */
  resumeWindowMs?: number;
  /** The reflector's token ('' or absent: the empty token, for a reflector run without one). */
  token?: string | undefined;
  /** How each connection reaches the reflector (default: directly). */
  dialer?: RawDialer | undefined;
  /** TLS over the dialed connection, for wss:// (default: none, ws://). */
  tls?: TlsLayer | null | undefined;
}

/** Default bound on the TCP connection. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Default bound from the TCP connection to the upgrade's answer, and from there to the welcome. */
export const ANSWER_TIMEOUT_MS = 3000;

/** Default resume window: well inside the reflector's SESSION_RESUME_GRACE_MS. */
export const RESUME_WINDOW_MS = 60_000;

/** Pause between resume attempts: doubling from the first to the last. */
const RESUME_FIRST_DELAY_MS = 250;
const RESUME_MAX_DELAY_MS = 5000;

export class ControlChannel extends EventEmitter<ControlChannelEvents> {
  private ws: WebSocket | null = null;
  private state: 'idle' | 'connecting' | 'open' | 'resuming' | 'closed' = 'idle';
  /** The session's secret, derived from the first welcome; never sent. */
  private secret: Buffer | null = null;
  private resumeTimer: NodeJS.Timeout | null = null;
  private readonly heartbeat = new ControlHeartbeat({
    send: (seq) => this.send({ type: 'heartbeat', seq }),
    isOpen: () => this.state === 'open',
    silent: (why) => this.dropped(why),
  });
  /** Every socket this channel has upgraded, kept for their byte counters (one per resume). */
  private readonly sockets: Socket[] = [];
  private messages = 0;
  /** Aborted by close(): a dial or TLS handshake under way gives up. */
  private readonly closed = new AbortController();
  /** The TLS version of the last WebSocket opened, null without TLS. */
  tlsVersion: string | null = null;
  session: SessionId | null = null;

  constructor(
    readonly reflector: HostPort,
    private readonly options: ControlChannelOptions = {},
  ) {
    super();
  }

  /** The session id and secret, which probe hellos need; null until the welcome. */
  get credentials(): SessionCredentials | null {
    return this.session === null || this.secret === null
      ? null
      : { session: this.session, secret: this.secret };
  }

  /** Smoothed round-trip time to the reflector, from heartbeats (0 until the first answer). */
  get rttMs(): number {
    return this.heartbeat.rttMs;
  }

  /** What the channel has carried so far, over every WebSocket it opened. */
  get traffic(): ControlTraffic {
    let bytes = 0;
    for (const socket of this.sockets) bytes += socket.bytesWritten + socket.bytesRead;
    return { connections: this.sockets.length, messages: this.messages, bytes };
  }

  connect(): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new Error('connect() called twice'));
    this.state = 'connecting';
    return this.open(false).then(
      () => undefined,
      (error: unknown) => {
        this.state = 'closed';
        throw error;
      },
    );
  }

  /**
   * Opens one WebSocket and says hello (fresh, or resuming a session). Resolves on the welcome,
   * with the probes the reflector still holds; afterwards the socket's death goes to dropped().
   */
  private open(resume: boolean): Promise<ProbeId[]> {
    const connectTimeoutMs = this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const dialer = this.options.dialer ?? directDialer;
    return connectControl(
      this.reflector,
      dialer,
      this.options.tls ?? null,
      connectTimeoutMs,
      this.closed.signal,
    ).then((connected) => this.handshake(connected, resume, connectTimeoutMs));
  }

  /** Speaks the WebSocket upgrade and the hello on a connected socket; resolves on the welcome. */
  private handshake(connected: ControlSocket, resume: boolean, connectTimeoutMs: number): Promise<ProbeId[]> {
    const label = formatHostPort(this.reflector);
    const secure = connected.stream !== connected.raw;
    const url = `${secure ? 'wss' : 'ws'}://${label}${CONTROL_PATH}`;
    const answerTimeoutMs = this.options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
    return new Promise<ProbeId[]>((resolve, reject) => {
      if (this.state === 'closed') {
        connected.stream.destroy();
        connected.raw.destroy();
        reject(new ReflectorUnreachableError(label, new Error('control channel closed while connecting')));
        return;
      }
      // Where the handshake got to, so a failure says what answered: nothing, something, HTTP.
      let stage: HandshakeStage = 'connected';
      let answerTimer: NodeJS.Timeout | null = null;
      const expectAnswer = (ms: number, seen: string): void => {
        if (answerTimer !== null) clearTimeout(answerTimer);
        answerTimer = setTimeout(() => fail(new NotAReflectorError(label, seen)), ms);
      };
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        maxPayload: MAX_REFLECTOR_MESSAGE_BYTES,
        // The connection is there already (dialed, and secured for wss): ws speaks HTTP on it.
        createConnection: () => connected.stream,
      });
      this.tlsVersion = secure ? ((connected.stream as TLSSocket).getProtocol() ?? null) : null;
      expectAnswer(
        answerTimeoutMs,
        `accepted the connection but answered nothing in ${answerTimeoutMs / 1000} s`,
      );
      this.ws = ws;
      let settled = false;
      const fail = (error: IdlescopeError): void => {
        if (settled) return;
        settled = true;
        if (answerTimer !== null) clearTimeout(answerTimer);
        ws.on('error', noop);
        ws.terminate();
        reject(error);
      };
      ws.on('upgrade', () => {
        stage = 'upgraded';
        expectAnswer(
          Math.max(answerTimeoutMs, connectTimeoutMs),
          `upgraded to WebSocket but sent no welcome in ` +
            `${Math.max(answerTimeoutMs, connectTimeoutMs) / 1000} s`,
        );
        // ws carries its frames on this very connection (ws 8: req 'upgrade' hands it to
        // setSocket()); the TCP socket's counters include the HTTP upgrade (and TLS) on it.
        connected.raw.setNoDelay(true);
        this.sockets.push(connected.raw);
      });
      ws.on('unexpected-response', (_request, response) => {
        fail(new NotAReflectorError(label, `answered HTTP ${response.statusCode ?? '(no status)'}`));
      });
      const nonce = createNonce();
      ws.once('open', () => {
        stage = 'open';
        // The handshake's time is not an RTT sample: it includes the HTTP upgrade on both sides.
        const start = resume
          ? { session: this.session as SessionId, secret: this.secret as Buffer }
          : { token: this.options.token ?? '' };
        this.sendOn(ws, sessionHello(Date.now(), nonce, start));
      });
      ws.on('error', (error) => {
        if (!settled) fail(handshakeFailure(label, error, stage));
        else if (this.ws === ws) this.dropped(`control channel error: ${describeCause(error)}`);
      });
      ws.on('close', (code, reason) => {
        if (!settled)
          fail(
            new ReflectorUnreachableError(
              label,
              new Error(`closed during handshake (${code} ${reason.toString()})`),
            ),
          );
        else if (this.ws === ws) {
          // A session the reflector ended on one of its limits cannot be resumed: say why at once.
          const limit = sessionLimitText(code);
          if (limit !== null) this.endedByReflector(`the reflector ended the session: ${limit}`);
          else
            this.dropped(
              `control channel closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`,
            );
        }
      });
      ws.on('message', (data, isBinary) => {
        this.messages++;
        if (this.ws !== ws) return;
        this.heartbeat.heard(performance.now());
        const decoded = isBinary
          ? ({ ok: false, reason: 'binary frame' } as const)
          : decodeReflectorMessage(data as Buffer);
        if (!decoded.ok) {
          if (!settled)
            fail(
              new NotAReflectorError(
                label,
                `speaks WebSocket but not the idlescope protocol (${decoded.reason})`,
              ),
            );
          else this.dropped(`unintelligible message from reflector: ${decoded.reason}`);
          return;
        }
        const message = decoded.value;
        if (!settled) {
          if (message.type === 'welcome') {
            if (message.version !== PROTOCOL_VERSION) {
              fail(new ReflectorRefusedError(label, versionMismatch(message.version, PROTOCOL_VERSION)));
              return;
            }
            if (resume && message.session !== this.session) {
              fail(new ReflectorRefusedError(label, `resumed a different session (${message.session})`));
              return;
            }
            settled = true;
            if (answerTimer !== null) clearTimeout(answerTimer);
            this.state = 'open';
            if (!resume) {
              this.session = message.session;
              this.secret = sessionSecret(this.options.token ?? '', nonce, message.nonce, message.session);
            }
            this.heartbeat.start(
              this.options.heartbeatIntervalMs ?? CONTROL_HEARTBEAT_INTERVAL_MS,
              this.options.silenceLimitMs ?? CONTROL_SILENCE_LIMIT_MS,
            );
            resolve(message.probes);
          } else if (message.type === 'error') {
            fail(new ReflectorRefusedError(label, refusalText(message.code, message.message)));
          } else {
            fail(new ReflectorRefusedError(label, `expected welcome, got ${message.type}`));
          }
          return;
        }
        this.handle(message);
      });
    });
  }

  /** Ask the reflector to push on a probe now (an inbound test). */
  push(probe: ProbeId): void {
    this.send({ type: 'push', probe });
  }

  /**
   * Calls `then` once the reflector has answered a heartbeat sent after this call: proof that it
   * was alive after whatever the caller just saw. Never calls it if the channel is gone or closed
   * first. Calls in one tick share one heartbeat.
   */
  confirmAlive(then: () => void): void {
    if (this.state !== 'open') return;
    this.heartbeat.confirmAlive(then);
  }

  /** Ends the session politely: the reflector drops every probe of ours at once. */
  close(): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.closed.abort(new Error('control channel closed'));
    this.heartbeat.stop();
    this.heartbeat.dropWaiters();
    if (this.resumeTimer !== null) clearTimeout(this.resumeTimer);
    if (this.ws !== null) {
      const ws = this.ws;
      ws.on('error', noop);
      if (wasOpen) {
        this.messages++;
        ws.send(encodeMessage({ type: 'bye' }), () => ws.close(1000, 'done'));
        // If the close handshake stalls, do not let it hold the process open.
        setTimeout(() => ws.terminate(), 2000).unref();
      } else {
        ws.terminate();
      }
    }
  }

  private handle(message: ReflectorMessage): void {
    switch (message.type) {
      case 'probe':
        this.emit('probe', message.probe, message.event, message.seen ?? null);
        return;
      case 'heartbeat-ack':
        this.heartbeat.acked(message.seq);
        return;
      case 'error':
        // A test refused for its idle: the measurement cannot reach --max here, so it stops now
        // rather than take the missing answer for an eviction.
        if (message.code === 'idle-too-long') {
          this.endedByReflector(
            `the reflector refused a test: ${refusalText(message.code, message.message)}`,
          );
          return;
        }
        // unknown-probe and the like concern one probe, not the session: the runner's grace handles it.
        // A capacity refusal concerns every probe still to open: the runner ends with its words.
        if (CAPACITY_REFUSALS.has(message.code))
          this.emit('refused', refusalText(message.code, message.message));
        return;
      case 'welcome':
        return;
      default: {
        const never: never = message;
        throw new Error(`unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  private send(message: ClientMessage): void {
    if (this.state !== 'open' || this.ws === null) return;
    this.sendOn(this.ws, message);
  }

  private sendOn(ws: WebSocket, message: ClientMessage): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    this.messages++;
    ws.send(encodeMessage(message));
  }

  /** The open channel died: resume the session if we can, else report it gone. */
  private dropped(why: string): void {
    if (this.state !== 'open') return;
    this.heartbeat.stop();
    if (this.ws !== null) {
      this.ws.on('error', noop);
      this.ws.terminate();
      this.ws = null;
    }
    const windowMs = this.options.resumeWindowMs ?? RESUME_WINDOW_MS;
    if (windowMs <= 0 || this.session === null || this.secret === null) {
      this.giveUp(why);
      return;
    }
    this.state = 'resuming';
    this.emit('interrupted', why);
    this.tryResume(why, performance.now() + windowMs, RESUME_FIRST_DELAY_MS);
  }

  private tryResume(why: string, deadlineMs: number, delayMs: number): void {
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = null;
      if (this.state !== 'resuming') return;
      this.open(true).then(
        (probes) => {
          if (this.state !== 'open') return;
          this.emit('resumed', probes);
          // Waiters from before the drop are answered by the first heartbeat on the new channel.
          if (this.heartbeat.waiting) this.heartbeat.send(performance.now());
        },
        (error: unknown) => {
          if (this.state !== 'resuming') return;
          const refused = (error as { cause?: NodeJS.ErrnoException }).cause?.code === 'ECONNREFUSED';
          // Refused, or something that is not a reflector answers there now: no use trying again.
          const sessionGone = error instanceof ReflectorRefusedError || error instanceof NotAReflectorError;
          if (refused || sessionGone || performance.now() + delayMs > deadlineMs) {
            this.giveUp(
              `${why}; could not resume the session: ` +
                `${error instanceof Error ? error.message : String(error)}`,
            );
            return;
          }
          this.tryResume(why, deadlineMs, Math.min(RESUME_MAX_DELAY_MS, delayMs * 2));
        },
      );
    }, delayMs);
  }

  /** The reflector ended the session (or made it useless): no resume, 'gone' with its reason. */
  private endedByReflector(why: string): void {
    if (this.state !== 'open') return;
    this.heartbeat.stop();
    if (this.ws !== null) {
      this.ws.on('error', noop);
      this.ws.terminate();
      this.ws = null;
    }
    this.giveUp(why);
  }

  private giveUp(why: string): void {
    this.state = 'closed';
    this.heartbeat.dropWaiters();
    this.emit('gone', why);
  }
}

function noop(): void {}
