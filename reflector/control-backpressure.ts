/**
 * Backpressure on one control channel: a client that does not read its events must not make the
 * reflector buffer them without bound (issue 11: 16 MiB of PINGs once grew it to 4.3 GiB).
 *
 *   send ... buffered > pause bytes --> paused: target.pause() (probes unread, control unread,
 *                                       messages queued in the session's bounded backlog)
 *     socket 'drain' (buffer empty)  --> target.resume()
 *     still paused after drain ms    --> target.overflow()   (the session ends: control-backlog)
 *   send ... buffered > hard bytes   --> target.overflow() at once
 *
 * It owns one timer, the drain deadline, only while paused; stop() clears it and the listener.
 * It reads the channel's buffered byte count after each send and listens to the socket's 'drain':
 * nothing is written, and no probe is touched here (the target pauses them).
 */
import type { ConnectionLimits } from './connection-limits.js';

export type BackpressureLimits = Pick<
  ConnectionLimits,
  'controlPauseBytes' | 'controlHardBytes' | 'controlDrainMs'
>;

export interface BackpressureTarget {
  pause(): void;
  resume(): void;
  /** The channel did not drain in time, or buffered past the hard cap. Called once. */
  overflow(): void;
}

/** The part of the accepted socket it listens to: 'drain' fires once its write buffer is empty. */
export interface DrainSource {
  once(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

export class ControlBackpressure {
  private drainTimer: NodeJS.Timeout | null = null;
  private state: 'flowing' | 'paused' | 'overflowed' | 'stopped' = 'flowing';

  constructor(
    private readonly socket: DrainSource,
    private readonly limits: BackpressureLimits,
    private readonly target: BackpressureTarget,
  ) {}

  get paused(): boolean {
    return this.state === 'paused';
  }

  /** Called after every message sent, with the bytes the channel still holds unsent. */
  afterSend(bufferedBytes: number): void {
    if (this.state === 'overflowed' || this.state === 'stopped') return;
    if (bufferedBytes > this.limits.controlHardBytes) {
      this.overflow();
      return;
    }
    if (this.state === 'paused' || bufferedBytes <= this.limits.controlPauseBytes) return;
    this.state = 'paused';
    this.socket.once('drain', this.socketOnDrain);
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      this.overflow();
    }, this.limits.controlDrainMs);
    this.target.pause();
  }

  /** The channel is closing: no more pauses, resumes or overflows. */
  stop(): void {
    this.state = 'stopped';
    this.clear();
  }

  private overflow(): void {
    this.state = 'overflowed';
    this.clear();
    this.target.overflow();
  }

  private clear(): void {
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    this.socket.off('drain', this.socketOnDrain);
  }

  private readonly socketOnDrain = (): void => {
    if (this.state !== 'paused') return;
    this.state = 'flowing';
    this.clear();
    this.target.resume();
  };
}
