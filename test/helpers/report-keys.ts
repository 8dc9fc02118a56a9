/** The documented keys of the JSON report (schema 1), listed once for every suite that checks them. */

/** The top-level fields, `error` aside (present only when a run failed). */
export const TOP_KEYS = [
  'schema',
  'reflector',
  'transport',
  'elapsed_s',
  'connections_used',
  'aborted',
  'timeout',
  'directions',
  'recommendation',
  'cost',
  'verification',
  'started_at',
  'settings',
  'nat',
  'probes',
];
export const TIMEOUT_KEYS = ['survived_s', 'evicted_s', 'eviction', 'direction', 'hint', 'hints'];
export const DIRECTION_KEYS = ['survived_s', 'evicted_s', 'eviction', 'confidence', 'notes', 'probes_sent'];
export const RECOMMENDATION_KEYS = [
  'keepalive_idle_s',
  'keepalive_interval_s',
  'keepalive_count',
  'heartbeat_s',
  'basis',
  'tcp_keepalive_helps',
  'dead_peer',
  'reasons',
  'mobile_cost',
];
export const COST_KEYS = [
  'connections_opened',
  'peak_connections',
  'probes_sent',
  'probe_bytes',
  'control_bytes',
  'packets_estimate',
];
