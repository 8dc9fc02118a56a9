/**
 * An inbound survival is dated when its push crossed the middlebox, not when a retransmitted copy
 * reached the client. A relay stands for a lossy path: it lets each push through to the client
 * only HOLD_MS after it got it, as TCP does when the push is lost past the middlebox and resent:
 *
 *   runDiscovery ◄── relay (holds each PUSH_BYTE HOLD_MS) ◄── Reflector
 *
 *   per probe, as the relay sees it:   last packet ····· idle ····· push read ── HOLD_MS ──► passed on
 *   the idle the client must record:   ◄──────────────────────────►
 *
 * Nothing evicts on this path: every test survives, up to --max. The survived idles the client
 * records must match the ones the relay saw (dated at the push, not HOLD_MS later).
 * Slow: real time, about 5 s. Loopback only, port 0; every wait bounded.
 */
import { describe, expect, it } from 'vitest';
import { PUSH_BYTE } from '../../protocol/wire.js';
import { isProbe, type RelayedConnection } from '../helpers/counting-relay.js';
import { runInboundThroughRelay } from '../helpers/relayed-discovery.js';
import { useTeardown } from '../helpers/teardown.js';

/** Longer than Linux's minimum RTO (200 ms), well past the client's retransmission margin. */
const HOLD_MS = 400;
/**
 * The relay and the client stamp the same packet on one clock, up to an event-loop turn or two
 * apart (tens of ms on a loaded machine); the client's estimate of when a push crosses also
 * carries the control RTT's jitter. Far below HOLD_MS.
 */
const SLACK_MS = 150;
/** Every test survives (nothing evicts here): the search climbs from 1 s to this and stops. */
const MAX_S = 3;

/**
 * The idle before each push, as the relay saw it: from the last packet the client sent or was
 * given (a held push is given when the relay passes it on) to the moment the push reached the relay.
 */
function idlesBeforePushes(connection: RelayedConnection): number[] {
  const idles: number[] = [];
  let lastMs: number | null = null;
  for (const chunk of connection.chunks) {
    if (chunk.dir === 'down' && chunk.bytes.length === 1 && chunk.bytes[0] === PUSH_BYTE && lastMs !== null) {
      idles.push(chunk.atMs - lastMs);
    }
    lastMs = chunk.dir === 'up' ? chunk.atMs : chunk.sentAtMs;
  }
  return idles;
}

describe('dating inbound survivals', () => {
  it(
    `dates a push the path holds ${HOLD_MS} ms at its crossing, not at its late arrival`,
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { relay, report, end } = await runInboundThroughRelay(defer, {
        relay: { holdPushDownMs: HOLD_MS },
        maxS: MAX_S,
        connections: 8,
      });
      expect(end, 'the run completed').toBe('complete');

      const held = relay.connections
        .filter(isProbe)
        .flatMap((c) =>
          c.chunks.filter((chunk) => chunk.dir === 'down' && chunk.sentAtMs - chunk.atMs >= HOLD_MS / 2),
        );
      expect(held.length, 'the relay held pushes').toBeGreaterThanOrEqual(3);
      const inbound = report.directions.inbound;
      const recorded = (inbound?.observations ?? []).filter((o) => o.survived).map((o) => o.idleMs);
      expect(recorded.length, 'the client recorded survivals').toBeGreaterThanOrEqual(3);

      // Each recorded survival is one push the relay saw (some pushes may still have been held when
      // the run ended), so the k-th longest idle recorded can exceed the k-th longest the relay saw
      // only by the error of a single dating. Dated at arrival, every one would be HOLD_MS over.
      const relayed = relay.connections.filter(isProbe).flatMap(idlesBeforePushes);
      const byLength = (a: number, b: number): number => b - a;
      recorded.sort(byLength);
      relayed.sort(byLength);
      const over = recorded
        .map((idleMs, k) => ({
          k,
          idleMs: Math.round(idleMs),
          relayedMs: Math.round(relayed[k] ?? -Infinity),
        }))
        .filter(({ idleMs, relayedMs }) => idleMs > relayedMs + SLACK_MS);
      expect(
        over,
        `recorded survived idles more than ${SLACK_MS} ms above the relay's (k-th longest of each)`,
      ).toEqual([]);
      expect(
        inbound?.survivedMs ?? Infinity,
        "the survived bound, against the relay's longest idle",
      ).toBeLessThanOrEqual((relayed[0] as number) + SLACK_MS);
    },
  );
});
