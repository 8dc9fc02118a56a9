/**
 * One control channel on the reflector's side: a WebSocket carrying JSON messages.
 *
 * It decodes, enforces the two rules that do not need a session (text frames only, every message
 * well-formed) and closes itself when the peer has been silent longer than the silence limit.
 * A hostile or broken peer can only ever close its OWN channel: nothing here throws.
 *
 * The silence timer is the only timer, it lives on the control channel (never on a probe), and it
 * is re-armed lazily: a message only stamps `lastHeardMs`, the timer checks the stamp when it fires.
 */
import type { RawData, WebSocket } from 'ws';
import {
  decodeClientMessage,
  encodeMessage,
  type ClientMessage,
  type ProtocolErrorCode,
  type ReflectorMessage,
} from '../protocol/wire.js';
import { CLOSE } from './close-codes.js';
import type { Session, SessionChannel } from './session.js';

export type ControlState = 'awaiting-hello' | 'open' | 'closing' | 'closed';

export interface ControlHandlers {
  message(control: ControlConnection, message: ClientMessage): void;
  closed(control: ControlConnection): void;
  /** This channel was refused something (an `error` message is on its way): for counters and logs. */
  failed(control: ControlConnection, code: ProtocolErrorCode): void;
}

const WS_OPEN = 1; // WebSocket.OPEN, without a value import of ws in this module

export class ControlConnection implements SessionChannel {
  state: ControlState = 'awaiting-hello';
  session: Session | null = null;
  private lastHeardMs = performance.now();
  private silenceTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ws: WebSocket,
    /** The peer as HOST:PORT, for logs. */
    readonly remote: string,
    private readonly silenceLimitMs: number,
    private readonly handlers: ControlHandlers,
  ) {
    ws.on('message', (data, isBinary) => this.wsOnMessage(data, isBinary));
    // ws emits 'error' at most once and always follows it with 'close' (an oversized frame closes
    // with 1009 by itself), so 'close' is where the cleanup happens.
    ws.on('error', swallow);
    ws.on('close', () => this.wsOnClose());
    this.armSilence(silenceLimitMs);
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
  }

  /** Sends an `error` message, then closes this channel. */
  fail(code: ProtocolErrorCode, message: string, closeCode: number): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.send({ type: 'error', code, message });
    this.close(closeCode, code);
    this.handlers.failed(this, code);
  }

  /** Starts the close handshake; the 'close' event completes the teardown. */
  close(code: number, reason: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.stopSilence();
    this.ws.close(code, reason);
  }

  /** Cuts the connection without a handshake. */
  terminate(): void {
    this.stopSilence();
    this.ws.terminate();
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
    this.handlers.closed(this);
  }

  private armSilence(delayMs: number): void {
    this.silenceTimer = setTimeout(() => this.silenceOnTimeout(), delayMs);
  }

  private silenceOnTimeout(): void {
    this.silenceTimer = null;
    if (this.state !== 'awaiting-hello' && this.state !== 'open') return;
    const quietMs = performance.now() - this.lastHeardMs;
    if (quietMs < this.silenceLimitMs) {
      this.armSilence(this.silenceLimitMs - quietMs);
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

function swallow(): void {}
