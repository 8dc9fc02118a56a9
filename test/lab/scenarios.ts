/**
 * What each lab scenario puts in the middlebox namespace, and what the field notes say it does to a
 * TCP connection idle for longer than T. All addresses are the lab's own and exist only inside its
 * namespaces: 10.211.1.0/24 + fd00:6964:6c65:1::/64 between client and middlebox,
 * 10.211.2.0/24 + fd00:6964:6c65:2::/64 between middlebox and server.
 *
 *   client ns                 middlebox ns                      server ns
 *   veth-mb  10.211.1.2 ---- 10.211.1.1  veth-cli
 *                                          veth-srv 10.211.2.1 ---- 10.211.2.2  veth-mb
 */

export const SCENARIOS = [
  'nat-strict',
  'nat-loose',
  'firewall-reset',
  'proxy',
  'firewall6',
  'nat-lossy',
  'corporate-proxy',
  'socks',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export function isScenario(value: string): value is Scenario {
  return (SCENARIOS as readonly string[]).includes(value);
}

/** Interface names, all inside the lab's namespaces (never in the host's). */
export const IF_CLIENT_SIDE = 'veth-mb'; // in the client ns, towards the middlebox
export const IF_MB_CLIENT = 'veth-cli'; // in the middlebox ns, towards the client
export const IF_MB_SERVER = 'veth-srv'; // in the middlebox ns, towards the server
export const IF_SERVER_SIDE = 'veth-mb'; // in the server ns, towards the middlebox

export const ADDR = {
  client4: '10.211.1.2',
  mbClient4: '10.211.1.1',
  mbServer4: '10.211.2.1',
  server4: '10.211.2.2',
  clientNet4: '10.211.1.0/24',
  serverNet4: '10.211.2.0/24',
  client6: 'fd00:6964:6c65:1::2',
  mbClient6: 'fd00:6964:6c65:1::1',
  mbServer6: 'fd00:6964:6c65:2::1',
  server6: 'fd00:6964:6c65:2::2',
  clientNet6: 'fd00:6964:6c65:1::/64',
  serverNet6: 'fd00:6964:6c65:2::/64',
} as const;

/** nat-lossy drops this many of every 1000 packets it forwards, chosen at random by the kernel. */
export const LOSSY_PER_MILLE = 30;

/** Ports the proxy scenario listens on (and forwards to the same port on the server). */
export const PROXY_PORT_FIRST = 7000;
export const PROXY_PORT_LAST = 7031;

export type Fate = 'survives' | 'silent-drop' | 'reset' | 'close';

export interface ScenarioSpec {
  family: 4 | 6;
  /**
   * The forward proxy the client must go through (forward-proxies.ts), or null: the client connects
   * to the target itself (through whatever the middlebox does to it).
   */
  forwardProxy: 'http' | 'socks5' | null;
  /** What happens to data sent after an idle period longer than T, per direction. */
  afterIdle: { outbound: Fate; inbound: Fate };
  summary: string;
}

export const SCENARIO_SPECS: Record<Scenario, ScenarioSpec> = {
  'nat-strict': {
    forwardProxy: null,
    family: 4,
    afterIdle: { outbound: 'silent-drop', inbound: 'silent-drop' },
    summary: 'masquerade NAT, conntrack loose=0, invalid dropped: both directions die silently',
  },
  'nat-loose': {
    forwardProxy: null,
    family: 4,
    afterIdle: { outbound: 'survives', inbound: 'reset' },
    summary:
      'masquerade NAT, conntrack loose=1 (Linux default): outbound re-creates the mapping, inbound is ' +
      'answered with RST to the server',
  },
  'firewall-reset': {
    forwardProxy: null,
    family: 4,
    afterIdle: { outbound: 'reset', inbound: 'reset' },
    summary: 'masquerade NAT, conntrack loose=0, invalid answered with tcp reset',
  },
  proxy: {
    forwardProxy: null,
    family: 4,
    afterIdle: { outbound: 'close', inbound: 'close' },
    summary: 'haproxy mode tcp, timeout client/server T: both legs closed with FIN at T',
  },
  'nat-lossy': {
    forwardProxy: null,
    family: 4,
    afterIdle: { outbound: 'silent-drop', inbound: 'silent-drop' },
    summary:
      'nat-strict that also drops 3% of the packets it forwards, either way, at random (TCP retransmits ' +
      'them)',
  },
  'corporate-proxy': {
    forwardProxy: 'http',
    family: 4,
    afterIdle: { outbound: 'close', inbound: 'close' },
    summary:
      'no route to the server, only to a forward proxy (tinyproxy, HTTP CONNECT, Timeout T): idle tunnels ' +
      'closed with FIN on both legs at T',
  },
  socks: {
    forwardProxy: 'socks5',
    family: 4,
    afterIdle: { outbound: 'close', inbound: 'close' },
    summary:
      'no route to the server, only to a SOCKS5 proxy (written for the lab, idle timeout T): idle ' +
      'tunnels closed with FIN on both legs at T',
  },
  firewall6: {
    forwardProxy: null,
    family: 6,
    afterIdle: { outbound: 'survives', inbound: 'silent-drop' },
    summary:
      'IPv6 stateful firewall, no NAT, conntrack loose=1: server-side packets after T dropped silently',
  },
};

/** sysctls set inside the middlebox namespace after its rules are loaded (conntrack is then active). */
export function middleboxSysctls(scenario: Scenario, timeoutS: number): string[] {
  const conntrack = (loose: 0 | 1): string[] => [
    `net.netfilter.nf_conntrack_tcp_timeout_established=${timeoutS}`,
    `net.netfilter.nf_conntrack_tcp_loose=${loose}`,
  ];
  switch (scenario) {
    case 'nat-strict':
    case 'nat-lossy':
    case 'firewall-reset':
      return ['net.ipv4.ip_forward=1', ...conntrack(0)];
    case 'nat-loose':
      return ['net.ipv4.ip_forward=1', ...conntrack(1)];
    case 'firewall6':
      return ['net.ipv6.conf.all.forwarding=1', ...conntrack(1)];
    case 'proxy':
    case 'corporate-proxy':
    case 'socks':
      // A terminating proxy: nothing is forwarded, so the client can only reach the server through it.
      return [];
    default: {
      const never: never = scenario;
      throw new Error(`unknown scenario ${String(never)}`);
    }
  }
}

/** The nftables ruleset for the middlebox namespace (loaded with `nft -f -` inside it), or null. */
export function middleboxRuleset(scenario: Scenario): string | null {
  const nat = (invalid: string, invalidIn: string, forwardFirst = ''): string => `
table ip idlescope_lab {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ${forwardFirst}
    ct state invalid ${invalid}
  }
  chain input {
    type filter hook input priority filter; policy accept;
    ${invalidIn}
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${IF_MB_SERVER}" masquerade
  }
}
`;
  switch (scenario) {
    case 'nat-strict':
      // Server packets for an evicted mapping are addressed to the middlebox itself: drop them in
      // input too, or the middlebox's own stack would answer them with RST.
      return nat('drop', 'ct state invalid drop');
    case 'nat-lossy':
      return nat('drop', 'ct state invalid drop', `numgen random mod 1000 < ${LOSSY_PER_MILLE} drop`);
    case 'nat-loose':
      // loose=1 marks nothing invalid mid-stream: a server packet for an evicted mapping reaches the
      // middlebox's own stack, which has no such socket and answers with RST.
      return nat('drop', '');
    case 'firewall-reset':
      return nat('reject with tcp reset', 'ct state invalid reject with tcp reset');
    case 'firewall6':
      return `
table ip6 idlescope_lab {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "${IF_MB_CLIENT}" oifname "${IF_MB_SERVER}" ct state new accept
  }
}
`;
    case 'proxy':
    case 'corporate-proxy':
    case 'socks':
      return null;
    default: {
      const never: never = scenario;
      throw new Error(`unknown scenario ${String(never)}`);
    }
  }
}

/** haproxy configuration for the proxy scenario: `mode tcp`, idle timeouts of T on both legs. */
export function haproxyConfig(timeoutS: number, pidfile: string): string {
  return `global
  maxconn 1024
  pidfile ${pidfile}

defaults
  mode tcp
  timeout connect 3s
  timeout client ${timeoutS}s
  timeout server ${timeoutS}s

frontend lab
  bind ${ADDR.mbClient4}:${PROXY_PORT_FIRST}-${PROXY_PORT_LAST}
  default_backend server

backend server
  # No port: connect to the same port the client connected to.
  server s1 ${ADDR.server4}
`;
}
