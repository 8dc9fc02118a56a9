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
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpEndpoints {
  banner: string;
  /** True while the reflector accepts sessions; false while it drains. */
  healthy(): boolean;
  metrics(): Promise<{ contentType: string; body: string }>;
}

const TEXT = 'text/plain; charset=utf-8';

export function answerHttp(
  request: IncomingMessage,
  response: ServerResponse,
  endpoints: HttpEndpoints,
): void {
  switch (pathOf(request.url)) {
    case '/':
      reply(response, 200, TEXT, endpoints.banner);
      return;
    case '/healthz':
      if (endpoints.healthy()) reply(response, 200, TEXT, 'ok\n');
      else reply(response, 503, TEXT, 'draining\n');
      return;
    case '/metrics':
      endpoints.metrics().then(
        (rendered) => reply(response, 200, rendered.contentType, rendered.body),
        () => reply(response, 500, TEXT, 'metrics unavailable\n'),
      );
      return;
    default:
      reply(response, 404, TEXT, 'not found\n');
  }
}

/** The path of a request target, without its query. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function reply(response: ServerResponse, status: number, contentType: string, body: string): void {
  if (response.destroyed || response.writableEnded) return;
  response.writeHead(status, {
    'Content-Type': contentType,
    Connection: 'close',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}
