/**
 * A one-request HTTP client over a raw socket, so a test knows every byte it sent and received (the
 * reflector's byte counters are checked against them) and sees the status line as sent.
 */
import { connect } from 'node:net';
import type { HostPort } from '../../protocol/address.js';
import { CONTROL_PATH } from '../../protocol/wire.js';
import { openRaw, waitFor, WAIT_MS, type TestProbe } from './helpers.js';

export interface RawHttpResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
  bytesSent: number;
  bytesReceived: number;
}

/**
 * GETs `path` with `Connection: close` and resolves once the reflector closed the connection.
 * `padBytes` adds a header of that size: before auth the reflector sends no more than it received.
 */
export function rawGet(
  address: HostPort,
  path: string,
  timeoutMs = WAIT_MS,
  padBytes = 0,
  extraHeaders = '',
): Promise<RawHttpResponse> {
  const pad = padBytes > 0 ? `X-Pad: ${'x'.repeat(padBytes)}\r\n` : '';
  const request = `GET ${path} HTTP/1.1\r\nHost: reflector\r\nConnection: close\r\n${pad}${extraHeaders}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`GET ${path}: no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      if (split < 0 || status === null) {
        reject(new Error(`GET ${path}: not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const headers = new Map<string, string>();
      for (const line of text.slice(0, split).split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      resolve({
        status: Number(status[1]),
        headers,
        body: text.slice(split + 4),
        bytesSent: Buffer.byteLength(request),
        bytesReceived: raw.length,
      });
    });
  });
}

/** The value of one sample in Prometheus text format (`name{labels} value`), or NaN if absent. */
export function sample(metrics: string, series: string): number {
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return Number.NaN;
}

/**
 * A control channel upgraded by hand that never answers the reflector's close frame, so a drain
 * lasts its full close-handshake window (a real ws client answers at once).
 */
export async function openUnansweringControl(
  defer: (step: () => unknown) => void,
  address: HostPort,
): Promise<TestProbe> {
  const raw = await openRaw(
    defer,
    address,
    Buffer.from(
      `GET ${CONTROL_PATH} HTTP/1.1\r\nHost: reflector\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    ),
  );
  await waitFor('the 101 answer', () =>
    Buffer.from(raw.received).toString('latin1').startsWith('HTTP/1.1 101'),
  );
  return raw;
}
