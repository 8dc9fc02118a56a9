/**
 * One control channel on the reflector's side: a WebSocket carrying JSON messages.
 *
 * It decodes, enforces the two rules that do not need a session (text frames only, every message
 * well-formed) and closes itself when the peer has been silent longer than the silence limit.
 * A hostile or broken peer can only ever close its OWN channel: nothing here throws.
 *
 * The silence timer is the only timer, it lives on the control channel (never on a probe), and it
 * is re-armed lazily: a message only stamps `lastHeardMs`, the timer checks the stamp when it fires.
 *
 * Before its hello is accepted (awaiting-hello) the channel is unauthenticated, and an error it
 * sends is cut to the bytes the peer has sent (pre-auth-budget.ts); its close frame then carries no
 * reason, or there is none and a TCP FIN ends it; either way the socket is destroyed FIN_GRACE_MS
 * later at most (on the silence timer's slot: still one timer).
 *
 * Issue 11's controls, on this channel:
 * - First message: until its hello is accepted, the silence timer's deadline is the first-message
 *   deadline (connection-limits.ts helloTimeoutMs, counted from accept): refused as hello-timeout.
 * - Every close this side starts is cut FIN_GRACE_MS later (terminate) if the peer has not closed by
 *   then, and so is a channel ws found broken (an oversized or malformed frame): after a protocol
 *   error no socket waits for ws's own 30 s close handshake. Both count as refusals.
 * - Backpressure (control-backpressure.ts): a channel whose peer does not read pauses its session,
 *   stops reading its own socket too, and ends the session when it does not drain.
 */
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import {
  decodeClientMessage,
  encodeMessage,
  type ClientMessage,
  type ProtocolErrorCode,
  type ReflectorMessage,
} from '../protocol/wire.js';
import { CLOSE } from './close-codes.js';
import { DEFAULT_CONNECTION_LIMITS } from './connection-limits.js';
import { ControlBackpressure, type BackpressureLimits, type DrainSource } from './control-backpressure.js';
import type { RefusalReason } from './refusal.js';
import {
  BARE_CLOSE_FRAME_BYTES,
  boundedErrorText,
  preAuthBudget,
  type ByteCounters,
} from './pre-auth-budget.js';
import type { Session, SessionChannel } from './session.js';

export type ControlState = 'awaiting-hello' | 'open' | 'closing' | 'closed';

export interface ControlHandlers {
  message(control: ControlConnection, message: ClientMessage): void;
  closed(control: ControlConnection): void;
  /** This channel was refused something (an `error` message is on its way): for counters and logs. */
  failed(control: ControlConnection, code: RefusalReason): void;
}

/** A channel's limits: backpressure, and how long is left of its first-message deadline. */
export interface ControlLimits extends BackpressureLimits {
  /** From now, how long the peer has to get its hello accepted. */
  helloDeadlineMs: number;
}

const DEFAULT_CONTROL_LIMITS: ControlLimits = {
  ...DEFAULT_CONNECTION_LIMITS,
  helloDeadlineMs: DEFAULT_CONNECTION_LIMITS.helloTimeoutMs,
};

const WS_OPEN = 1; // WebSocket.OPEN, without a value import of ws in this module

/** An unauthenticated refusal's socket is destroyed this long after, if the peer has not closed it. */
export const FIN_GRACE_MS = 1000;

export class ControlConnection implements SessionChannel {
  state: ControlState = 'awaiting-hello';
  session: Session | null = null;
  private lastHeardMs = performance.now();
  private silenceTimer: NodeJS.Timeout | null = null;
  /** performance.now() by which the hello must have been accepted. */
  private readonly helloDeadlineAtMs: number;
  private readonly backpressure: ControlBackpressure;

  constructor(
    private readonly ws: WebSocket,
    /** The accepted TCP socket under `ws`: its counters bound what is sent before auth. */
    private readonly socket: ByteCounters & Pick<Socket, 'end'> & DrainSource,
    /** The peer as HOST:PORT, for logs. */
    readonly remote: string,
    private readonly silenceLimitMs: number,
    private readonly handlers: ControlHandlers,
    limits: ControlLimits = DEFAULT_CONTROL_LIMITS,
  ) {
    ws.on('message', (data, isBinary) => this.wsOnMessage(data, isBinary));
    // ws emits 'error' at most once and always follows it with 'close' (an oversized frame closes
    // with 1009 by itself), so 'close' is where the cleanup happens; the error is counted and the
    // socket cut soon, since ws would otherwise wait 30 s for the peer's close frame.
    ws.on('error', (error: Error & { code?: string }) => this.wsOnError(error));
    ws.on('close', () => this.wsOnClose());
    this.helloDeadlineAtMs = performance.now() + Math.max(0, limits.helloDeadlineMs);
    this.backpressure = new ControlBackpressure(socket, limits, {
      pause: () => {
        ws.pause();
        this.session?.pauseTraffic();
      },
      resume: () => {
        ws.resume();
        this.session?.resumeTraffic();
      },
      overflow: () => this.overflowed(),
    });
    this.armSilence(Math.min(silenceLimitMs, Math.max(0, limits.helloDeadlineMs)));
  }

  /** True while messages sent now will reach the peer. */
  get isOpen(): boolean {
    return (this.state === 'open' || this.state === 'awaiting-hello') && this.ws.readyState === WS_OPEN;
  }

  /** Marks the hello as accepted. */
  bind(session: Session): void {
    if (this.state !== 'awaiting-hello') return;
    this.state = 'open';
    this.session = session;
  }

  send(message: ReflectorMessage): void {
    if (this.ws.readyState !== WS_OPEN) return;
    this.ws.send(encodeMessage(message));
    this.backpressure.afterSend(this.ws.bufferedAmount);
  }

  /**
   * Sends an `error` message, then closes this channel. Before auth, `short` (if given) stands in
   * for `message` when the peer has not sent enough bytes to pay for the whole one.
   */
  fail(code: ProtocolErrorCode, message: string, closeCode: number, short?: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (this.state === 'awaiting-hello') {
      this.failUnauthenticated(code, message, closeCode, short ?? message);
      // Counted and logged like any refusal (metrics.ts, reflector-log.ts), whatever could be said.
      this.handlers.failed(this, code);
      return;
    }
    this.send({ type: 'error', code, message });
    this.close(closeCode, code);
    this.handlers.failed(this, code);
  }

  /**
   * fail() before auth: never more bytes than the peer sent. The first that fits: the whole message
   * with a bare close frame; the short one with it; the short one followed by a plain TCP FIN
   * instead of a close frame (the words matter more than the close code); the short one cut to fit,
   * with a close frame; or, with no budget left, only the FIN.
   */
  private failUnauthenticated(
    code: ProtocolErrorCode,
    message: string,
    closeCode: number,
    short: string,
  ): void {
    this.state = 'closing';
    this.stopSilence();
    const budget = preAuthBudget(this.socket);
    const encode = (text: string): string => encodeMessage({ type: 'error', code, message: text });
    const fits = (text: string, room = budget): boolean => {
      const bytes = Buffer.byteLength(text);
      return bytes + (bytes < 126 ? 2 : 4) + BARE_CLOSE_FRAME_BYTES <= room;
    };
    const open = this.ws.readyState === WS_OPEN;
    const whole = [encode(message), encode(short)].find((text) => fits(text));
    if (whole !== undefined && open) {
      this.ws.send(whole);
      this.ws.close(closeCode);
      this.armCut();
      return;
    }
    const shortText = encode(short);
    if (open && fits(shortText, budget + BARE_CLOSE_FRAME_BYTES)) {
      // The error alone, then FIN: a client reads the error before it sees the end.
      this.ws.send(shortText);
      this.endThenCut();
      return;
    }
    const cut = boundedErrorText(budget, encode, short);
    if (cut !== null && open) {
      this.ws.send(cut);
      this.ws.close(closeCode);
      this.armCut();
      return;
    }
    this.endThenCut();
  }

  /** FIN now, then armCut(). */
  private endThenCut(): void {
    this.socket.end();
    this.armCut();
  }

  /**
   * The socket is destroyed FIN_GRACE_MS from now if the peer has not closed it by then: an
   * unauthenticated peer gets no 30 s close handshake (ws's own bound) to hold a socket with.
   */
  private armCut(): void {
    this.silenceTimer = setTimeout(() => {
      this.silenceTimer = null;
      this.ws.terminate();
    }, FIN_GRACE_MS);
  }

  /**
   * Starts the close handshake; the 'close' event completes the teardown. A peer that has not
   * closed FIN_GRACE_MS later is cut.
   */
  close(code: number, reason: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    const unauthenticated = this.state === 'awaiting-hello';
    this.state = 'closing';
    this.stopSilence();
    this.backpressure.stop();
    if (!unauthenticated) this.ws.close(code, reason);
    else if (preAuthBudget(this.socket) >= BARE_CLOSE_FRAME_BYTES) this.ws.close(code);
    else {
      this.ws.terminate();
      return;
    }
    this.armCut();
  }

  /** Cuts the connection without a handshake. */
  terminate(): void {
    this.stopSilence();
    this.backpressure.stop();
    this.ws.terminate();
  }

  /** The peer did not read its channel: its session ends (control-backlog), or the channel alone. */
  private overflowed(): void {
    const session = this.session;
    if (session !== null) {
      session.endOnLimit('control-backlog');
      return;
    }
    this.handlers.failed(this, 'control-backlog');
    this.terminate();
  }

  private wsOnError(error: Error & { code?: string }): void {
    if (this.state === 'closed') return;
    const tooLarge = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
    if (this.state !== 'closing') this.handlers.failed(this, tooLarge ? 'message-too-large' : 'bad-frame');
    this.state = 'closing';
    this.stopSilence();
    this.backpressure.stop();
    this.armCut();
  }

  private wsOnMessage(data: RawData, isBinary: boolean): void {
    if (this.state !== 'awaiting-hello' && this.state !== 'open') return;
    this.lastHeardMs = performance.now();
    if (isBinary) {
      this.fail('bad-message', 'binary frames are not part of the protocol', CLOSE.unsupportedData);
      return;
    }
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    const decoded = decodeClientMessage(bytes);
    if (!decoded.ok) {
      this.fail('bad-message', decoded.reason, CLOSE.protocolError);
      return;
    }
    this.handlers.message(this, decoded.value);
  }

  private wsOnClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stopSilence();
    this.backpressure.stop();
    this.handlers.closed(this);
  }

  private armSilence(delayMs: number): void {
    this.silenceTimer = setTimeout(() => this.silenceOnTimeout(), delayMs);
  }

  private silenceOnTimeout(): void {
    this.silenceTimer = null;
    if (this.state !== 'awaiting-hello' && this.state !== 'open') return;
    const nowMs = performance.now();
    if (this.state === 'awaiting-hello' && nowMs >= this.helloDeadlineAtMs) {
      this.state = 'closing';
      this.handlers.failed(this, 'hello-timeout');
      this.ws.terminate();
      return;
    }
    // Paused, this side is not reading: the peer's heartbeats wait unread, so it is not silent.
    if (this.backpressure.paused) this.lastHeardMs = nowMs;
    const quietMs = nowMs - this.lastHeardMs;
    if (quietMs < this.silenceLimitMs) {
      const untilMs = this.silenceLimitMs - quietMs;
      const helloLeftMs = this.helloDeadlineAtMs - nowMs;
      this.armSilence(this.state === 'awaiting-hello' ? Math.min(untilMs, helloLeftMs) : untilMs);
      return;
    }
    // A peer this quiet is most likely gone: a close handshake would only wait for nobody.
    this.state = 'closing';
    this.ws.terminate();
  }

  private stopSilence(): void {
    if (this.silenceTimer !== null) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
  }
}
