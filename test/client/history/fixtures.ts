/**
 * Saved runs for the history suites: a JSON report (schema 1) with just what the history reads
 * set (when, the public address, the timeout, the recommendation), the rest as a real run has it.
 */
import type { JsonReport } from '../../../client/report/report.js';

export interface RunFixture {
  startedAt: string | null;
  network: string | null;
  /** The limiting direction's eviction bound; null: nothing evicted (survived up to 10 s). */
  timeoutS: number | null;
  reflector?: string;
}

export function savedRun({
  startedAt,
  network,
  timeoutS,
  reflector = 'reflector.test:7000',
}: RunFixture): JsonReport {
  const evicted = timeoutS !== null;
  const direction = {
    survived_s: evicted ? timeoutS - 1 : 10,
    evicted_s: timeoutS,
    eviction: evicted ? ('silent-drop' as const) : null,
    confidence: 1,
    notes: [],
    probes_sent: 10,
  };
  return {
    schema: 1,
    reflector,
    transport: 'tcp',
    elapsed_s: 12,
    connections_used: 16,
    aborted: null,
    timeout: evicted
      ? {
          survived_s: timeoutS - 1,
          evicted_s: timeoutS,
          eviction: 'silent-drop',
          direction: 'inbound',
          hint: null,
          hints: [],
        }
      : null,
    directions: { inbound: direction, outbound: { ...direction } },
    recommendation: {
      keepalive_idle_s: evicted ? 240 : null,
      keepalive_interval_s: evicted ? 10 : null,
      keepalive_count: evicted ? 3 : null,
      heartbeat_s: evicted ? 240 : null,
      basis: evicted ? 'timeout' : 'no-eviction-up-to-max',
      tcp_keepalive_helps: true,
      dead_peer: {
        keepalive_idle_s: 240,
        keepalive_interval_s: 10,
        keepalive_count: 3,
        user_timeout_ms: 270000,
        only_for_dead_peers: !evicted,
        detected_idle_s: 270,
        detected_unacked_s: 270,
        system_default_idle_s: 7875,
        system_default_unacked_s: 924,
      },
      reasons: [],
      mobile_cost: { recommended: [], common: [] },
    },
    cost: {
      connections_opened: 16,
      peak_connections: 16,
      probes_sent: 20,
      probe_bytes: 700,
      control_bytes: 3000,
      packets_estimate: 200,
    },
    verification: null,
    started_at: startedAt,
    settings: null,
    nat:
      network === null
        ? null
        : {
            probes_compared: 16,
            nat_present: true,
            address_rewritten: 16,
            ports_preserved: 16,
            port_preservation: 'all',
            one_public_address: true,
            public_addresses: [{ address: network, probes: 16 }],
            local_addresses: [{ address: '10.0.0.2', probes: 16 }],
            notes: [],
          },
    probes: [],
  };
}
