/**
 * Provisional evictions: a test still unanswered well past the control channel's round trip is
 * planned as if evicted, so the next batch goes out long before the grace runs out. Nothing is
 * recorded: a provisional eviction lives only in the view the planners see, built afresh at every
 * decision from the clocks still under test. When the grace ends the driver reports the eviction
 * (confirmed: the real record replaces the provisional one), or the late answer comes first
 * (withdrawn: the record says survived, and the bracket is exactly what the records say, as if
 * nothing had been provisional). Only tests launched on a provisional view can be left over; they
 * are real tests of real clocks and add evidence like any other.
 *
 *   test ──► answer due (1 RTT) ─ ─ ─ provisional (PROVISIONAL_RTTS RTT + margin) ─ ─ ─ grace ends
 *            ✓ survived                 planned as evicted: next batch now        ✗ confirmed
 *                                       ◄──── a late answer (a retransmission) ─► ✓ withdrawn
 *
 * Why this threshold: an answer comes back one RTT after the test, plus the event loops' and the
 * path's jitter (tens of ms). A test byte lost on the way is resent after TCP's retransmission
 * timeout, on Linux at least 200 ms (tcp_rto_min) past the smoothed RTT, so its answer lands
 * after the provisional mark: that is the withdrawn case, which costs a batch planned too early,
 * never a wrong bracket. Waiting past one retransmission would bring back most of the grace.
 */
import type { Clock } from './clock-pool.js';
import type { TestRecord } from './pass-record.js';

/** Round trips a test's answer may take before the test is planned as evicted. */
export const PROVISIONAL_RTTS = 4;

/** Added to the round trips: event-loop delays and jitter on a quiet path. */
export const PROVISIONAL_MARGIN_MS = 150;

/**
 * How long after its launch an unanswered test is planned as evicted, for a control channel round
 * trip of `rttMs`; null (never provisional) before the RTT is measured.
 */
export function provisionalAfterMs(rttMs: number | null): number | null {
  if (rttMs === null || !(rttMs > 0)) return null;
  return PROVISIONAL_RTTS * rttMs + PROVISIONAL_MARGIN_MS;
}

/**
 * Fewer connections than this in a direction's pass, and it plans provisionally only on short
 * tests of a clean pass (`PROVISIONAL_SHORT_IDLE_MS`). A batch planned on a provisional eviction
 * takes clocks of the ages the bracket needs before the real answers are in; with half the default
 * budget (both directions searched, 128 each) the pass has none to spare, and a sweep or loss then
 * costs more than the grace saved. Bench robustness table, worst wall / T, without and with
 * provisional evictions at every idle at 128 each: sweep T = 300 s G = 10 s 1.246 -> 1.31,
 * T = 120 s G = 30 s 1.665 -> 1.768, 5% loss 1.404 -> 2.148, table of 64 1.81 -> 1.837; at 256
 * (one direction) every case was as fast or faster.
 */
export const PROVISIONAL_MIN_BUDGET = 256;

/**
 * With fewer connections than PROVISIONAL_MIN_BUDGET, only a test shorter than this is planned on
 * provisionally, and only while the pass is clean (`isClean`: nothing set aside as loss, no sweep
 * zone). That is where the grace matters: at T = 5 s one grace is 40% of T and the floor's whole
 * allowance 1 s, while above 30 s a grace is a few percent of T. Both directions at 128 each, the
 * simulated T = 5 s took 11.51 s without and 7.77 s with, and no case of the robustness table got
 * slower. The cost is in the 30 s / 3 s sweep: runs with their truth inside, 38 of 40 with this
 * limit, 32 with 60 s, 40 without provisional evictions here (measured before pipelined
 * verification stopped at the batches it needs; with that, 35, as before any of this).
 */
export const PROVISIONAL_SHORT_IDLE_MS = 30_000;

/** What decides whether a pass plans on provisional evictions, and on which tests. */
export interface ProvisionalGate {
  /** The pass's connections. */
  readonly budget: number;
  /** The pass is a full-table re-check. */
  readonly recheck: boolean;
  /** The pass's records are clean (`isClean`): nothing set aside as loss or mistimed, no sweep zone. */
  readonly clean: boolean;
}

/**
 * The longest idle a test may have to be planned on provisionally (0: none, infinite: any). Never
 * in a re-check: it tells a full table from loss by how many tests go unanswered, and a table full
 * of the other direction's connections changes that from one moment to the next (a table of 16,
 * both directions: a re-check planned on provisional evictions once reported 13 s for T = 350 s).
 * With few clocks, short tests of a clean pass only (above). The sweep zone has its own gate: its
 * planner sees only what was answered.
 */
export function provisionalIdleLimitMs({ budget, recheck, clean }: ProvisionalGate): number {
  if (recheck) return 0;
  if (budget >= PROVISIONAL_MIN_BUDGET) return Number.POSITIVE_INFINITY;
  return clean ? PROVISIONAL_SHORT_IDLE_MS : 0;
}

/** The clocks under test, split: those now planned as evicted, and the rest (still awaited). */
export interface ProvisionalView {
  /** One silent eviction per clock unanswered past the mark, as its record would read. */
  readonly records: TestRecord[];
  /** The idles of the tests still awaited (not yet provisional). */
  readonly awaitedIdles: number[];
  /** When the next awaited test turns provisional, if any will. */
  readonly nextAtMs: number | null;
}

/** The provisional view of the clocks under test, at `nowMs`. */
export function provisionalView(
  probing: readonly Clock[],
  nowMs: number,
  afterMs: number | null,
  maxIdleMs = Number.POSITIVE_INFINITY,
): ProvisionalView {
  const records: TestRecord[] = [];
  const awaitedIdles: number[] = [];
  let nextAtMs: number | null = null;
  for (const c of probing) {
    const dueMs =
      afterMs === null || c.probeIdleMs >= maxIdleMs ? Number.POSITIVE_INFINITY : c.probeAtMs + afterMs;
    if (dueMs <= nowMs) {
      records.push({
        conn: c.id,
        idleMs: c.probeIdleMs,
        atMs: c.probeAtMs,
        survived: false,
        how: 'silent-drop',
        spontaneous: false,
        batch: c.batch,
        first: c.survivals === 0,
      });
    } else {
      awaitedIdles.push(c.probeIdleMs);
      if (Number.isFinite(dueMs)) nextAtMs = nextAtMs === null ? dueMs : Math.min(nextAtMs, dueMs);
    }
  }
  return { records, awaitedIdles, nextAtMs };
}
