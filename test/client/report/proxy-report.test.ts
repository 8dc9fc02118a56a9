/**
 * A run through a proxy, in the report and the recommendation: the proxy named (never with
 * credentials, which the dialer's route does not carry), the timeout said to be the whole path's,
 * and TCP keepalive not recommended, since towards a proxy it does not keep the far side alive.
 */
import { describe, expect, it } from 'vitest';
import { toJsonReport, type DiscoveryReport } from '../../../client/report/report.js';
import { renderHuman } from '../../../client/report/human-report.js';
import { recommend } from '../../../client/report/recommendation.js';
import { planVerification } from '../../../client/verification/plan-verification.js';
import { RunCostMeter } from '../../../client/discovery/run-cost.js';
import type { Direction, DirectionResult, EvictionKind } from '../../../client/search/types.js';

function result(direction: Direction, survivedMs: number, evictedMs: number, eviction: EvictionKind) {
  return {
    direction,
    survivedMs,
    evictedMs,
    eviction,
    confidence: 0.93,
    findings: [],
    notes: [],
    probesSent: 12,
    connectionsOpened: 6,
    peakConnections: 6,
    observations: [],
  } satisfies DirectionResult;
}

/** A NAT-like silent drop at 30 s: without a proxy, TCP keepalive is what it recommends. */
const DIRECTIONS: DiscoveryReport['directions'] = {
  inbound: result('inbound', 29_500, 30_100, 'silent-drop'),
  outbound: result('outbound', 29_600, 30_200, 'silent-drop'),
};

function report(proxy: string | null): DiscoveryReport {
  return {
    reflector: 'reflector.example:7000',
    transport: 'tcp',
    tlsVersion: null,
    proxy,
    elapsedMs: 40_000,
    connectionsUsed: 12,
    aborted: null,
    directions: DIRECTIONS,
    cost: new RunCostMeter().cost({ connections: 1, messages: 10, bytes: 1000 }),
    verification: null,
  };
}

const PROXY = 'http://proxy.corp:3128';

describe('a report through a proxy', () => {
  it('names the proxy in the JSON, and null when direct', () => {
    expect(toJsonReport(report(PROXY)).proxy).toBe(PROXY);
    expect(toJsonReport(report(null)).proxy).toBeNull();
    const without: DiscoveryReport = report(null);
    delete without.proxy;
    expect(toJsonReport(without).proxy, 'absent is direct').toBeNull();
  });

  it('recommends the heartbeat, not TCP keepalive, and says why (direct: keepalive)', () => {
    const direct = toJsonReport(report(null)).recommendation;
    expect(direct.tcp_keepalive_helps, 'direct: keepalive beats a NAT').toBe(true);
    const json = toJsonReport(report(PROXY)).recommendation;
    expect(json.tcp_keepalive_helps).toBe(false);
    expect(json.heartbeat_s).toBe(14);
    expect(json.reasons[0]).toBe(
      `Every connection went through the proxy ${PROXY}: the timeout found is the whole path's, usually ` +
        "the proxy's own idle timeout for tunnels (or a NAT or firewall behind it), not this " +
        "network's alone.",
    );
    expect(json.reasons).toContain(
      'TCP keepalive towards a proxy does not keep the far side alive: it refreshes only your connection ' +
        `to ${PROXY}, carries no data through the tunnel, and the proxy's own connection onwards stays ` +
        'idle. Use the application heartbeat (every 14 s) instead.',
    );
    expect(
      json.reasons.some((r) => r.startsWith('TCP keepalive: first probe')),
      'no keepalive advice',
    ).toBe(false);
  });

  it('says so in the human report: the header names the proxy, and the timeout is the path’s', () => {
    const text = renderHuman(report(PROXY));
    expect(text.split('\n')[0], 'the answer first: the heartbeat').toMatch(
      /^Idle connections die .*: use an application heartbeat every \d+ s \(TCP keepalive does not help here\)/,
    );
    expect(text).toMatch(
      /^idlescope: reflector\.example:7000 over TCP via proxy http:\/\/proxy\.corp:3128, /m,
    );
    expect(text).toContain(
      "Through a proxy: this is the whole path's timeout, usually the proxy's own (see Why).",
    );
    expect(text).toContain('Application heartbeat every 14 s (TCP keepalive does not help here)');
    const direct = renderHuman(report(null));
    expect(direct).not.toContain('via proxy');
    expect(direct).not.toContain('Through a proxy');
  });

  it('plans a verification that needs the heartbeat through a proxy', () => {
    expect(planVerification(DIRECTIONS)?.heartbeatRequired, 'direct').toBe(false);
    expect(planVerification(DIRECTIONS, { proxy: PROXY })?.heartbeatRequired, 'through a proxy').toBe(true);
    expect(recommend(DIRECTIONS, { proxy: PROXY }).tcpKeepaliveHelps).toBe(false);
  });
});
