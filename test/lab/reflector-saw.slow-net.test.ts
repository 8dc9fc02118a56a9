/**
 * What the reflector saw, through the lab's real kernel NAT (nat-strict: nftables masquerade): the
 * reflector sees every probe from the NAT's outside address, so the report must say a NAT is there.
 * Masquerade keeps a connection's source port when that leaves its tuple unique, which it does for
 * one client talking to one server: the report must find every port preserved, as the kernel did.
 * A short run (--max 2 s, below T = 5 s: nothing is evicted, the probes are what is looked at).
 */
import { afterAll, expect, it } from 'vitest';
import { describeLab } from './describe-lab.js';
import { createLab, labAvailability, type Lab } from './lab.js';
import { ADDR } from './scenarios.js';
import { runDiscoveryInLab } from './discovery.js';
import { listLabNamespaces, processPrefix } from './namespaces.js';

interface Endpoint {
  address: string;
  port: number;
}
interface ReportedProbe {
  local: Endpoint | null;
  seen: Endpoint | null;
  idle_from_s: number | null;
}

const availability = await labAvailability(['nat-strict']);

describeLab(
  'what the reflector saw through a kernel NAT',
  availability.ok ? null : availability.reason,
  () => {
    const labs = new Set<Lab>();
    afterAll(async () => {
      await Promise.all([...labs].map((lab) => lab.destroy()));
      expect(await listLabNamespaces(processPrefix()), 'namespaces left behind by this run').toEqual([]);
    });

    it(
      "nat-strict: NAT present, one public address (the NAT's), source ports kept",
      { timeout: 120_000 },
      async () => {
        const lab = await createLab({ scenario: 'nat-strict', timeoutS: 5 });
        labs.add(lab);
        let result;
        try {
          result = await runDiscoveryInLab(
            lab,
            ['--min', '1', '--max', '2', '--direction', 'both', '--no-verify'],
            {
              timeoutMs: 60_000,
            },
          );
        } finally {
          await lab.destroy();
          labs.delete(lab);
        }
        const why = `exit ${result.exitCode}; stderr ${result.stderr.slice(-400)}`;
        expect(result.exitCode, why).toBe(0);
        const probes = (result.report['probes'] as ReportedProbe[]).filter((p) => p.idle_from_s !== null);
        expect(probes.length, `attached probes\n${why}`).toBeGreaterThanOrEqual(2);
        for (const p of probes) {
          expect(p.local?.address, 'the client left from its own address').toBe(ADDR.client4);
          expect(p.seen?.address, "the reflector saw the NAT's outside address").toBe(ADDR.mbServer4);
          expect(p.seen?.port, 'masquerade kept the source port').toBe(p.local?.port);
        }
        expect(result.report['nat']).toMatchObject({
          probes_compared: probes.length,
          nat_present: true,
          address_rewritten: probes.length,
          ports_preserved: probes.length,
          port_preservation: 'all',
          one_public_address: true,
          public_addresses: [{ address: ADDR.mbServer4, probes: probes.length }],
          local_addresses: [{ address: ADDR.client4, probes: probes.length }],
        });
        const notes = (result.report['nat'] as { notes: string[] }).notes;
        expect(notes[0]).toBe(
          `A NAT (or a proxy) rewrites your address: your connections left from ${ADDR.client4}; ` +
            `the reflector saw them from ${ADDR.mbServer4}.`,
        );
      },
    );
  },
);
