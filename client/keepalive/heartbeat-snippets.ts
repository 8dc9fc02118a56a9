/**
 * Ready-to-paste application heartbeats, one function per target, from a validated heartbeat. An
 * application heartbeat is what keeps a path alive where TCP keepalive does not: through a
 * terminating proxy (haproxy, nginx, an AWS ALB) it is data, and data resets the proxy's timer.
 * Pure: each returns the text to print, with a comment saying what it sets and in what unit.
 */
import { validateHeartbeatPlan, type HeartbeatPlan } from './keepalive-plan.js';
import type { Snippet } from './keepalive-snippets.js';

export type HeartbeatSnippetTarget = 'grpc' | 'websocket-ping' | 'mqtt';

/** gRPC waits this long for a PING's ack before closing the channel; gRPC's own default. */
export const GRPC_KEEPALIVE_TIMEOUT_S = 20;
/** grpc-go raises a client keepalive time below this to it. */
export const GRPC_GO_MIN_KEEPALIVE_TIME_S = 10;

/** gRPC keepalive: HTTP/2 PINGs on an idle channel; client options, and what the server must permit. */
export function grpcSnippet(heartbeat: HeartbeatPlan): Snippet<'grpc'> {
  validateHeartbeatPlan(heartbeat);
  const ms = heartbeat.heartbeatS * 1000;
  const timeoutMs = GRPC_KEEPALIVE_TIMEOUT_S * 1000;
  const text = [
    `// gRPC keepalive: an HTTP/2 PING after ${heartbeat.heartbeatS} s without activity, even with no call.`,
    '// Client channel options (grpc-js and C-core names; milliseconds):',
    'const channelOptions = {',
    `  'grpc.keepalive_time_ms': ${ms}, // PING after ${heartbeat.heartbeatS} s idle`,
    `  'grpc.keepalive_timeout_ms': ${timeoutMs}, // no ack in ${timeoutMs / 1000} s: the channel closes`,
    "  'grpc.keepalive_permit_without_calls': 1, // an idle channel is the point",
    '};',
    '// grpc-go: grpc.WithKeepaliveParams(keepalive.ClientParameters{',
    `//   Time: ${heartbeat.heartbeatS} * time.Second, Timeout: ${GRPC_KEEPALIVE_TIMEOUT_S} * time.Second, ` +
      'PermitWithoutStream: true})',
    ...(heartbeat.heartbeatS < GRPC_GO_MIN_KEEPALIVE_TIME_S
      ? [
          `// (grpc-go raises a Time below ${GRPC_GO_MIN_KEEPALIVE_TIME_S} s to ` +
            `${GRPC_GO_MIN_KEEPALIVE_TIME_S} s.)`,
        ]
      : []),
    '// The SERVER must permit it, or it answers GOAWAY "too_many_pings" and the client backs off:',
    '// its default minimum between pings is 5 min, and pings without a call are refused by default.',
    `//   C-core servers (C++, Python...): 'grpc.http2.min_ping_interval_without_data_ms': ${ms} or less,`,
    "//     'grpc.keepalive_permit_without_calls': 1",
    `//   grpc-java server: NettyServerBuilder.permitKeepAliveTime(${heartbeat.heartbeatS}, SECONDS)`,
    '//     .permitKeepAliveWithoutCalls(true)',
    '//   grpc-go server: grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{',
    `//     MinTime: ${heartbeat.heartbeatS} * time.Second, PermitWithoutStream: true})`,
    '// An AWS ALB does not count HTTP/2 PINGs as activity: behind one, only calls and messages do.',
  ];
  return { target: 'grpc', language: 'javascript', text: text.join('\n') };
}

/** WebSocket heartbeat with ws (Node): a ping every interval, and a peer that misses one is gone. */
export function webSocketPingSnippet(heartbeat: HeartbeatPlan): Snippet<'websocket-ping'> {
  validateHeartbeatPlan(heartbeat);
  const text = [
    `// WebSocket heartbeat (ws for Node): a ping frame every ${heartbeat.heartbeatS} s (in ms below);`,
    '// a peer that has not answered one ping (pong) by the next is taken as gone and terminated.',
    '// Browsers cannot send pings: send a small application message on the same interval instead.',
    'function keepWebSocketAlive(ws) {',
    '  let answered = true;',
    "  ws.on('pong', () => {",
    '    answered = true;',
    '  });',
    '  const timer = setInterval(() => {',
    '    if (!answered) {',
    '      ws.terminate();',
    '      return;',
    '    }',
    '    answered = false;',
    '    ws.ping();',
    `  }, ${heartbeat.heartbeatS * 1000});`,
    "  ws.on('close', () => clearInterval(timer));",
    '}',
  ];
  return { target: 'websocket-ping', language: 'javascript', text: text.join('\n') };
}

/** MQTT keep alive (mqtt.js; Paho and mosquitto in comments), in seconds. */
export function mqttSnippet(heartbeat: HeartbeatPlan): Snippet<'mqtt'> {
  validateHeartbeatPlan(heartbeat);
  const s = heartbeat.heartbeatS;
  const text = [
    `// MQTT keep alive ${s} s (seconds, 1..65535): the client sends PINGREQ when it has sent nothing for`,
    `// ${s} s; the broker drops a client it has heard nothing from for 1.5 x ${s} s.`,
    `const client = mqtt.connect(brokerUrl, { keepalive: ${s} });`,
    `// Paho (Python): client.connect(host, port, keepalive=${s})   mosquitto_sub/pub: -k ${s}`,
  ];
  return { target: 'mqtt', language: 'javascript', text: text.join('\n') };
}

/** Every heartbeat target's snippet, in the order a report lists them. */
export function heartbeatSnippets(heartbeat: HeartbeatPlan): Snippet<HeartbeatSnippetTarget>[] {
  return [webSocketPingSnippet(heartbeat), grpcSnippet(heartbeat), mqttSnippet(heartbeat)];
}
