/**
 * The generated heartbeats: the WebSocket one is run as written against a ws server on 127.0.0.1
 * port 0 (pings counted on the server, and a peer that stops answering is terminated); the gRPC
 * channel options are evaluated as JavaScript; MQTT (no broker here) is checked as text.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import {
  GRPC_GO_MIN_KEEPALIVE_TIME_S,
  grpcSnippet,
  heartbeatSnippets,
  mqttSnippet,
  webSocketPingSnippet,
} from '../../../client/keepalive/heartbeat-snippets.js';
import { KeepalivePlanError } from '../../../client/keepalive/keepalive-errors.js';
import { useTeardown, waitFor, within } from '../../helpers/teardown.js';

type KeepWebSocketAlive = (ws: WebSocket) => void;

function loadKeepWebSocketAlive(heartbeatS: number): KeepWebSocketAlive {
  const { text } = webSocketPingSnippet({ heartbeatS });
  return new Function(`${text}\nreturn keepWebSocketAlive;`)() as KeepWebSocketAlive;
}

async function wsPair(
  onTestFinished: (fn: () => Promise<void>) => void,
  autoPong: boolean,
): Promise<{ client: WebSocket; pings: () => number }> {
  const defer = useTeardown(onTestFinished);
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong, perMessageDeflate: false });
  defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  let pings = 0;
  server.on('connection', (peer) => {
    defer(() => peer.terminate());
    peer.on('ping', () => pings++);
  });
  await within(new Promise((resolve) => server.once('listening', resolve)), 5000, 'the ws server to listen');
  const { port } = server.address() as { port: number };
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  defer(() => client.terminate());
  await within(new Promise((resolve) => client.once('open', resolve)), 5000, 'the ws client to open');
  return { client, pings: () => pings };
}

describe('WebSocket ping heartbeat, run as generated', () => {
  it('pings every interval and keeps a peer that answers', async ({ onTestFinished }) => {
    const { client, pings } = await wsPair(onTestFinished, true);
    const started = performance.now();
    loadKeepWebSocketAlive(1)(client);
    await waitFor('two pings at the server', () => pings() >= 2, 4000);
    const elapsedMs = performance.now() - started;
    expect(elapsedMs, 'the second ping comes after two intervals of 1 s').toBeGreaterThanOrEqual(1900);
    expect(client.readyState, 'a peer that answers is kept').toBe(WebSocket.OPEN);
  });

  it('terminates a peer that did not answer the previous ping', async ({ onTestFinished }) => {
    const { client, pings } = await wsPair(onTestFinished, false);
    const closed = new Promise((resolve) => client.once('close', resolve));
    loadKeepWebSocketAlive(1)(client);
    await within(closed, 4000, 'the silent peer to be terminated');
    expect(pings(), 'one unanswered ping, then the cut').toBe(1);
  });
});

describe('gRPC keepalive', () => {
  it('gives channel options in milliseconds that evaluate as written', () => {
    const { text } = grpcSnippet({ heartbeatS: 45 });
    const options = runInNewContext(`${text}\nchannelOptions`) as Record<string, number>;
    expect(options).toEqual({
      'grpc.keepalive_time_ms': 45_000,
      'grpc.keepalive_timeout_ms': 20_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
    expect(text, 'the server must permit it').toContain(
      "'grpc.http2.min_ping_interval_without_data_ms': 45000",
    );
    expect(text).toContain('GOAWAY "too_many_pings"');
    expect(text, 'no grpc-go clamp note at 45 s').not.toContain('raises a Time');
  });

  it(`says grpc-go raises a keepalive time below ${GRPC_GO_MIN_KEEPALIVE_TIME_S} s`, () => {
    expect(grpcSnippet({ heartbeatS: 5 }).text).toContain('grpc-go raises a Time below 10 s to 10 s');
  });
});

describe('MQTT keep alive', () => {
  it('is in seconds, with the broker-side 1.5 x rule', () => {
    const { text } = mqttSnippet({ heartbeatS: 240 });
    expect(text).toContain('mqtt.connect(brokerUrl, { keepalive: 240 })');
    expect(text).toContain('1.5 x 240 s');
  });
});

describe('heartbeat snippets', () => {
  it('lists every target and refuses a heartbeat no target accepts', () => {
    expect(heartbeatSnippets({ heartbeatS: 30 }).map((s) => s.target)).toEqual([
      'websocket-ping',
      'grpc',
      'mqtt',
    ]);
    for (const heartbeatS of [0, 0.5, 65536]) {
      const attempt = () => heartbeatSnippets({ heartbeatS });
      expect(attempt).toThrow(KeepalivePlanError);
      expect(attempt).toThrow(
        expect.objectContaining({ code: 'IDLESCOPE_KEEPALIVE_PLAN', field: 'heartbeatS' }),
      );
    }
  });
});
