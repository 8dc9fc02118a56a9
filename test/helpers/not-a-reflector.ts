/**
 * Servers that are not an idlescope reflector, on 127.0.0.1 port 0, as a user meets them when the
 * port is wrong: an HTTP server (404), a server that speaks first (an SSH banner), a listener that
 * accepts and says nothing, and a WebSocket server that speaks something else. Closed by teardown,
 * every accepted socket with them.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { WebSocketServer } from 'ws';
import type { HostPort } from '../../protocol/address.js';
import type { Defer } from './teardown.js';
import { listenOnLoopback } from './loopback-server.js';

export type NotAReflectorKind = 'http' | 'banner' | 'silent' | 'websocket';

export const SSH_BANNER = 'SSH-2.0-OpenSSH_9.6';

export interface NotAReflector {
  address: HostPort;
  /** performance.now() when it accepted its first connection, or null before. */
  acceptedAtMs: () => number | null;
}

export async function startNotAReflector(defer: Defer, kind: NotAReflectorKind): Promise<NotAReflector> {
  let acceptedAtMs: number | null = null;
  let server: Server;
  switch (kind) {
    case 'http':
      server = createHttpServer((_request, response) => {
        response.statusCode = 404;
        response.end('not found');
      });
      break;
    case 'banner':
      server = createServer((socket) => socket.write(`${SSH_BANNER}\r\n`));
      break;
    case 'silent':
      server = createServer(() => {});
      break;
    case 'websocket': {
      const http = createHttpServer();
      const wss = new WebSocketServer({ server: http });
      wss.on('connection', (ws) => ws.send('hello from something else'));
      defer(() => wss.close());
      server = http;
      break;
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown kind ${String(never)}`);
    }
  }
  server.on('connection', () => (acceptedAtMs ??= performance.now()));
  const { address } = await listenOnLoopback(defer, server);
  return { address, acceptedAtMs: () => acceptedAtMs };
}
