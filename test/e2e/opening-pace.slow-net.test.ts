/**
 * The client opens its probe connections at most MAX_OPENING at a time: a burst of hundreds of
 * SYNs looks like a flood to some middleboxes. A relay holds every connection's hello for a while,
 * so each probe stays "opening" (not yet attached) that long, and the relay sees when each
 * connection arrives:
 *
 *   runDiscovery (128 connections) ──► relay (holds each hello HOLD_MS) ──► Reflector
 *
 * Slow: real time, about 5 s. Loopback only, port 0; every wait bounded.
 */
import { describe, expect, it } from 'vitest';
import { MAX_OPENING } from '../../client/discovery/probe-slots.js';
import { isProbe, type RelayedConnection } from '../helpers/counting-relay.js';
import { runInboundThroughRelay } from '../helpers/relayed-discovery.js';
import { useTeardown } from '../helpers/teardown.js';

const HOLD_MS = 400;
const CONNECTIONS = 128;

describe('opening probe connections', () => {
  it(
    `opens at most ${MAX_OPENING} at a time, and all of them in the end`,
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      // Nothing evicts on this path: the run ends once every direction survived --max.
      const { relay, report, end } = await runInboundThroughRelay(defer, {
        relay: { holdFirstUpMs: HOLD_MS },
        maxS: 2,
        connections: CONNECTIONS,
      });
      expect(end, 'the run completed').toBe('complete');

      const probes = relay.connections.filter(isProbe).sort((a, b) => a.acceptedAtMs - b.acceptedAtMs);
      expect(probes.length, 'every probe connection reached the relay').toBeGreaterThanOrEqual(CONNECTIONS);
      expect(report.cost.connectionsOpened, 'and the report counts them').toBeGreaterThanOrEqual(CONNECTIONS);
      // No probe is attached before its hello is through (HOLD_MS): in any window shorter than that,
      // at most MAX_OPENING new connections can have been started.
      const firstMs = (probes[0] as RelayedConnection).acceptedAtMs;
      const windowMs = HOLD_MS * 0.75;
      for (const probe of probes) {
        const inWindow = probes.filter(
          (p) => p.acceptedAtMs >= probe.acceptedAtMs && p.acceptedAtMs < probe.acceptedAtMs + windowMs,
        ).length;
        expect(
          inWindow,
          `probes accepted within ${windowMs} ms from ${Math.round(probe.acceptedAtMs - firstMs)} ms`,
        ).toBeLessThanOrEqual(MAX_OPENING);
      }
      // Without the limit, all of them would have arrived in the first window.
      const firstWindow = probes.filter((p) => p.acceptedAtMs < firstMs + windowMs).length;
      expect(firstWindow, 'the first wave').toBe(MAX_OPENING);
    },
  );
});
