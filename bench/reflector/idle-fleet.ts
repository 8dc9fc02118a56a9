/**
 * N idle probe connections held against the reflector under test, as a discovery holds them: real
 * control channels (ControlChannel, 127.0.0.1) and real probe hellos, the probes spread over
 * loopback source addresses (raw-probe.ts) and over sessions of at most PROBES_PER_SESSION.
 * A probe counts as held once the reflector has told its session 'attached'.
 *
 * Owns: its control channels and sockets; close() ends them all. Every wait is bounded by the
 * deadline given to open() (the opener stops starting new connections past it).
 */
import type { SessionCredentials } from '../../protocol/auth.js';
import type { Socket } from 'node:net';
import { ControlChannel } from '../../client/discovery/control-channel.js';
import { MAX_PROBES_PER_SESSION, type ProbeId } from '../../protocol/wire.js';
import { openAll, within } from '../loopback-measure.js';
import { openRawProbe, resetRawProbe, sourceAddress } from './raw-probe.js';

/** Probes per session: below the reflector's per-session limit, so no probe is refused for it. */
export const PROBES_PER_SESSION = Math.min(10_000, MAX_PROBES_PER_SESSION);

/** How long one probe may take from connect to 'attached'. */
const ATTACH_LIMIT_MS = 10_000;

interface FleetProbe {
  control: ControlChannel;
  id: ProbeId;
  socket: Socket;
}

export class IdleFleet {
  private readonly controls: ControlChannel[] = [];
  private readonly probes: FleetProbe[] = [];
  private readonly held: FleetProbe[] = [];
  private readonly pushedListeners = new Set<() => void>();
  /** 'pushed' events heard from the reflector so far. */
  pushed = 0;

  private constructor(private readonly port: number) {}

  /** Opens up to `n` probes (fewer if the deadline passes or connections fail) and waits for each. */
  static async open(port: number, n: number, deadlineMs: number): Promise<IdleFleet> {
    const fleet = new IdleFleet(port);
    try {
      await fleet.openAll(n, deadlineMs);
    } catch (error) {
      fleet.close();
      throw error;
    }
    return fleet;
  }

  /** Probes the reflector confirmed attached. */
  get size(): number {
    return this.held.length;
  }

  /** Asks the reflector to push on the k-th held probe (wrapping around); 'pushed' is counted. */
  push(k: number): void {
    const probe = this.held[k % this.held.length];
    if (probe !== undefined) probe.control.push(probe.id);
  }

  /** Resolves true once `count` pushes in all have been acknowledged, false after `ms`. */
  pushedReaches(count: number, ms: number): Promise<boolean> {
    if (this.pushed >= count) return Promise.resolve(true);
    return within(ms, (done) => {
      const listener = (): void => {
        if (this.pushed >= count) done(true);
      };
      this.pushedListeners.add(listener);
      return () => this.pushedListeners.delete(listener);
    });
  }

  close(): void {
    for (const probe of this.probes) resetRawProbe(probe.socket);
    for (const control of this.controls) control.close();
  }

  private async openAll(n: number, deadlineMs: number): Promise<void> {
    const sessions = Math.ceil(n / PROBES_PER_SESSION);
    const waiting = new Map<ControlChannel, Map<ProbeId, (ok: boolean) => void>>();
    for (let s = 0; s < sessions; s++) {
      const control = new ControlChannel({ host: '127.0.0.1', port: this.port });
      this.controls.push(control);
      await control.connect();
      const mine = new Map<ProbeId, (ok: boolean) => void>();
      waiting.set(control, mine);
      control.on('probe', (probe, event) => {
        if (event === 'attached') mine.get(probe)?.(true);
        else if (event === 'pushed') {
          this.pushed++;
          for (const listener of this.pushedListeners) listener();
        } else if (event === 'reset' || event === 'closed') mine.get(probe)?.(false);
      });
    }
    await openAll(n, deadlineMs, (i) => {
      const control = this.controls[Math.floor(i / PROBES_PER_SESSION)] as ControlChannel;
      const id = (i % PROBES_PER_SESSION) + 1;
      const socket = openRawProbe({
        port: this.port,
        localAddress: sourceAddress(i),
        credentials: control.credentials as SessionCredentials,
        probe: id,
      });
      const probe: FleetProbe = { control, id, socket };
      this.probes.push(probe);
      const mine = waiting.get(control) as Map<ProbeId, (ok: boolean) => void>;
      return within(ATTACH_LIMIT_MS, (done) => {
        mine.set(id, done);
        const onClose = (): void => done(false);
        socket.once('close', onClose);
        return () => {
          mine.delete(id);
          socket.off('close', onClose);
        };
      }).then((ok) => {
        if (ok) this.held.push(probe);
        return ok;
      });
    });
  }
}
