/**
 * What the reflector saw, on loopback with no NAT: a real run straight to a reflector (no emulator,
 * which as a userspace proxy would show as one), whose report must say that every probe arrived
 * from the address and port it left, and whose per-probe records agree with the brackets.
 * Slow: one real-time run to --max 2 s, about 4 s.
 */
import { describe, expect, it } from 'vitest';
import { runDiscovery } from '../../client/discovery/discovery-run.js';
import { renderHuman, toJsonReport } from '../../client/report/report.js';
import { startReflector } from '../helpers/loopback-stack.js';
import { useTeardown } from '../helpers/teardown.js';
import { loopbackDiscovery } from '../helpers/loopback-discovery.js';

describe('what the reflector saw, on loopback', () => {
  it(
    'finds no NAT: each probe seen from its own address and port, one public address',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { reflectorAddress } = await startReflector(defer);
      const outcome = await runDiscovery(loopbackDiscovery(reflectorAddress, 2));
      expect(outcome.end).toBe('complete');
      const json = toJsonReport(outcome.report);
      const attached = json.probes.filter((p) => p.idle_from_s !== null);
      expect(attached.length, 'probes attached').toBeGreaterThanOrEqual(2);
      for (const p of attached) {
        expect(p.seen, `probe ${p.direction} ${p.conn}: seen as it left`).toEqual(p.local);
        expect(p.local?.address).toBe('127.0.0.1');
      }
      expect(json.nat).toMatchObject({
        probes_compared: attached.length,
        nat_present: false,
        address_rewritten: 0,
        ports_preserved: attached.length,
        port_preservation: 'all',
        one_public_address: true,
        public_addresses: [{ address: '127.0.0.1', probes: attached.length }],
      });
      // Wrapped to the terminal's width: compared with its line breaks folded.
      expect(renderHuman(outcome.report).replace(/\s+/g, ' ')).toContain(
        `What the reflector saw: No NAT between you and the reflector: it saw all ${attached.length} ` +
          'connections arrive from the address and port they left (127.0.0.1).',
      );

      // The timeline is the search's own account: the longest surviving test is the bracket's end.
      for (const direction of ['inbound', 'outbound'] as const) {
        const tests = json.probes.filter((p) => p.direction === direction).flatMap((p) => p.tests);
        const survived = tests.filter((t) => t.outcome === 'survived').map((t) => t.idle_s);
        expect(survived.length, `${direction} tests survived`).toBeGreaterThan(0);
        expect(Math.max(...survived)).toBeCloseTo(json.directions[direction]?.survived_s ?? -1, 2);
        for (const t of tests) expect(t.tested_s).toBeGreaterThan(t.idle_from_s);
      }
      for (const p of json.probes) {
        expect(p.end, `probe ${p.direction} ${p.conn} ended with the run`).not.toBeNull();
        if (p.idle_from_s !== null) expect(p.idle_from_s).toBeGreaterThanOrEqual(p.opened_s);
      }
    },
  );
});
