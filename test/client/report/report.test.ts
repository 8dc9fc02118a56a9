import {
  COST_KEYS,
  DIRECTION_KEYS,
  RECOMMENDATION_KEYS,
  TIMEOUT_KEYS,
  TOP_KEYS,
} from '../../helpers/report-keys.js';
import { describe, expect, it } from 'vitest';
import { directionResult } from '../../helpers/direction-result.js';
import {
  renderHuman,
  renderJson,
  toJsonReport,
  type DiscoveryReport,
} from '../../../client/report/report.js';
import type { Direction, DirectionResult, EvictionKind } from '../../../client/search/types.js';

function result(
  direction: Direction,
  survivedMs: number | null,
  evictedMs: number | null,
  eviction: EvictionKind | null = evictedMs === null ? null : 'silent-drop',
  extra: Partial<DirectionResult> = {},
): DirectionResult {
  const probes = { confidence: 0.93, probesSent: 12, connectionsOpened: 6, peakConnections: 6 };
  return directionResult(direction, survivedMs, evictedMs, eviction, { ...probes, ...extra });
}

/** A run of 263 connections, as in the README's example line. */
const COST: DiscoveryReport['cost'] = {
  connectionsOpened: 263,
  peakConnections: 256,
  probesSent: 150,
  probeBytes: 86_100,
  controlBytes: 12_400,
  packetsEstimate: 1_911,
};

function report(
  directions: DiscoveryReport['directions'],
  aborted: string | null = null,
  cost: DiscoveryReport['cost'] = COST,
): DiscoveryReport {
  return {
    reflector: 'reflector.example:7000',
    transport: 'tcp',
    elapsedMs: 33_456.7891,
    connectionsUsed: 24,
    aborted,
    directions,
    cost,
    verification: null,
  };
}

/** A loose Linux NAT at 30 s: inbound evicted, outbound never. */
const LOOSE_NAT = report({
  inbound: result('inbound', 29_412.4, 30_087.6, 'silent-drop', {
    notes: ['sweep granularity about 0.7 s'],
  }),
  outbound: result('outbound', 32_000, null),
});

describe('renderJson', () => {
  it('follows schema 1 with exactly the documented keys', () => {
    const json = JSON.parse(renderJson(LOOSE_NAT)) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual([...TOP_KEYS].sort());
    const timeout = json.timeout as Record<string, unknown>;
    expect(Object.keys(timeout).sort()).toEqual([...TIMEOUT_KEYS].sort());
    const directions = json.directions as Record<string, Record<string, unknown>>;
    expect(Object.keys(directions).sort()).toEqual(['inbound', 'outbound']);
    for (const direction of ['inbound', 'outbound']) {
      expect(Object.keys(directions[direction]!).sort(), direction).toEqual([...DIRECTION_KEYS].sort());
    }
    const rec = json.recommendation as Record<string, unknown>;
    expect(Object.keys(rec).sort()).toEqual([...RECOMMENDATION_KEYS].sort());
    expect(Object.keys(json.cost as object).sort()).toEqual([...COST_KEYS].sort());
  });

  it('reports the cost as given, in snake_case, unrounded', () => {
    expect(toJsonReport(LOOSE_NAT).cost).toEqual({
      connections_opened: 263,
      peak_connections: 256,
      probes_sent: 150,
      probe_bytes: 86_100,
      control_bytes: 12_400,
      packets_estimate: 1_911,
    });
  });

  it('gives seconds with millisecond precision and null where unknown', () => {
    const json = toJsonReport(LOOSE_NAT);
    expect(json).toMatchObject({
      schema: 1,
      reflector: 'reflector.example:7000',
      transport: 'tcp',
      elapsed_s: 33.457,
      connections_used: 24,
      aborted: null,
      timeout: {
        survived_s: 29.412,
        evicted_s: 30.088,
        eviction: 'silent-drop',
        direction: 'inbound',
        hint: null,
      },
      directions: {
        inbound: { survived_s: 29.412, evicted_s: 30.088, eviction: 'silent-drop', probes_sent: 12 },
        outbound: { survived_s: 32, evicted_s: null, eviction: null },
      },
      recommendation: {
        keepalive_idle_s: 21,
        keepalive_interval_s: 2,
        keepalive_count: 3,
        heartbeat_s: 14,
        basis: 'timeout',
        tcp_keepalive_helps: true,
      },
    });
    expect(json.directions.inbound?.notes).toEqual(['sweep granularity about 0.7 s']);
  });

  it('names a known middlebox, and emits null for an untested direction', () => {
    const json = toJsonReport(
      report({ inbound: result('inbound', 349_500, 350_200, 'reset') }, 'reflector lost'),
    );
    expect(json.timeout?.hint).toMatch(/^looks like AWS NAT Gateway: the bracket \(349\.5 s, 350\.2 s\]/);
    expect(json.timeout?.hints.map((h) => h.middlebox)).toEqual([
      'AWS NAT Gateway',
      'AWS Network Load Balancer',
    ]);
    expect(json.timeout?.hints.every((h) => h.eviction_matches && h.tcp_keepalive_helps)).toBe(true);
    expect(json.timeout?.hints[0]?.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(json.directions.outbound).toBeNull();
    expect(json.aborted).toBe('reflector lost');
    expect(json.recommendation).toMatchObject({ keepalive_idle_s: 245, keepalive_interval_s: 34 });
  });

  it('with no eviction at all reports no timeout and no keepalive for the path, only for dead peers', () => {
    const json = toJsonReport(
      report({
        outbound: result('outbound', 3_600_000, null),
        inbound: result('inbound', 3_600_000, null),
      }),
    );
    expect(json.timeout).toBeNull();
    expect(json.recommendation).toMatchObject({
      basis: 'no-eviction-up-to-max',
      keepalive_idle_s: null,
      keepalive_interval_s: null,
      keepalive_count: null,
      heartbeat_s: null,
    });
    expect(json.recommendation.dead_peer).toEqual({
      keepalive_idle_s: 60,
      keepalive_interval_s: 10,
      keepalive_count: 6,
      user_timeout_ms: 120_000,
      only_for_dead_peers: true,
      detected_idle_s: 120,
      detected_unacked_s: 120,
      system_default_idle_s: 7875,
      system_default_unacked_s: 924.6,
    });
  });

  it('stopped before any eviction: basis interrupted, no confidence claimed, no timeout', () => {
    const json = toJsonReport(
      report(
        { inbound: result('inbound', 2_500, null), outbound: result('outbound', 2_400, null) },
        'interrupted',
      ),
    );
    expect(json.timeout).toBeNull();
    expect(json.recommendation.basis).toBe('interrupted');
    expect(json.recommendation.keepalive_idle_s).toBeNull();
    expect(json.directions.inbound?.confidence, 'inbound confidence').toBeNull();
    expect(json.directions.outbound?.confidence, 'outbound confidence').toBeNull();
  });

  it('stopped after an eviction still claims the evicted direction', () => {
    const json = toJsonReport(
      report(
        { inbound: result('inbound', 29_400, 30_100), outbound: result('outbound', 20_000, null) },
        'interrupted',
      ),
    );
    expect(json.recommendation.basis).toBe('timeout');
    expect(json.directions.inbound?.confidence).toBe(0.93);
    expect(json.directions.outbound?.confidence, 'no eviction yet: nothing claimed').toBeNull();
  });

  it('with nothing measured gives no timeout and no recommendation', () => {
    const json = toJsonReport(report({}, 'reflector unreachable'));
    expect(json.timeout).toBeNull();
    expect(json.directions).toEqual({ inbound: null, outbound: null });
    expect(json.recommendation.basis).toBe('no-data');
    expect(json.recommendation.keepalive_idle_s).toBeNull();
  });

  it('is valid JSON without a trailing newline (the caller adds one)', () => {
    const text = renderJson(LOOSE_NAT);
    expect(text.endsWith('}')).toBe(true);
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });
});

describe('renderHuman', () => {
  it('shows the bracket per direction, what dies first and ready-to-paste settings', () => {
    const text = renderHuman(LOOSE_NAT);
    expect(text).toContain('inbound (reflector → you): survives 29.4 s, evicted at 30.1 s — silent drop');
    expect(text).toContain('outbound (you → reflector): survives 32.0 s, no eviction up to that');
    expect(text).toMatch(/Dies first: inbound\. .*server pushes/s);
    expect(text).toContain('note: sweep granularity about 0.7 s');
    expect(text).toContain('confidence 0.93');
    expect(text).toContain('TCP keepalive: idle 21 s, interval 2 s, 3 probes, TCP_USER_TIMEOUT 27000 ms');
    // The snippets of client/keepalive, for the same plan (compiled and run in their own tests).
    for (const line of [
      'sysctl -w net.ipv4.tcp_keepalive_time=21',
      'sysctl -w net.ipv4.tcp_keepalive_intvl=2',
      'sysctl -w net.ipv4.tcp_keepalive_probes=3',
      'SYSTEM-WIDE',
      'TCP_KEEPIDLE',
      'TCP_KEEPINTVL',
      'TCP_KEEPCNT',
      'TCP_USER_TIMEOUT',
      'jdk.net.ExtendedSocketOptions',
      'KeepAliveConfig',
      'so_keepalive',
      'clitcpka',
    ]) {
      expect(text, line).toContain(line);
    }
    expect(text).toContain('fails after 27 s (idle + 3 × interval)');
  });

  it('for a terminating proxy gives a heartbeat, not keepalive settings', () => {
    const text = renderHuman(
      report({
        inbound: result('inbound', 59_400, 60_100, 'close'),
        outbound: result('outbound', 59_500, 60_200, 'close'),
      }),
      { columns: 200 },
    );
    expect(text).toContain('closed with FIN (a terminating proxy)');
    expect(text).toContain('Application heartbeat every 29 s (TCP keepalive does not help here)');
    expect(text).toMatch(/TCP keepalive does not stop a\s+terminating proxy's idle timer/);
    expect(text).toContain(
      'Looks like AWS Application Load Balancer: the bracket (59.4 s, 60.1 s] matches its default of 60 s, ' +
        'and a close (FIN) is how it evicts; it terminates connections, so TCP keepalive does not help',
    );
    expect(text, 'at most two hints').not.toContain('Looks like nginx');
    expect(text).not.toContain('sysctl');
    expect(text).not.toContain('setsockopt');
  });

  it('says clearly when the results are partial, and why', () => {
    const text = renderHuman(
      report({ inbound: result('inbound', 349_500, 350_200, 'reset') }, 'reflector lost'),
      { columns: 200 },
    );
    expect(text).toContain('PARTIAL RESULT: the run ended early (reflector lost).');
    expect(text).toContain('The outbound direction was not tested');
    expect(text).toMatch(
      /^Looks like AWS NAT Gateway: .* matches its default of 350 s, and a reset is how it evicts/m,
    );
    expect(text).toMatch(/^Looks like AWS Network Load Balancer: /m);
    expect(text).toContain('TCP keepalive: idle 245 s, interval 34 s, 3 probes');
  });

  it('says when nothing was evicted up to the longest idle tested; pastes no keepalive for the path', () => {
    const text = renderHuman(
      report({
        inbound: result('inbound', 7_200_000, null),
        outbound: result('outbound', 7_200_000, null),
      }),
    );
    expect(text).toContain('No direction was evicted within the longest idle tested.');
    expect(text).toContain('Recommendation (no eviction seen up to 7200 s: nothing to beat):');
    expect(text).toContain('No keepalive is needed to keep this path open.');
    expect(text).toContain('To notice dead peers: per-socket keepalive idle 60 s, interval 10 s, 6 probes');
    expect(text, 'never a system-wide setting the path does not need').not.toContain('sysctl');
    expect(text).toContain('setsockopt');
  });

  it('stopped before any eviction: claims no confidence and recommends no keepalive', () => {
    const text = renderHuman(
      report(
        { inbound: result('inbound', 2_500, null), outbound: result('outbound', 2_400, null) },
        'interrupted',
      ),
    );
    expect(text).toContain('Recommendation (interrupted before any eviction: nothing to beat yet):');
    expect(text).toContain('stopped before any eviction');
    expect(text).not.toContain('confidence');
    expect(text).not.toContain('sysctl');
  });

  it('says when nothing survived', () => {
    const text = renderHuman(report({ outbound: result('outbound', null, 4_000, 'reset') }));
    expect(text).toContain('outbound (you → reflector): nothing survived; evicted at 4.00 s — reset');
    expect(text).toContain('Recommendation (nothing survived: the smallest possible values)');
    expect(text).toContain('TCP keepalive: idle 1 s, interval 1 s, 3 probes');
  });

  it('gives the cost on one line, bytes in binary units and the packets as a rounded estimate', () => {
    const lines = renderHuman(LOOSE_NAT, { columns: 200 }).split('\n');
    const heading = lines.findIndex((line) => line.startsWith('idlescope: '));
    expect(heading).toBeGreaterThan(0);
    expect(lines[heading + 1], 'right under the heading').toBe(
      'cost: 263 connections (peak 256), 150 probes, 84 KiB on ' +
        'probes + 12 KiB control, about 1,900 packets (estimated)',
    );
  });

  it('gives the cost of a small run without rounding its counts away', () => {
    const small = {
      connectionsOpened: 1,
      peakConnections: 1,
      probesSent: 1,
      probeBytes: 27,
      controlBytes: 5_300,
      packetsEstimate: 47,
    };
    const text = renderHuman(report({ outbound: result('outbound', null, 4_000, 'reset') }, null, small));
    expect(text).toContain(
      'cost: 1 connection (peak 1), 1 probe, 27 B on probes + 5.2 KiB control, about 47 packets (estimated)',
    );
  });

  it('keeps every line scannable (no line over 130 columns except the sysctl command)', () => {
    for (const line of renderHuman(LOOSE_NAT).split('\n')) {
      if (line.includes('sysctl -w')) continue;
      expect(line.length, line).toBeLessThanOrEqual(130);
    }
  });

  it('puts the answer first, in one sentence', () => {
    const text = renderHuman(
      report({
        inbound: result('inbound', 349_500, 350_400, 'silent-drop'),
        outbound: result('outbound', 400_000, null),
      }),
      { columns: 200 },
    );
    expect(text.split('\n')[0]).toBe(
      'Idle connections die after 349.5-350.4 s (inbound, silent drop): ' +
        'use TCP keepalive idle 245 s, interval 34 s, count 3',
    );
  });

  it('wraps prose to the width asked for, indenting continuations, and leaves the snippets whole', () => {
    const text = renderHuman(LOOSE_NAT, { columns: 80 });
    const lines = text.split('\n');
    const settings = lines.findIndex((line) => line.endsWith(':') && /^(Linux|C|Node)/.test(line));
    expect(settings, 'the snippets are there').toBeGreaterThan(0);
    const prose = lines
      .slice(0, settings)
      .filter((line) => !line.startsWith('  recommended') && !line.startsWith('  common'));
    for (const line of prose) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(lines[1], 'the answer continues indented').toMatch(/^ {2}\S/);
    expect(text.replace(/\n\s*/g, ' ')).toContain(
      'Dies first: inbound. Only what the reflector sends dies: on most NATs (Linux default, ' +
        'nf_conntrack_tcp_loose=1) your own sends re-create the mapping',
    );
  });

  it('gives the mobile cost of the recommendation beside the common periods', () => {
    const lines = renderHuman(LOOSE_NAT).split('\n');
    const heading = lines.findIndex((line) => line.startsWith('Mobile cost per idle connection per day'));
    expect(heading).toBeGreaterThan(0);
    expect(lines[heading + 1]).toMatch(/^ {2}recommended TCP keepalive 21 s +171\.?\d*\/h/);
    expect(lines.slice(heading + 1, heading + 7).map((l) => l.trim().split(/ {2,}/)[0])).toEqual([
      'recommended TCP keepalive 21 s',
      'recommended heartbeat 14 s',
      'common heartbeat 25 s',
      'common heartbeat 4.5 min',
      'common heartbeat 15 min',
      'common heartbeat 28 min',
    ]);
  });
});
