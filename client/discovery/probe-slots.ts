/**
 * The probe connections of a discovery run, one slot each, from the SYN to the teardown: opening
 * (at most MAX_OPENING at once, the rest queued, each with an attach timeout), idle, testing (with
 * its grace), or dying (a FIN or RST seen on the client's socket, held until the reflector proves
 * alive). It owns every probe socket and every per-probe timer, and clears them on discard. It tells
 * each probe's fate to the search of its direction through ProbeSlotsOwner, and decides nothing
 * about what to open or test next: that is the search's, stepped by the run (discovery-run.ts).
 *
 * A test, and how its result is told (grace = --grace, plus twice the control RTT):
 *
 *   outbound  write PING ──► ECHO back ........ survived (idle again from the echo)
 *                       └──► RST (either side) . reset
 *                       └──► FIN .............. close
 *                       └──► nothing in grace . silent-drop
 *   inbound   control{push} ──► PUSH arrives .. survived;  otherwise as above, where the RST may be
 *                                                          one only the reflector saw (it reports it)
 *
 * Accuracy: idles are measured on performance.now() at the client, as a middlebox near the client
 * sees them; an evicted inbound test is dated one smoothed RTT after its command, so its idle is
 * off by the RTT's jitter. A surviving inbound test is dated when its push arrives, exact, unless
 * the push came a retransmission timeout late (TCP sent it again): then it is dated like an evicted
 * one, off by the RTT's jitter rather than an RTO late, which could place a survival above T.
 * Timers fire within a few ms.
 */
import type { IdleSearch } from '../search/idle-search.js';
import type { ConnId, Direction, EvictionKind } from '../search/types.js';
import { ProbeConnection } from './probe-connection.js';
import type { ControlChannel } from './control-channel.js';
import {
  ECHO_BYTE,
  PUSH_BYTE,
  type ProbeEventKind,
  type ProbeId,
  type SeenEndpoint,
} from '../../protocol/wire.js';
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import type { SessionCredentials } from '../../protocol/auth.js';
import { describeCause } from '../../protocol/errors.js';
import type { RunCostMeter } from './run-cost.js';
import { AttachLag } from './attach-lag.js';
import { pushCrossedAtMs } from './push-dating.js';
import type { ProbeEndKind, ProbeLog } from './probe-log.js';
import { DIRECT_TCP, type ProbeLink } from '../transport/probe-transport.js';

/** A probe that has not been attached by the reflector in this time is given up. */
const ATTACH_TIMEOUT_MS = 10_000;

/** Probe connections opening at once, at most (see ProbeSlots.open). */
export const MAX_OPENING = 32;

/** After this many failed opens with not one success, the reflector is deemed unreachable. */
const OPEN_FAILURES_BEFORE_GIVING_UP = 16;

/** What the search of one direction is told about its probes. */
export type ProbeFates = Pick<IdleSearch, 'opened' | 'openFailed' | 'outcome' | 'diedIdle' | 'forget'>;

/** What the slots need from the run that holds them. */
export interface ProbeSlotsOwner {
  /** The search of a direction, told each of its probes' fate. */
  search(direction: Direction): ProbeFates | undefined;
  /** Something changed for `direction`: step its search (on a fresh tick). */
  queueStep(direction: Direction): void;
  /** Not one probe connection could be opened: the run ends, the reflector deemed lost. */
  giveUp(reason: string): void;
  /** The run has ended: nothing more is opened, and no fate is told. */
  ended(): boolean;
}

export interface ProbeSlotsOptions {
  /** Where probe connections go (the reflector, or the demo's emulator in front of it). */
  dial: HostPort;
  /** How probe connections reach it and what runs over them (default: direct TCP). */
  link?: ProbeLink | undefined;
  /** The grace for a test sent now, in ms (grace.ts): its answer is awaited this long plus twice the RTT. */
  graceMs: () => number;
  /** The control channel: the session, the RTT, inbound pushes and proof that the reflector lives. */
  control: Pick<ControlChannel, 'credentials' | 'rttMs' | 'push' | 'confirmAlive'>;
  /** Counts every probe opened, test taken and byte carried. */
  cost: RunCostMeter;
  /** Probe ids are shared with the verification's connections: one random allocator for the run. */
  allocateProbeId: () => ProbeId;
  owner: ProbeSlotsOwner;
  /** Records every probe's life for the report (its timeline, what the reflector saw); optional. */
  log?: ProbeLog;
}

/** dying: its socket saw FIN or RST, held until the reflector proves alive (see probeDied). */
type SlotState = 'opening' | 'idle' | 'testing' | 'dying';

interface ProbeSlot {
  id: ProbeId;
  direction: Direction;
  conn: ConnId;
  connection: ProbeConnection;
  state: SlotState;
  /** Attach timeout while opening, grace while testing; null while idle (nothing touches an idle probe). */
  timer: NodeJS.Timeout | null;
  /** While testing: when the test packet is estimated to cross a middlebox near the client. */
  testedAtMs: number;
  /** When the hello was written. */
  helloAtMs: number;
  /** An inbound test whose push command may have been lost with the control channel. */
  pushInDoubt: boolean;
}

export class ProbeSlots {
  private readonly slots = new Map<ProbeId, ProbeSlot>();
  private readonly slotByConn = new Map<string, ProbeSlot>();
  private readonly owner: ProbeSlotsOwner;
  private readonly control: ProbeSlotsOptions['control'];
  private readonly cost: RunCostMeter;
  private readonly attachLag = new AttachLag();
  private opened = 0;
  private openFailures = 0;
  /** Probe connections opening now (not yet attached or failed), and those waiting their turn. */
  private openingNow = 0;
  private readonly pendingOpens: { direction: Direction; conn: ConnId }[] = [];

  constructor(private readonly options: ProbeSlotsOptions) {
    this.owner = options.owner;
    this.control = options.control;
    this.cost = options.cost;
  }

  /** This probe id is one of the slots' (not a verification connection's). */
  holds(probe: ProbeId): boolean {
    return this.slots.has(probe);
  }

  /**
   * Opens a probe connection, or queues it while MAX_OPENING are already opening: a burst of
   * hundreds of SYNs looks like a flood to some middleboxes, and makes a userspace one (the
   * demo's emulator) date the last hellos tens of ms late. Queued connections open as earlier ones
   * are attached or fail; each is idle from its own hello, so the search loses nothing by waiting.
   */
  open(direction: Direction, conn: ConnId): void {
    if (this.openingNow >= MAX_OPENING) {
      this.pendingOpens.push({ direction, conn });
      return;
    }
    this.openingNow++;
    const session = this.control.credentials as SessionCredentials;
    const id = this.options.allocateProbeId();
    const dial = this.options.dial;
    const connection = new ProbeConnection(
      dial.host,
      dial.port,
      session,
      id,
      this.options.link ?? DIRECT_TCP,
    );
    const slot: ProbeSlot = {
      id,
      direction,
      conn,
      connection,
      state: 'opening',
      timer: null,
      testedAtMs: 0,
      helloAtMs: 0,
      pushInDoubt: false,
    };
    this.slots.set(id, slot);
    this.slotByConn.set(connKey(direction, conn), slot);
    this.cost.probeOpened();
    this.options.log?.opened(id, direction, conn, now());
    slot.timer = setTimeout(
      () => this.openFailed(slot, 'the reflector never confirmed the probe connection'),
      ATTACH_TIMEOUT_MS,
    );
    connection.on('ready', () => {
      slot.helloAtMs = now();
      this.options.log?.connected(id, connection.localEndpoint);
    });
    connection.on('failed', (error) => this.openFailed(slot, describeCause(error)));
    connection.on('byte', (value) => this.probeOnByte(slot, value));
    connection.on('died', (how) => this.probeDied(slot, how, 'client'));
  }

  test(direction: Direction, conn: ConnId): void {
    const slot = this.slotByConn.get(connKey(direction, conn));
    if (slot === undefined || slot.state !== 'idle') return;
    slot.state = 'testing';
    // An outbound ping leaves now; an inbound push comes back about one control RTT later.
    slot.testedAtMs = now() + (direction === 'inbound' ? this.control.rttMs : 0);
    if (direction === 'outbound') slot.connection.ping();
    else this.control.push(slot.id);
    this.cost.tested(direction);
    slot.timer = setTimeout(
      () => this.concluded(slot, 'silent-drop'),
      this.options.graceMs() + 2 * this.control.rttMs,
    );
  }

  /** The search is done with a connection: tear it down, or drop it from the queue if not yet opened. */
  close(direction: Direction, conn: ConnId): void {
    const slot = this.slotByConn.get(connKey(direction, conn));
    if (slot !== undefined) this.discard(slot, 'closed');
    else this.dropPendingOpen(direction, conn);
  }

  /**
   * What the reflector reported on the control channel about one of the slots' probes; `seen`
   * (with 'attached') is where it saw the probe come from.
   */
  reflectorEvent(probe: ProbeId, event: ProbeEventKind, seen: SeenEndpoint | null = null): void {
    const slot = this.slots.get(probe);
    if (slot === undefined) return;
    switch (event) {
      case 'attached':
        if (seen !== null) this.options.log?.seen(probe, seen);
        this.attached(slot);
        return;
      case 'pushed':
      case 'echoed':
        return;
      case 'reset':
        this.probeDied(slot, 'reset', 'reflector');
        return;
      case 'closed':
        this.probeDied(slot, 'close', 'reflector');
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown probe event ${String(never)}`);
      }
    }
  }

  /** The control channel dropped: an inbound test under way may never have had its push sent. */
  controlInterrupted(): void {
    for (const slot of this.slots.values())
      if (slot.state === 'testing' && slot.direction === 'inbound') slot.pushInDoubt = true;
  }

  /** The run ends: nothing queued opens, every probe is torn down and its timer cleared. */
  discardAll(): void {
    this.pendingOpens.length = 0;
    for (const slot of [...this.slots.values()]) this.discard(slot, 'run-ended');
  }

  /** One connection is no longer opening: the next queued one may start. */
  private openingEnded(): void {
    this.openingNow--;
    while (!this.owner.ended() && this.openingNow < MAX_OPENING) {
      const next = this.pendingOpens.shift();
      if (next === undefined) return;
      this.open(next.direction, next.conn);
    }
  }

  private dropPendingOpen(direction: Direction, conn: ConnId): void {
    const at = this.pendingOpens.findIndex((p) => p.direction === direction && p.conn === conn);
    if (at >= 0) this.pendingOpens.splice(at, 1);
  }

  private openFailed(slot: ProbeSlot, reason: string): void {
    if (slot.state !== 'opening' || !this.slots.has(slot.id)) return;
    this.discard(slot, 'open-failed');
    this.openFailures++;
    this.owner.search(slot.direction)?.openFailed(slot.conn, now(), reason);
    if (this.opened === 0 && this.openFailures >= OPEN_FAILURES_BEFORE_GIVING_UP) {
      this.owner.giveUp(`probe connections to ${formatHostPort(this.options.dial)} fail: ${reason}`);
      return;
    }
    this.owner.queueStep(slot.direction);
  }

  private attached(slot: ProbeSlot): void {
    if (slot.state !== 'opening') return;
    this.clearTimer(slot);
    slot.state = 'idle';
    this.opened++;
    this.openingEnded();
    // The probe's last packet is the reflector's ACK of the hello, one network RTT after it, and
    // there is no way to see that ACK from here. Count from the hello itself: that overstates the
    // idle by at most that RTT (and is exact for a terminating proxy, which ACKs the hello itself).
    // Not hello + control RTT: that RTT crosses two event loops and, while hundreds of probes open,
    // runs tens of ms over the network RTT (lab: 50-90 ms against 0.1 ms), so a fresh probe's idle
    // read that much short of a recycled one's (idle from its echo), and RSTs at the boundary looked
    // like evictions below idles that had survived (a "sweep" and a 4 s bracket). An attach report
    // far later than the others' means TCP sent the hello again: count from then (see AttachLag).
    const idleSinceMs = slot.helloAtMs + this.attachLag.observe(now() - slot.helloAtMs);
    this.options.log?.attached(slot.id, idleSinceMs);
    this.owner.search(slot.direction)?.opened(slot.conn, idleSinceMs);
    this.owner.queueStep(slot.direction);
  }

  /** The test's answer arrived: the connection survived and is idle again from now. */
  private probeOnByte(slot: ProbeSlot, value: number): void {
    const expected = slot.direction === 'outbound' ? ECHO_BYTE : PUSH_BYTE;
    if (slot.state !== 'testing' || value !== expected) return;
    this.clearTimer(slot);
    slot.state = 'idle';
    const nowMs = now();
    // A push crossed the middlebox as it arrived, whatever the RTT estimate said, unless TCP had
    // to send it again: then it crossed about when expected, an RTO earlier (see push-dating).
    const testedAtMs =
      slot.direction === 'inbound' ? pushCrossedAtMs(slot.testedAtMs, nowMs) : slot.testedAtMs;
    this.options.log?.tested(slot.id, testedAtMs, nowMs, 'survived', null);
    this.owner.search(slot.direction)?.outcome(slot.conn, nowMs, { survived: true }, testedAtMs);
    this.owner.queueStep(slot.direction);
  }

  /**
   * A FIN or RST on a probe. Seen by the reflector (reported on the control channel), it is the
   * middlebox's doing. Seen only on the client's socket, it may also be the reflector going away,
   * whose every socket closes at once, a moment before the control channel drops: it
   * counts only once the reflector has answered a heartbeat sent after it, dated when it was seen.
   */
  private probeDied(slot: ProbeSlot, how: EvictionKind, seenBy: 'client' | 'reflector'): void {
    if (!this.slots.has(slot.id)) return;
    switch (slot.state) {
      case 'opening':
        this.openFailed(
          slot,
          `connection ${how === 'close' ? 'closed' : 'reset'} before the reflector confirmed it`,
        );
        return;
      case 'dying':
        return;
      case 'testing':
      case 'idle': {
        const was = slot.state;
        if (seenBy === 'reflector') {
          this.evicted(slot, was, how, now());
          return;
        }
        const seenAtMs = now();
        this.clearTimer(slot);
        slot.state = 'dying';
        this.control.confirmAlive(() => this.evicted(slot, was, how, seenAtMs));
        return;
      }
      default: {
        const never: never = slot.state;
        throw new Error(`unknown slot state ${String(never)}`);
      }
    }
  }

  private evicted(slot: ProbeSlot, was: 'idle' | 'testing', how: EvictionKind, atMs: number): void {
    if (!this.slots.has(slot.id) || this.owner.ended()) return;
    if (was === 'testing') {
      // An evicted test: its idle is the one it was tested at.
      this.options.log?.tested(slot.id, slot.testedAtMs, atMs, 'evicted', how);
      this.options.log?.ended(slot.id, 'evicted', atMs, how);
      this.discard(slot, 'evicted');
      this.owner.search(slot.direction)?.outcome(slot.conn, atMs, { survived: false, how }, slot.testedAtMs);
    } else {
      // Killed while idle: a terminating proxy's FIN, or an RST; the idle it reached is the result.
      this.options.log?.ended(slot.id, 'died-idle', atMs, how);
      this.discard(slot, 'died-idle');
      this.owner.search(slot.direction)?.diedIdle(slot.conn, atMs, how);
    }
    this.owner.queueStep(slot.direction);
  }

  /** An evicted test: record it and tear the connection down. */
  private concluded(slot: ProbeSlot, how: EvictionKind): void {
    if (slot.state !== 'testing' || !this.slots.has(slot.id)) return;
    const nowMs = now();
    this.options.log?.tested(
      slot.id,
      slot.testedAtMs,
      nowMs,
      slot.pushInDoubt ? 'unanswered' : 'evicted',
      how,
    );
    this.options.log?.ended(slot.id, slot.pushInDoubt ? 'closed' : 'evicted', nowMs, how);
    this.discard(slot, 'evicted');
    if (slot.pushInDoubt) {
      // No push arrived, but perhaps none was ever sent: the command may have died with the
      // control channel. Silence proves nothing here, so the test is dropped, not counted.
      this.owner.search(slot.direction)?.forget(slot.conn);
      this.owner.queueStep(slot.direction);
      return;
    }
    this.owner.search(slot.direction)?.outcome(slot.conn, nowMs, { survived: false, how }, slot.testedAtMs);
    this.owner.queueStep(slot.direction);
  }

  private clearTimer(slot: ProbeSlot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
  }

  /** Tears a slot down; `end` is how its record ends, unless an end was recorded already. */
  private discard(slot: ProbeSlot, end: ProbeEndKind): void {
    if (this.slots.has(slot.id)) this.options.log?.ended(slot.id, end, now());
    this.clearTimer(slot);
    const held = this.slots.delete(slot.id);
    this.slotByConn.delete(connKey(slot.direction, slot.conn));
    slot.connection.destroy();
    // After destroy() its counters are final: nothing more is read or written on it.
    if (held) this.cost.probeDiscarded(slot.connection.bytesCarried);
    if (held && slot.state === 'opening') this.openingEnded();
  }
}

function now(): number {
  return performance.now();
}

function connKey(direction: Direction, conn: ConnId): string {
  return `${direction}:${conn}`;
}
