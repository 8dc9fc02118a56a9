/**
 * Acceptance (issue 12): on nat-strict (real kernel conntrack, T = 5 s), discover over tls, ws and
 * wss brackets T like tcp does: the same eviction kind in each direction, and survived/evicted
 * bounds within the resolution (1 s) of the tcp run's. A TLS or WebSocket connection is one TCP
 * connection to the NAT, so its mapping must expire at the same T; what the transports add (a TLS
 * handshake and tickets, an HTTP upgrade) crosses before the probe's hello, not during its idle.
 * The reflector makes a certificate (--self-signed) and discover pins it (--pin). Needs root,
 * iproute2 and nftables; skips elsewhere with the reason, fails under CI=true (describe-lab.ts).
 * About 40 s: four runs to --max 15, two at a time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { describeLab } from './describe-lab.js';
import { createLab, labAvailability, type Lab } from './lab.js';
import { runDiscoveryInLab, type LabDiscoveryResult } from './discovery.js';
import { createLimiter } from './limit.js';
import { listLabNamespaces, processPrefix } from './namespaces.js';

const TIMEOUT_S = 5;
const MAX_S = 3 * TIMEOUT_S;
/** The default resolution at 5 s: max(1 s, 1% of T). */
const RESOLUTION_S = 1;
/** As in discovery.slow-net.test.ts: the client's timestamp noise under load, not the NAT's. */
const TIMING_TOLERANCE_S = 0.25;
const CASE_TIMEOUT_MS = 180_000;
const TRANSPORTS = ['tcp', 'tls', 'ws', 'wss'] as const;
type Transport = (typeof TRANSPORTS)[number];

const availability = await labAvailability();
const unavailable = availability.ok ? null : availability.reason;

describeLab('idlescope discover over each transport on nat-strict', unavailable, () => {
  const limit = createLimiter(2);
  const labs = new Set<Lab>();

  afterAll(async () => {
    await Promise.all([...labs].map((lab) => lab.destroy()));
    expect(await listLabNamespaces(processPrefix()), 'namespaces left behind by this run').toEqual([]);
  });

  const discover = (transport: Transport): Promise<LabDiscoveryResult> =>
    limit(async () => {
      const lab = await createLab({ scenario: 'nat-strict', timeoutS: TIMEOUT_S });
      labs.add(lab);
      try {
        const args = ['--min', '1', '--max', String(MAX_S), '--direction', 'both', '--no-verify'];
        return await runDiscoveryInLab(lab, [...args, '--transport', transport], {
          timeoutMs: CASE_TIMEOUT_MS,
          selfSigned: transport === 'tls' || transport === 'wss',
        });
      } finally {
        await lab.destroy();
        labs.delete(lab);
      }
    });

  // Started at once (two at a time), asserted per transport against the tcp run.
  const runs = new Map<Transport, Promise<LabDiscoveryResult>>();
  const run = (transport: Transport): Promise<LabDiscoveryResult> => {
    let pending = runs.get(transport);
    if (pending === undefined) {
      pending = discover(transport);
      runs.set(transport, pending);
    }
    return pending;
  };

  describe.concurrent('transports', () => {
    for (const transport of TRANSPORTS) {
      it(`${transport}: brackets T = ${TIMEOUT_S} s like tcp`, { timeout: 2 * CASE_TIMEOUT_MS }, async () => {
        const [tcp, result] = await Promise.all([run('tcp'), run(transport)]);
        const why = (r: LabDiscoveryResult): string => `${transport}: ${JSON.stringify(r.report.directions)}`;
        expect(result.exitCode, `discover exit code\n${why(result)}\n${result.stderr.slice(-400)}`).toBe(0);
        expect(result.report['transport'], 'the report names the transport').toBe(transport);
        expect(result.report['tls_version'], 'and the TLS version').toBe(
          transport === 'tls' || transport === 'wss' ? 'TLSv1.3' : null,
        );
        for (const direction of ['inbound', 'outbound'] as const) {
          const r = result.report.directions[direction];
          const base = tcp.report.directions[direction];
          const label = `${transport} ${direction}\n${why(result)}\ntcp: ${why(tcp)}`;
          expect(r?.eviction, `${label}: silent drop, as on tcp`).toBe('silent-drop');
          expect(r?.survived_s, `${label}: survived below T`).toBeLessThanOrEqual(
            TIMEOUT_S + TIMING_TOLERANCE_S,
          );
          expect(r?.evicted_s, `${label}: evicted above T`).toBeGreaterThanOrEqual(
            TIMEOUT_S - TIMING_TOLERANCE_S,
          );
          expect(
            Math.abs((r?.survived_s as number) - (base?.survived_s as number)),
            `${label}: survived within the resolution of tcp's`,
          ).toBeLessThanOrEqual(RESOLUTION_S);
          expect(
            Math.abs((r?.evicted_s as number) - (base?.evicted_s as number)),
            `${label}: evicted within the resolution of tcp's`,
          ).toBeLessThanOrEqual(RESOLUTION_S);
        }
      });
    }
  });
});
