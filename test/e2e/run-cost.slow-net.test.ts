/**
 * A real run's reported cost, end to end, against what a counting relay in front of the emulator
 * saw cross it:
 *
 *   runDiscovery ──► counting relay ──► emulator (drop, 2.5 s) ──► Reflector
 *
 * Exact where the client can know it: the probe payload bytes it counts are the bytes the relay
 * carried on probe connections (the relay sits before the emulator, so a push the emulator drops
 * never reaches it, nor the client). Bounded where it cannot: the control channel goes on for a
 * moment after the report (bye, close frames), and packets are only an estimate.
 * Slow: one real-time run, about 10 s.
 */
import { describe, expect, it } from 'vitest';
import { runDiscovery } from '../../client/discovery/discovery-run.js';
import { PING_BYTE, PROBE_HELLO_BYTES, PUSH_BYTE } from '../../protocol/wire.js';
import { PROBE_OPEN_PACKETS, PROBE_RESET_PACKETS } from '../../protocol/wire-estimate.js';
import { startStack } from '../helpers/loopback-stack.js';
import { isProbe, startRelay, type RelayedConnection } from '../helpers/counting-relay.js';
import { useTeardown, waitFor, within } from '../helpers/teardown.js';
import { LOOPBACK_CONNECTIONS, loopbackDiscovery } from '../helpers/loopback-discovery.js';

const TIMEOUT_MS = 2500;

function bytesOf(connections: RelayedConnection[]): number {
  return connections.reduce((sum, c) => sum + c.chunks.reduce((n, chunk) => n + chunk.bytes.length, 0), 0);
}

/** Tests the relay carried: pings up after the hello, pushes down (echoes only answer pings). */
function testsOf(connections: RelayedConnection[]): number {
  let tests = 0;
  for (const c of connections) {
    const stream = (dir: 'up' | 'down'): Buffer =>
      Buffer.concat(c.chunks.filter((chunk) => chunk.dir === dir).map((chunk) => chunk.bytes));
    for (const byte of stream('up').subarray(PROBE_HELLO_BYTES)) if (byte === PING_BYTE) tests++;
    for (const byte of stream('down')) if (byte === PUSH_BYTE) tests++;
  }
  return tests;
}

describe('the cost of a real run', () => {
  it(
    'reports the probe bytes the wire carried, the connections, the tests and a packet estimate',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { front: emulatorFront } = await startStack(defer, { mode: 'drop', timeoutMs: TIMEOUT_MS });
      const { relay, front } = await startRelay(defer, emulatorFront);
      const stop = new AbortController();
      defer(() => stop.abort());

      const { report, end } = await within(
        runDiscovery(loopbackDiscovery(front, 3 * (TIMEOUT_MS / 1000), stop.signal)),
        50_000,
        'the discovery run',
      );
      expect(end, 'the run completed').toBe('complete');
      const { cost } = report;
      const facts = JSON.stringify(cost);

      const probes = relay.connections.filter(isProbe);
      const controls = relay.connections.filter((c) => !isProbe(c));
      expect(controls.length, 'one control channel').toBe(1);

      expect(cost.probeBytes, `${facts}: probe payload bytes, both ways, as the relay carried them`).toBe(
        bytesOf(probes),
      );
      expect(cost.probeBytes, `${facts}: at least a hello per probe connection`).toBeGreaterThanOrEqual(
        PROBE_HELLO_BYTES * probes.length,
      );

      expect(cost.connectionsOpened, `${facts}: the search's own count`).toBe(report.connectionsUsed);
      expect(
        cost.connectionsOpened,
        `${facts}: every probe connection the relay carried was opened`,
      ).toBeGreaterThanOrEqual(probes.length);
      expect(cost.peakConnections, `${facts}: some were held at once`).toBeGreaterThan(1);
      expect(cost.peakConnections, `${facts}: never more than the budget`).toBeLessThanOrEqual(
        LOOPBACK_CONNECTIONS,
      );

      const searchProbes =
        (report.directions.inbound?.probesSent ?? 0) + (report.directions.outbound?.probesSent ?? 0);
      expect(cost.probesSent, `${facts}: the tests the searches asked for were sent`).toBe(searchProbes);
      // Every ping crosses the relay; a push the emulator dropped does not, so the relay sees fewer.
      expect(cost.probesSent, `${facts}: at least the tests the relay carried`).toBeGreaterThanOrEqual(
        testsOf(probes),
      );

      expect(
        cost.packetsEstimate,
        `${facts}: at least an open and a teardown per probe`,
      ).toBeGreaterThanOrEqual(cost.connectionsOpened * (PROBE_OPEN_PACKETS + PROBE_RESET_PACKETS));

      // The control channel: the HTTP upgrade and a heartbeat each way every second at the least.
      expect(cost.controlBytes, `${facts}: the upgrade and the heartbeats`).toBeGreaterThan(
        300 + 2 * 20 * Math.floor(report.elapsedMs / 1000),
      );
      // The relay carries all the client counted, and after the report only the goodbye: bye, close
      // frames, and the reflector's last reports of probes the client tore down.
      const control = controls[0] as RelayedConnection;
      await waitFor(
        `the relay to carry the ${cost.controlBytes} control bytes counted (has ${bytesOf([control])})`,
        () => bytesOf([control]) >= cost.controlBytes,
        5000,
      );
      expect(
        bytesOf([control]) - cost.controlBytes,
        `${facts}: control bytes after the report`,
      ).toBeLessThanOrEqual(100 * LOOPBACK_CONNECTIONS);
    },
  );
});
