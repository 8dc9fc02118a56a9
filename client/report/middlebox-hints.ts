/**
 * "Looks like": which well-known middlebox a measured timeout resembles, from its published default
 * idle timeout AND the way it evicts, with the reasoning spelled out. Pure.
 *
 * Never a certainty: many boxes share a default (1200 s is both GCP Cloud NAT and a Huawei USG), any
 * of them may be configured otherwise, and a path can hold several. So a hint says which defaults the
 * bracket is close to, how close, and whether the eviction seen is the one that box shows; a value
 * that matches but evicts the other way is still named, after those that match both, and says so.
 */
import type { EvictionKind } from '../search/types.js';

/** One published (or measured) default idle timeout for TCP. */
export interface KnownMiddlebox {
  name: string;
  defaultS: number;
  /** How it evicts an idle connection, as the client sees it on its next send or the server's push. */
  evicts: readonly EvictionKind[];
  /** False for a terminating proxy: TCP keepalive refreshes only the leg to it, not its data-idle timer. */
  tcpKeepaliveHelps: boolean;
  /** Where the default is documented (or "measured", from the field notes). */
  source: string;
}

const DROP_OR_RESET: readonly EvictionKind[] = ['silent-drop', 'reset'];
const CLOSES: readonly EvictionKind[] = ['close'];

/** Sorted by default. Sources checked 2026-12; defaults change, so the report says "looks like". */
export const KNOWN_MIDDLEBOXES: readonly KnownMiddlebox[] = [
  {
    name: 'AWS Application Load Balancer',
    defaultS: 60,
    evicts: CLOSES,
    tcpKeepaliveHelps: false,
    source:
      'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html',
  },
  {
    name: 'AWS Classic Load Balancer',
    defaultS: 60,
    evicts: CLOSES,
    tcpKeepaliveHelps: false,
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/config-idle-timeout.html',
  },
  {
    name: 'nginx proxy_read_timeout',
    defaultS: 60,
    evicts: CLOSES,
    tcpKeepaliveHelps: false,
    source: 'https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout',
  },
  {
    name: 'Azure Load Balancer or NAT Gateway',
    defaultS: 240,
    // Silent by default; "TCP reset on idle" is an option of the load balancer.
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'https://learn.microsoft.com/en-us/azure/load-balancer/load-balancer-tcp-idle-timeout',
  },
  {
    name: 'China Telecom home line (measured 241 s)',
    defaultS: 241,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'measured (field notes)',
  },
  {
    name: 'German fibre carrier-grade NAT (measured 300 s)',
    defaultS: 300,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'measured (field notes)',
  },
  {
    name: 'AWS NAT Gateway',
    defaultS: 350,
    // It answers a send after the timeout with RST; a push from the far side never arrives.
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html',
  },
  {
    name: 'AWS Network Load Balancer',
    defaultS: 350,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-tcp-idle-timeout.html',
  },
  {
    name: 'Cloudflare, towards clients',
    defaultS: 400,
    evicts: CLOSES,
    tcpKeepaliveHelps: false,
    source: 'https://developers.cloudflare.com/fundamentals/reference/connection-limits/',
  },
  {
    name: 'GCP Cloud NAT',
    defaultS: 1200,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'https://cloud.google.com/nat/docs/tune-nat-configuration',
  },
  {
    name: 'Huawei USG firewall',
    defaultS: 1200,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'vendor default session aging (field notes)',
  },
  {
    name: 'Juniper SRX firewall',
    defaultS: 1800,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source:
      'https://www.juniper.net/documentation/us/en/software/junos/security-policies/topics/topic-map/security-policy-application-timeout.html',
  },
  {
    name: 'a common firewall (Cisco ASA, Palo Alto, FortiGate)',
    defaultS: 3600,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'vendor defaults: ASA conn 1 h, PAN-OS TCP 3600 s, FortiOS session-ttl 3600 s (field notes)',
  },
  {
    name: 'VPP NAT (the RFC 5382 minimum)',
    defaultS: 7440,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'https://www.rfc-editor.org/rfc/rfc5382#section-5 (REQ-5: at least 2 h 4 min)',
  },
  {
    name: 'Twilio Super SIM core (6 h)',
    defaultS: 21600,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'measured (field notes)',
  },
  {
    name: "kube-proxy's conntrack setting",
    defaultS: 86400,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source:
      'https://kubernetes.io/docs/reference/config-api/kube-proxy-config.v1alpha1/ (tcpEstablishedTimeout 24 h)',
  },
  {
    name: 'Cisco IOS NAT',
    defaultS: 86400,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source: 'vendor default translation timeout (field notes)',
  },
  {
    name: 'Linux conntrack default',
    defaultS: 432000,
    evicts: DROP_OR_RESET,
    tcpKeepaliveHelps: true,
    source:
      'https://docs.kernel.org/networking/nf_conntrack-sysctl.html (nf_conntrack_tcp_timeout_established)',
  },
];

/**
 * How far, relative to the default, the middle of the bracket may be for a hint. Past 5% the value
 * is more likely a setting that happens to be near than the default itself.
 */
export const HINT_TOLERANCE = 0.05;

/** What a hint is computed from: one direction's bracket and how it was evicted. */
export interface MeasuredTimeout {
  survivedMs: number | null;
  evictedMs: number | null;
  eviction: EvictionKind | null;
}

export interface MiddleboxHint {
  middlebox: KnownMiddlebox;
  /** Distance of the bracket's middle from the default, relative to the default (0.004 = 0.4%). */
  distance: number;
  /** The eviction seen is one this middlebox shows. */
  evictionMatches: boolean;
  /** One sentence: "looks like ..., because ..." (the source is `middlebox.source`). */
  text: string;
}

const EVICTION_WORDS: Record<EvictionKind, string> = {
  'silent-drop': 'a silent drop',
  reset: 'a reset',
  close: 'a close (FIN)',
};

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))} s`;
}

function reasoning(
  measured: MeasuredTimeout,
  box: KnownMiddlebox,
  distance: number,
  matches: boolean,
): string {
  const bracket =
    measured.survivedMs === null
      ? `evicted at ${seconds(measured.evictedMs ?? 0)}`
      : `the bracket (${seconds(measured.survivedMs)}, ${seconds(measured.evictedMs ?? 0)}]`;
  const near = distance < 0.005 ? 'matches' : `is within ${Math.max(1, Math.round(distance * 100))}% of`;
  const seen = measured.eviction === null ? null : EVICTION_WORDS[measured.eviction];
  const how =
    seen === null
      ? ''
      : matches
        ? `, and ${seen} is how it evicts`
        : `, but it evicts by ${box.evicts.map((kind) => EVICTION_WORDS[kind]).join(' or ')}, ` +
          `not ${seen} as here`;
  const proxy = box.tcpKeepaliveHelps ? '' : '; it terminates connections, so TCP keepalive does not help';
  return `looks like ${box.name}: ${bracket} ${near} its default of ${box.defaultS} s${how}${proxy}`;
}

/**
 * The known middleboxes the measured timeout looks like, best first: those that match both the
 * value and the eviction, then those that match only the value; each closer default first. Empty
 * when nothing was evicted or no default is within HINT_TOLERANCE.
 */
export function middleboxHints(measured: MeasuredTimeout): MiddleboxHint[] {
  if (measured.evictedMs === null || measured.evictedMs <= 0) return [];
  const estimateS =
    (measured.survivedMs === null ? measured.evictedMs : (measured.survivedMs + measured.evictedMs) / 2) /
    1000;
  const hints: MiddleboxHint[] = [];
  for (const box of KNOWN_MIDDLEBOXES) {
    const distance = Math.abs(estimateS - box.defaultS) / box.defaultS;
    if (distance > HINT_TOLERANCE) continue;
    const evictionMatches = measured.eviction === null || box.evicts.includes(measured.eviction);
    hints.push({
      middlebox: box,
      distance,
      evictionMatches,
      text: reasoning(measured, box, distance, evictionMatches),
    });
  }
  return hints.sort(
    (a, b) => Number(b.evictionMatches) - Number(a.evictionMatches) || a.distance - b.distance,
  );
}
