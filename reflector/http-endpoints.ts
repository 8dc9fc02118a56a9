/**
 * The plain HTTP answers on the reflector's port (the control channel's upgrade is reflector.ts's):
 *
 *   GET /         200, a one-line banner naming the protocol version
 *   GET /healthz  200 "ok" while listening, 503 "draining" once close() began
 *   GET /metrics  200, Prometheus text format (metrics.ts)
 *   anything else 404
 *
 * Every answer closes its connection (the reflector keeps no idle HTTP connections: the only idle
 * connections it holds are the probes it measures). A failed metrics render is a 500, never a throw.
 *
 * No amplification before auth (pre-auth-budget.ts): an answer that outweighs its request is not
 * sent, the socket is just closed. Two exemptions, because monitoring must work with small
 * requests: /healthz, whose fixed answer is under 100 bytes (and a TCP peer cannot aim it at a
 * third party: the handshake proves its address), and /metrics when the request proves the token
 * (`Authorization: Bearer TOKEN`), or when there is no token at all (then the reflector listens on
 * loopback only, or the operator opened it with --insecure-open).
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';

export interface HttpEndpoints {
  banner: string;
  /** True while the reflector accepts sessions; false while it drains. */
  healthy(): boolean;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Whether an answer of this many bytes fits what the socket has received (pre-auth-budget.ts). */
  fits(bytes: number): boolean;
  /** Whether the request may read /metrics whatever its size (the token, or no token at all). */
  metricsAllowed(request: IncomingMessage): boolean;
}

const TEXT = 'text/plain; charset=utf-8';

export function answerHttp(
  request: IncomingMessage,
  response: ServerResponse,
  endpoints: HttpEndpoints,
): void {
  const budgeted = (status: number, contentType: string, body: string): void => {
    if (endpoints.fits(responseBytes(status, contentType, body))) reply(response, status, contentType, body);
    else response.socket?.destroy();
  };
  switch (pathOf(request.url)) {
    case '/':
      budgeted(200, TEXT, endpoints.banner);
      return;
    case '/healthz':
      if (endpoints.healthy()) reply(response, 200, TEXT, 'ok\n');
      else reply(response, 503, TEXT, 'draining\n');
      return;
    case '/metrics':
      if (!endpoints.metricsAllowed(request)) {
        budgeted(401, TEXT, 'token required\n');
        return;
      }
      endpoints.metrics().then(
        (rendered) => reply(response, 200, rendered.contentType, rendered.body),
        () => reply(response, 500, TEXT, 'metrics unavailable\n'),
      );
      return;
    default:
      budgeted(404, TEXT, 'not found\n');
  }
}

/** The whole answer as reply() writes it (sendDate off): status line, headers, body. */
function responseBytes(status: number, contentType: string, body: string): number {
  const length = Buffer.byteLength(body);
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    `Content-Type: ${contentType}\r\nConnection: close\r\nContent-Length: ${length}\r\n\r\n`;
  return Buffer.byteLength(head) + length;
}

/** The path of a request target, without its query. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function reply(response: ServerResponse, status: number, contentType: string, body: string): void {
  if (response.destroyed || response.writableEnded) return;
  response.sendDate = false;
  response.writeHead(status, {
    'Content-Type': contentType,
    Connection: 'close',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}
