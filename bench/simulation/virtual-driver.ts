/**
 * Drives search engines against a middlebox model on a virtual clock: hours of idle time simulated
 * in milliseconds, deterministically. It plays the part of the real adapters (sockets, reflector,
 * grace timers) with the same event contract, so what it measures is the search itself.
 *
 * Timing model (virtual ms), for a middlebox next to the client (a home NAT, a carrier CGN): what
 * the client's clock says is what the middlebox sees. A connection is idle from two RTTs after its
 * SYN (handshake, then the hello and its report). An outbound test crosses at once and is answered
 * one RTT later; an inbound push crosses one RTT after the command. A silent drop is declared
 * `graceMs` plus two RTTs after the probe, as the real client does.
 */
import { settledBy } from '../../client/search/settle.js';
import { mustShareRecheck } from '../../client/search/shared-table.js';
import type { ConnId, EvictionKind, SearchEngine } from '../../client/search/types.js';
import type { MiddleboxModel, PacketFate } from './middlebox-models.js';
import { PROBE_HELLO_BYTES } from '../../protocol/wire.js';
import {
  FIN_CLOSE_PACKETS,
  HEADER_BYTES,
  INBOUND_TEST_PACKETS,
  OUTBOUND_TEST_PACKETS,
  PROBE_OPEN_PACKETS,
  PROBE_RESET_PACKETS,
} from '../../protocol/wire-estimate.js';

export interface SimulationOptions {
  rttMs: number;
  graceMs: number;
  /** Safety bound on virtual time: the simulation stops there whatever the engines do. */
  limitMs: number;
  /**
   * End the searches the answer no longer depends on, as the real run does without --full
   * (client/search/settle.ts). Off by default: the bench's tables follow every direction.
   */
  settle?: boolean;
}

export const DEFAULT_SIMULATION: SimulationOptions = { rttMs: 40, graceMs: 2000, limitMs: 48 * 3600_000 };

export interface SimulationStats {
  elapsedMs: number;
  connectionsOpened: number;
  peakConcurrent: number;
  probesSent: number;
  packets: number;
  bytes: number;
  /** true when `limitMs` stopped the run before every engine finished. */
  hitLimit: boolean;
}

interface Event {
  atMs: number;
  seq: number;
  run: () => void;
}

/** A binary min-heap keyed by (time, insertion order), so equal times run in order. */
class EventQueue {
  private readonly heap: Event[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  push(atMs: number, run: () => void): void {
    const h = this.heap;
    h.push({ atMs, seq: this.seq++, run });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i] as Event, h[parent] as Event)) break;
      [h[i], h[parent]] = [h[parent] as Event, h[i] as Event];
      i = parent;
    }
  }
  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Event, h[m] as Event)) m = l;
        if (r < h.length && this.less(h[r] as Event, h[m] as Event)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Event, h[i] as Event];
        i = m;
      }
    }
    return top;
  }
  private less(a: Event, b: Event): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }
}

interface SimConn {
  key: number;
  open: boolean;
  /** Bumped on every activity, so a scheduled spontaneous close can tell it is stale. */
  epoch: number;
}

/**
 * Runs the engines to completion (or to `limitMs`) against one shared middlebox, as one client
 * process would: inbound and outbound searches share the middlebox's table.
 */
export function simulate(
  engines: SearchEngine[],
  model: MiddleboxModel,
  options: SimulationOptions = DEFAULT_SIMULATION,
): SimulationStats {
  const queue = new EventQueue();
  const stats: SimulationStats = {
    elapsedMs: 0,
    connectionsOpened: 0,
    peakConcurrent: 0,
    probesSent: 0,
    packets: 0,
    bytes: 0,
    hitLimit: false,
  };
  let now = 0;
  let nextKey = 1;
  let concurrent = 0;
  const conns = engines.map(() => new Map<ConnId, SimConn>());
  const wakeTokens = engines.map(() => 0);
  const half = options.rttMs / 2;

  // The wire estimate of protocol/wire-estimate.ts, counted event by event.
  const count = (packets: number, payload: number): void => {
    stats.packets += packets;
    stats.bytes += packets * HEADER_BYTES + payload;
  };

  const step = (i: number): void => {
    const engine = engines[i] as SearchEngine;
    if (engine.finished) return;
    const { actions, wakeAtMs } = engine.decide(now);
    for (const action of actions) {
      switch (action.type) {
        case 'open':
          openConn(i, action.conn);
          break;
        case 'probe':
          probeConn(i, action.conn);
          break;
        case 'close':
          closeConn(i, action.conn);
          break;
        default: {
          const never: never = action;
          throw new Error(`unknown action ${JSON.stringify(never)}`);
        }
      }
    }
    if (wakeAtMs !== null) {
      const token = (wakeTokens[i] ?? 0) + 1;
      wakeTokens[i] = token;
      queue.push(Math.max(now, wakeAtMs), () => {
        if (wakeTokens[i] === token) step(i);
      });
    }
  };
  const report = (i: number, atMs: number, deliver: () => void): void => {
    queue.push(atMs, () => {
      deliver();
      step(i);
    });
  };

  const scheduleClose = (i: number, id: ConnId, c: SimConn): void => {
    const closeAt = model.closeAt(c.key);
    if (closeAt === null) return;
    const epoch = c.epoch;
    // The FIN reaches the client half an RTT after the middlebox sends it.
    report(i, closeAt + half, () => {
      if (!c.open || c.epoch !== epoch) return;
      c.open = false;
      forget(i, id);
      count(FIN_CLOSE_PACKETS, 0);
      (engines[i] as SearchEngine).diedIdle(id, now, 'close');
    });
  };

  const openConn = (i: number, id: ConnId): void => {
    const c: SimConn = { key: nextKey++, open: true, epoch: 0 };
    conns[i]?.set(id, c);
    stats.connectionsOpened++;
    concurrent++;
    stats.peakConcurrent = Math.max(stats.peakConcurrent, concurrent);
    model.connect(c.key, now);
    count(PROBE_OPEN_PACKETS, PROBE_HELLO_BYTES);
    // Handshake (one RTT), then the hello and the reflector's report of it (another): the hello's
    // ACK, the last packet, passes the middlebox about when the client learns of the attach.
    const idleFrom = now + 2 * options.rttMs;
    model.packet(c.key, idleFrom, 'server');
    report(i, idleFrom, () => {
      c.epoch++;
      (engines[i] as SearchEngine).opened(id, idleFrom);
      scheduleClose(i, id, c);
    });
  };

  const probeConn = (i: number, id: ConnId): void => {
    const c = conns[i]?.get(id);
    const engine = engines[i] as SearchEngine;
    const silentAt = now + options.graceMs + 2 * options.rttMs;
    stats.probesSent++;
    if (c === undefined || !c.open) {
      report(i, silentAt, () => {
        forget(i, id);
        engine.outcome(id, now, { survived: false, how: 'silent-drop' });
      });
      return;
    }
    c.epoch++;
    // The test packet crosses the middlebox at once outbound; an inbound push one RTT later.
    const testedAt = engine.direction === 'outbound' ? now : now + options.rttMs;
    const evicted = (atMs: number, how: EvictionKind): void => {
      c.open = false;
      report(i, atMs, () => {
        forget(i, id);
        engine.outcome(id, now, { survived: false, how }, testedAt);
      });
    };
    const fateToOutcome = (fate: Exclude<PacketFate, 'pass'>, rstSeenAt: number): void =>
      fate === 'reset' ? evicted(rstSeenAt, 'reset') : evicted(silentAt, 'silent-drop');

    if (engine.direction === 'outbound') {
      count(OUTBOUND_TEST_PACKETS, 2);
      const there = model.packet(c.key, testedAt, 'client');
      if (there !== 'pass') return fateToOutcome(there, now);
      const back = model.packet(c.key, now + options.rttMs, 'server');
      if (back !== 'pass') return fateToOutcome(back, now + options.rttMs);
    } else {
      count(INBOUND_TEST_PACKETS, 1);
      const push = model.packet(c.key, testedAt, 'server');
      // An RST only the reflector saw reaches the client as a control report, half an RTT later.
      if (push !== 'pass') return fateToOutcome(push, testedAt + half);
    }
    // Survived: the reply is the connection's last packet; it is idle again from its arrival.
    const replyAt = now + options.rttMs + (model.answerDelayMs?.(c.key, testedAt) ?? 0);
    report(i, replyAt, () => {
      engine.outcome(id, now, { survived: true }, testedAt);
      scheduleClose(i, id, c);
    });
  };

  /** The client drops its socket: the connection no longer counts and its mapping is released. */
  const forget = (i: number, id: ConnId): void => {
    const c = conns[i]?.get(id);
    if (c === undefined) return;
    conns[i]?.delete(id);
    concurrent--;
    model.disconnect(c.key);
  };

  const closeConn = (i: number, id: ConnId): void => {
    const c = conns[i]?.get(id);
    if (c === undefined) return;
    if (c.open) count(PROBE_RESET_PACKETS, 0);
    c.open = false;
    forget(i, id);
  };

  // Directions share the middlebox's table: a re-check in one is a re-check in all (shared-table.ts).
  const shareRechecks = (): void => {
    const passes = engines.map((e) => e.passBudget?.() ?? null);
    for (const { index, budget } of mustShareRecheck(passes)) {
      (engines[index] as SearchEngine).shareRecheck?.(budget);
      queue.push(now, () => step(index));
    }
  };

  let settled = false;
  const settleRunning = (): void => {
    if (settled || !engines.some((e) => e.finished)) return;
    const by = settledBy(engines.map((e) => e.progress(now)));
    if (by === null) return;
    settled = true;
    engines.forEach((e, i) => {
      if (e.finished || e.settle === undefined) return;
      e.settle(by);
      queue.push(now, () => step(i));
    });
  };

  // The real client measures the RTT on the control channel before its first test.
  for (const engine of engines) engine.controlRtt?.(options.rttMs);
  engines.forEach((_, i) => queue.push(0, () => step(i)));
  let guard = 0;
  while (queue.size > 0) {
    const event = queue.pop() as Event;
    if (event.atMs > options.limitMs) {
      stats.hitLimit = true;
      break;
    }
    now = event.atMs;
    event.run();
    shareRechecks();
    if (options.settle === true) settleRunning();
    if (engines.every((e) => e.finished)) break;
    if (++guard > 50_000_000) throw new Error('simulation runaway: more than 50M events');
  }
  stats.elapsedMs = now;
  return stats;
}
