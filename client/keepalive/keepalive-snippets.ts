/**
 * Ready-to-paste TCP keepalive settings, one function per target, from a validated plan. Pure:
 * each returns the text to print, with a comment saying what it sets and in what unit.
 *
 * Every target gets the same numbers; what differs is the spelling and what a target cannot set
 * (said in the snippet, not dropped silently): the JDK, nginx and Go's net package have no
 * TCP_USER_TIMEOUT, macOS has none at all, and a sysctl changes every socket on the host.
 * test/client/keepalive/keepalive-snippets.test.ts compiles or runs those a local toolchain can.
 */
import { idleDetectionS } from './dead-peer.js';
import { validateKeepalivePlan, type KeepalivePlan } from './keepalive-plan.js';

export type KeepaliveSnippetTarget =
  'linux-sysctl' | 'c-setsockopt' | 'node' | 'python' | 'java' | 'go' | 'dotnet' | 'nginx' | 'haproxy';

export interface Snippet<Target extends string = string> {
  target: Target;
  /** The syntax, for highlighting: shell, c, javascript, python, java, go, csharp, nginx, haproxy. */
  language: string;
  text: string;
}

/** One line describing the plan, for the comment at the top of each snippet. */
function planSummary(plan: KeepalivePlan): string {
  return (
    `idle ${plan.idleS} s, a probe every ${plan.intervalS} s, ${plan.count} unanswered probes: ` +
    `a dead peer is noticed after ${idleDetectionS(plan)} s`
  );
}

function userTimeoutSummary(plan: KeepalivePlan): string {
  return plan.userTimeoutMs === undefined
    ? 'no TCP_USER_TIMEOUT (unacknowledged data: the system default, about 924.6 s)'
    : `TCP_USER_TIMEOUT ${plan.userTimeoutMs} ms: unacknowledged data is given up on after that`;
}

/** Linux sysctl: system-wide (per network namespace), for sockets that enable SO_KEEPALIVE. */
export function linuxSysctlSnippet(plan: KeepalivePlan): Snippet<'linux-sysctl'> {
  validateKeepalivePlan(plan);
  const text = [
    '# Linux, SYSTEM-WIDE: this changes the keepalive of EVERY socket on this host (in this network',
    '# namespace) that turns SO_KEEPALIVE on, not just yours; programs must still turn SO_KEEPALIVE on.',
    '# Prefer the per-socket settings. Units: seconds, seconds, probes. Applies to IPv4 and IPv6.',
    `# ${planSummary(plan)}.`,
    `sysctl -w net.ipv4.tcp_keepalive_time=${plan.idleS}`,
    `sysctl -w net.ipv4.tcp_keepalive_intvl=${plan.intervalS}`,
    `sysctl -w net.ipv4.tcp_keepalive_probes=${plan.count}`,
    '# Lost at reboot unless also written to /etc/sysctl.d/ (e.g. 90-keepalive.conf, without "sysctl -w").',
    '# TCP_USER_TIMEOUT has no sysctl: set it per socket.',
  ];
  return { target: 'linux-sysctl', language: 'shell', text: text.join('\n') };
}

/** C setsockopt on one descriptor: set_keepalive(fd) returns 0, or -1 with errno set. */
export function cSetsockoptSnippet(plan: KeepalivePlan): Snippet<'c-setsockopt'> {
  validateKeepalivePlan(plan);
  const ut = plan.userTimeoutMs;
  const text = [
    '/* TCP keepalive for one socket:',
    ` * ${planSummary(plan)}.`,
    ` * SO_KEEPALIVE on; TCP_KEEPIDLE and TCP_KEEPINTVL in seconds, TCP_KEEPCNT in probes;`,
    ` * ${userTimeoutSummary(plan)} (Linux only).`,
    ' * macOS names the idle option TCP_KEEPALIVE and has no TCP_USER_TIMEOUT. */',
    '#include <netinet/in.h>',
    '#include <netinet/tcp.h>',
    '#include <sys/socket.h>',
    '',
    'static int set_keepalive(int fd) {',
    `    int on = 1, idle_s = ${plan.idleS}, interval_s = ${plan.intervalS}, count = ${plan.count};`,
    '    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0) return -1;',
    '#ifdef TCP_KEEPIDLE',
    '    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_s, sizeof idle_s) != 0) return -1;',
    '#else',
    '    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPALIVE, &idle_s, sizeof idle_s) != 0) return -1;',
    '#endif',
    '    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval_s, sizeof interval_s) != 0) return -1;',
    '    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count) != 0) return -1;',
    ...(ut === undefined
      ? []
      : [
          '#ifdef TCP_USER_TIMEOUT',
          `    unsigned int user_timeout_ms = ${ut};`,
          '    if (setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms))',
          '        return -1;',
          '#endif',
        ]),
    '    return 0;',
    '}',
  ];
  return { target: 'c-setsockopt', language: 'c', text: text.join('\n') };
}

/** Node with net-keepalive: applyKeepalive(socket) once the socket is connected. */
export function nodeSnippet(plan: KeepalivePlan): Snippet<'node'> {
  validateKeepalivePlan(plan);
  const ut = plan.userTimeoutMs;
  const text = [
    '// TCP keepalive for a net.Socket:',
    `// ${planSummary(plan)}.`,
    '// Node 20 sets only the idle; net-keepalive (npm i net-keepalive@4) sets the rest. Both take ms and',
    '// set whole seconds. setKeepAlive must come first: it resets the interval and count (to 1 s x 10).',
    '// Call it once connected. Linux: all of it; macOS: no user timeout; Windows: the idle only.',
    "import NetKeepAlive from 'net-keepalive';",
    '',
    'function applyKeepalive(socket) {',
    `  socket.setKeepAlive(true, ${plan.idleS * 1000}); // SO_KEEPALIVE on, TCP_KEEPIDLE ${plan.idleS} s`,
    `  NetKeepAlive.setKeepAliveInterval(socket, ${plan.intervalS * 1000}); // TCP_KEEPINTVL ` +
      `${plan.intervalS} s`,
    `  NetKeepAlive.setKeepAliveProbes(socket, ${plan.count}); // TCP_KEEPCNT ${plan.count} probes`,
    ...(ut === undefined
      ? []
      : [
          "  if (process.platform === 'linux') {",
          `    NetKeepAlive.setUserTimeout(socket, ${ut}); // TCP_USER_TIMEOUT ${ut} ms`,
          '  }',
        ]),
    '}',
  ];
  return { target: 'node', language: 'javascript', text: text.join('\n') };
}

/** Python socket.setsockopt: apply_keepalive(sock). */
export function pythonSnippet(plan: KeepalivePlan): Snippet<'python'> {
  validateKeepalivePlan(plan);
  const ut = plan.userTimeoutMs;
  const text = [
    '# TCP keepalive for one socket:',
    `# ${planSummary(plan)}.`,
    '# SO_KEEPALIVE on; idle and interval in seconds, count in probes. macOS calls the idle TCP_KEEPALIVE.',
    `# ${userTimeoutSummary(plan)}`,
    '# (where the platform has it: Linux).',
    'import socket',
    '',
    '',
    'def apply_keepalive(sock: socket.socket) -> None:',
    '    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)',
    '    idle_option = getattr(socket, "TCP_KEEPIDLE", getattr(socket, "TCP_KEEPALIVE", None))',
    `    sock.setsockopt(socket.IPPROTO_TCP, idle_option, ${plan.idleS})`,
    `    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, ${plan.intervalS})`,
    `    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, ${plan.count})`,
    ...(ut === undefined
      ? []
      : [
          '    if hasattr(socket, "TCP_USER_TIMEOUT"):',
          `        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, ${ut})`,
        ]),
  ];
  return { target: 'python', language: 'python', text: text.join('\n') };
}

/** Java (JDK 11+), jdk.net.ExtendedSocketOptions: a static applyKeepalive(Socket). */
export function javaSnippet(plan: KeepalivePlan): Snippet<'java'> {
  validateKeepalivePlan(plan);
  const text = [
    '// TCP keepalive for one java.net.Socket (or SocketChannel.setOption):',
    `// ${planSummary(plan)}.`,
    '// SO_KEEPALIVE on; TCP_KEEPIDLE and TCP_KEEPINTERVAL in seconds, TCP_KEEPCOUNT in probes. JDK 11+,',
    '// where socket.supportedOptions() lists them (Linux, macOS). The JDK has no TCP_USER_TIMEOUT option',
    plan.userTimeoutMs === undefined
      ? '// (unacknowledged data: the system default, about 924.6 s).'
      : `// (the plan's ${plan.userTimeoutMs} ms cannot be set from Java; the system default applies).`,
    'import java.io.IOException;',
    'import java.net.Socket;',
    'import java.net.StandardSocketOptions;',
    'import jdk.net.ExtendedSocketOptions;',
    '',
    'static void applyKeepalive(Socket socket) throws IOException {',
    '    socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);',
    `    socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, ${plan.idleS});`,
    `    socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, ${plan.intervalS});`,
    `    socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, ${plan.count});`,
    '}',
  ];
  return { target: 'java', language: 'java', text: text.join('\n') };
}

/** Go: a net.Dialer with KeepAliveConfig (Go 1.23+), the older KeepAlive form in a comment. */
export function goSnippet(plan: KeepalivePlan): Snippet<'go'> {
  validateKeepalivePlan(plan);
  const ut = plan.userTimeoutMs;
  const text = [
    '// TCP keepalive for the connections of a dialer (Go 1.23+):',
    `// ${planSummary(plan)}.`,
    '// Idle and interval are time.Duration (whole seconds reach the kernel), Count is probes.',
    '// net.ListenConfig has the same KeepAliveConfig field for accepted connections.',
    '// Before Go 1.23: net.Dialer{KeepAlive: d} sets both the idle and the interval to d, and the count',
    '// stays the system default (9 on Linux).',
    ...(ut === undefined
      ? []
      : [
          `// TCP_USER_TIMEOUT (${ut} ms, Linux) has no net option: it is set in Control, with`,
          '// golang.org/x/sys/unix.',
        ]),
    'import (',
    '\t"net"',
    ...(ut === undefined ? [] : ['\t"syscall"']),
    '\t"time"',
    ...(ut === undefined ? [] : ['', '\t"golang.org/x/sys/unix"']),
    ')',
    '',
    'func keepaliveDialer() *net.Dialer {',
    '\treturn &net.Dialer{',
    '\t\tKeepAliveConfig: net.KeepAliveConfig{',
    '\t\t\tEnable:   true,',
    ...goAligned([
      ['Idle:     ', `${plan.idleS} * time.Second,`, '// TCP_KEEPIDLE'],
      ['Interval: ', `${plan.intervalS} * time.Second,`, '// TCP_KEEPINTVL'],
      ['Count:    ', `${plan.count},`, '// TCP_KEEPCNT'],
    ]),
    '\t\t},',
    ...(ut === undefined
      ? []
      : [
          '\t\tControl: func(network, address string, c syscall.RawConn) error {',
          '\t\t\tvar err error',
          '\t\t\tif cerr := c.Control(func(fd uintptr) {',
          `\t\t\t\terr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, ${ut})`,
          '\t\t\t}); cerr != nil {',
          '\t\t\t\treturn cerr',
          '\t\t\t}',
          '\t\t\treturn err',
          '\t\t},',
        ]),
    '\t}',
    '}',
  ];
  return { target: 'go', language: 'go', text: text.join('\n') };
}

/** .NET (Core 3.0+ / 5+): Socket.SetSocketOption, a static ApplyKeepalive(Socket). */
export function dotnetSnippet(plan: KeepalivePlan): Snippet<'dotnet'> {
  validateKeepalivePlan(plan);
  const ut = plan.userTimeoutMs;
  const text = [
    '// TCP keepalive for one Socket (.NET Core 3.0+):',
    `// ${planSummary(plan)}.`,
    '// KeepAlive on; TcpKeepAliveTime and TcpKeepAliveInterval in seconds, TcpKeepAliveRetryCount: probes.',
    ...(ut === undefined
      ? []
      : [
          `// TCP_USER_TIMEOUT (${ut} ms) has no SocketOptionName: on Linux it is set raw (.NET 5+),`,
          '// IPPROTO_TCP = 6, TCP_USER_TIMEOUT = 18.',
        ]),
    'using System;',
    'using System.Net.Sockets;',
    '',
    'static void ApplyKeepalive(Socket socket)',
    '{',
    '    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);',
    '    const SocketOptionLevel Tcp = SocketOptionLevel.Tcp;',
    `    socket.SetSocketOption(Tcp, SocketOptionName.TcpKeepAliveTime, ${plan.idleS});`,
    `    socket.SetSocketOption(Tcp, SocketOptionName.TcpKeepAliveInterval, ${plan.intervalS});`,
    `    socket.SetSocketOption(Tcp, SocketOptionName.TcpKeepAliveRetryCount, ${plan.count});`,
    ...(ut === undefined
      ? []
      : [
          '    if (OperatingSystem.IsLinux())',
          `        socket.SetRawSocketOption(6, 18, BitConverter.GetBytes(${ut}));`,
        ]),
    '}',
  ];
  return { target: 'dotnet', language: 'csharp', text: text.join('\n') };
}

/** nginx `listen ... so_keepalive=idle:interval:count`, for the connections nginx accepts. */
export function nginxSnippet(plan: KeepalivePlan): Snippet<'nginx'> {
  validateKeepalivePlan(plan);
  const text = [
    '# nginx, TCP keepalive on the connections accepted on this listen socket:',
    `# ${planSummary(plan)}.`,
    '# so_keepalive=idle:interval:count, idle and interval with a unit (s), count in probes; add it to',
    '# your existing listen line (it is a property of the listening socket: one per address:port).',
    `listen 443 so_keepalive=${plan.idleS}s:${plan.intervalS}s:${plan.count};`,
    '# Towards upstreams nginx can only switch SO_KEEPALIVE on (the system idle/interval/count apply):',
    'proxy_socket_keepalive on;',
    '# nginx has no TCP_USER_TIMEOUT setting. TCP keepalive does not reset proxy_read_timeout or',
    '# proxy_timeout (they count data only): through nginx, idle sessions need an application heartbeat.',
  ];
  return { target: 'nginx', language: 'nginx', text: text.join('\n') };
}

/** HAProxy 2.2+: clitcpka-* (client side) and srvtcpka-* (server side). */
export function haproxySnippet(plan: KeepalivePlan): Snippet<'haproxy'> {
  validateKeepalivePlan(plan);
  const ut = plan.userTimeoutMs;
  const text = [
    '# HAProxy 2.2+, in defaults, or frontend/listen (client side) and backend/listen (server side):',
    `# ${planSummary(plan)}.`,
    '# Idle and interval with a unit (s), count in probes.',
    '# TCP keepalive does NOT reset "timeout client" / "timeout server" (they count data only): through',
    '# HAProxy, idle sessions need an application heartbeat; this detects dead peers on each leg.',
    '    option clitcpka',
    `    clitcpka-idle ${plan.idleS}s`,
    `    clitcpka-intvl ${plan.intervalS}s`,
    `    clitcpka-cnt ${plan.count}`,
    '    option srvtcpka',
    `    srvtcpka-idle ${plan.idleS}s`,
    `    srvtcpka-intvl ${plan.intervalS}s`,
    `    srvtcpka-cnt ${plan.count}`,
    ...(ut === undefined
      ? []
      : [
          `# TCP_USER_TIMEOUT (Linux) goes on the bind and server lines: tcp-ut ${ut}ms, e.g.`,
          `#   bind :443 tcp-ut ${ut}ms`,
          `#   server app1 192.0.2.10:8080 tcp-ut ${ut}ms`,
        ]),
  ];
  return { target: 'haproxy', language: 'haproxy', text: text.join('\n') };
}

/** Go struct fields with their comments aligned, as gofmt leaves them. */
function goAligned(fields: [string, string, string][]): string[] {
  const width = Math.max(...fields.map(([, value]) => value.length));
  return fields.map(([key, value, comment]) => `\t\t\t${key}${value.padEnd(width)} ${comment}`);
}

/** Every target's snippet for `plan`, in the order a report lists them. */
export function keepaliveSnippets(plan: KeepalivePlan): Snippet<KeepaliveSnippetTarget>[] {
  return [
    cSetsockoptSnippet(plan),
    nodeSnippet(plan),
    pythonSnippet(plan),
    javaSnippet(plan),
    goSnippet(plan),
    dotnetSnippet(plan),
    nginxSnippet(plan),
    haproxySnippet(plan),
    linuxSysctlSnippet(plan),
  ];
}
