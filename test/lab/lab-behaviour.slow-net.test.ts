/**
 * The lab behaves as the field notes say ("How a Linux NAT really behaves"), checked with a tiny
 * fixture endpoint (fixtures/tcp-peer.ts) and not with idlescope's own client. Real namespaces,
 * real conntrack, real haproxy: needs root, iproute2, nftables and haproxy. Skips on a developer
 * machine without them; fails under CI=true.
 *
 * T = 3 s. "Below T" idles 1.5 s; "above T" idles T + 2 s and then gives the write 3 s to show an
 * outcome; nat-strict is also checked at T +/- 250 ms. All five labs run in parallel: about 20 s in all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeLab } from './describe-lab.js';
import { createLab, labAvailability, SCENARIOS, SCENARIO_SPECS, type Lab, type Scenario } from './lab.js';
import { listLabNamespaces, processPrefix } from './namespaces.js';
import { observeAfterIdle, type Observation } from './observe.js';
import { PeerRemote } from './peer-remote.js';

const TIMEOUT_S = 3;
const SHORT_IDLE_MS = 1_500;
const LONG_IDLE_MS = (TIMEOUT_S + 2) * 1_000;
const WINDOW_MS = 3_000;
/**
 * Measured: unloaded the boundary is within 20 ms of T; with five labs running, event stamps trail by up to
 * ~30 ms.
 */
const BOUNDARY_MARGIN_MS = 250;
const PORT = 7000;
const CASE_TIMEOUT_MS = 40_000;

/** Scenarios a raw TCP peer can cross by itself (the forward proxies' are tunnels: forward-proxy suite). */
const DIRECT_SCENARIOS = SCENARIOS.filter((scenario) => SCENARIO_SPECS[scenario].forwardProxy === null);
const availability = await labAvailability(DIRECT_SCENARIOS);
const unavailable = availability.ok ? null : availability.reason;

interface Rig {
  lab: Lab;
  client: PeerRemote;
  server: PeerRemote;
}

/** Events other than the connection setup (whose stamps may trail the client's `ready` by a few ms). */
const afterSetup = (e: Observation['clientEvents'][number]): boolean =>
  !['connected', 'accepted', 'ready'].includes(e.event);

function describeOutcome(o: Observation): string {
  const brief = (events: Observation['clientEvents']): string =>
    events.map((e) => `${e.event}${e.code ? `:${e.code}` : ''}`).join(',');
  return (
    `${o.id} ${o.direction}: fate=${o.fate} idle=${o.idleMs?.toFixed(0) ?? '-'}ms ` +
    `client[${brief(o.clientEvents)}] server[${brief(o.serverEvents)}]`
  );
}

describeLab('real middlebox lab', unavailable, () => {
  const rigs = new Map<Scenario, Rig>();
  const labs: Lab[] = [];

  beforeAll(async () => {
    const built = await Promise.allSettled(
      DIRECT_SCENARIOS.map(async (scenario) => {
        const lab = await createLab({ scenario, timeoutS: TIMEOUT_S });
        labs.push(lab);
        const server = PeerRemote.start(lab, lab.serverNs, `${scenario}/server`);
        const client = PeerRemote.start(lab, lab.clientNs, `${scenario}/client`);
        await server.listen(lab.serverListenHost, PORT);
        rigs.set(scenario, { lab, client, server });
      }),
    );
    const failed = built.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(labs.map((lab) => lab.destroy()));
    expect(await listLabNamespaces(processPrefix()), 'namespaces left behind by this run').toEqual([]);
  });

  const rigOf = (scenario: Scenario): Rig => {
    const rig = rigs.get(scenario);
    if (!rig) throw new Error(`lab ${scenario} was not built`);
    return rig;
  };
  const observe = (
    scenario: Scenario,
    id: string,
    direction: 'outbound' | 'inbound',
    idleMs: number,
  ): Promise<Observation> => {
    const { lab, client, server } = rigOf(scenario);
    return observeAfterIdle({
      client,
      server,
      target: lab.targetAddress(PORT),
      id,
      direction,
      idleMs,
      windowMs: WINDOW_MS,
    });
  };

  describe.concurrent('scenarios', () => {
    for (const scenario of DIRECT_SCENARIOS) {
      const spec = SCENARIO_SPECS[scenario];

      it(
        `${scenario}: idle ${SHORT_IDLE_MS} ms (< T=${TIMEOUT_S} s) survives in both directions`,
        async () => {
          const [out, inb] = await Promise.all([
            observe(scenario, 'short-out', 'outbound', SHORT_IDLE_MS),
            observe(scenario, 'short-in', 'inbound', SHORT_IDLE_MS),
          ]);
          expect(out.fate, describeOutcome(out)).toBe('survives');
          expect(inb.fate, describeOutcome(inb)).toBe('survives');
        },
        CASE_TIMEOUT_MS,
      );

      it(
        `${scenario}: idle ${LONG_IDLE_MS} ms (> T) -> outbound ${spec.afterIdle.outbound}, inbound ` +
          `${spec.afterIdle.inbound}`,
        async () => {
          const [out, inb] = await Promise.all([
            observe(scenario, 'long-out', 'outbound', LONG_IDLE_MS),
            observe(scenario, 'long-in', 'inbound', LONG_IDLE_MS),
          ]);
          expect(out.fate, describeOutcome(out)).toBe(spec.afterIdle.outbound);
          expect(inb.fate, describeOutcome(inb)).toBe(spec.afterIdle.inbound);

          for (const o of [out, inb]) {
            switch (o.fate) {
              case 'silent-drop':
                // Nothing at all reached either side: no data, no FIN, no RST.
                expect(o.clientEvents.filter(afterSetup), describeOutcome(o)).toEqual([]);
                expect(o.serverEvents.filter(afterSetup), describeOutcome(o)).toEqual([]);
                break;
              case 'reset':
                expect(o.writerErrorCode, describeOutcome(o)).toBe('ECONNRESET');
                if (o.direction === 'inbound') {
                  // The RST comes from the middlebox: the push never reaches the client.
                  expect(
                    o.clientEvents.some((e) => e.event === 'data'),
                    describeOutcome(o),
                  ).toBe(false);
                }
                break;
              case 'close': {
                // A terminating proxy closes both legs with FIN at about T after the last data.
                for (const finMs of [o.clientFinAfterMs, o.serverFinAfterMs]) {
                  expect(finMs, describeOutcome(o)).not.toBeNull();
                  expect(finMs!, describeOutcome(o)).toBeGreaterThan(TIMEOUT_S * 1_000 - 250);
                  expect(finMs!, describeOutcome(o)).toBeLessThan(TIMEOUT_S * 1_000 + 1_000);
                }
                break;
              }
              case 'survives':
                break;
              default: {
                const never: never = o.fate;
                throw new Error(`unexpected fate ${String(never)}`);
              }
            }
          }
        },
        CASE_TIMEOUT_MS,
      );
    }

    it(
      `nat-strict: the boundary is sharp: idle T - ${BOUNDARY_MARGIN_MS} ms survives, T + ` +
        `${BOUNDARY_MARGIN_MS} ms is dropped`,
      async () => {
        const t = TIMEOUT_S * 1_000;
        const results = await Promise.all([
          observe('nat-strict', 'edge-below-out', 'outbound', t - BOUNDARY_MARGIN_MS),
          observe('nat-strict', 'edge-below-in', 'inbound', t - BOUNDARY_MARGIN_MS),
          observe('nat-strict', 'edge-above-out', 'outbound', t + BOUNDARY_MARGIN_MS),
          observe('nat-strict', 'edge-above-in', 'inbound', t + BOUNDARY_MARGIN_MS),
        ]);
        const fates = results.map((o) => o.fate);
        expect(fates, results.map(describeOutcome).join('\n')).toEqual([
          'survives',
          'survives',
          'silent-drop',
          'silent-drop',
        ]);
      },
      CASE_TIMEOUT_MS,
    );
  });
});
