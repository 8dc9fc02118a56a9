/**
 * Small proxies for the dialer and CLI suites, on 127.0.0.1 port 0, closed by teardown with every
 * socket they accepted: an HTTP CONNECT proxy (tunnels, or answers a fixed status, or wants Basic
 * credentials) and a SOCKS5 server (RFC 1928 CONNECT, RFC 1929 username/password, or a refusal with
 * a given reply code), plus an echo server to tunnel to. Each records what it was asked.
 */
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { HostPort } from '../../protocol/address.js';
import type { Defer } from './teardown.js';

/** Tracks a server's sockets so teardown can close them all, and counts the open ones. */
function tracked(defer: Defer, server: Server): { sockets: Set<Socket>; track(socket: Socket): void } {
  const sockets = new Set<Socket>();
  defer(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    sockets,
    track(socket) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => sockets.delete(socket));
    },
  };
}

async function listen(server: Server, host = '127.0.0.1', port = 0): Promise<HostPort> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { host, port: (server.address() as AddressInfo).port };
}

export interface EchoServer {
  address: HostPort;
  /** Bytes received over every connection. */
  bytesReceived(): number;
  /** The far ends of the tunnels: open connections now. */
  open(): number;
}

/** Echoes every byte back, on every connection. */
export async function startEchoServer(defer: Defer): Promise<EchoServer> {
  let received = 0;
  const server = createServer();
  const { sockets, track } = tracked(defer, server);
  server.on('connection', (socket) => {
    track(socket);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      socket.write(chunk);
    });
  });
  return { address: await listen(server), bytesReceived: () => received, open: () => sockets.size };
}

export type ConnectProxyMode =
  | { kind: 'tunnel' }
  | { kind: 'status'; status: number; reason: string }
  | { kind: 'auth'; username: string; password: string };

export interface ConnectProxy {
  address: HostPort;
  /** The CONNECT requests seen: target and Proxy-Authorization header. */
  requests: { target: string; authorization: string | undefined }[];
  /** Client connections open now. */
  open(): number;
}

/** An HTTP proxy that answers CONNECT as `mode` says (and only CONNECT). */
export async function startConnectProxy(defer: Defer, mode: ConnectProxyMode): Promise<ConnectProxy> {
  const requests: ConnectProxy['requests'] = [];
  const server = createHttpServer((_request, response) => {
    response.statusCode = 405;
    response.end();
  });
  const { sockets, track } = tracked(defer, server);
  server.on('connection', track);
  server.on('connect', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = request.url ?? '';
    const authorization = request.headers['proxy-authorization'];
    requests.push({ target, authorization });
    const answer = (status: number, reason: string, extra = ''): void => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}Content-Length: 0\r\n\r\n`);
    };
    if (mode.kind === 'status') return answer(mode.status, mode.reason);
    if (mode.kind === 'auth') {
      const expected = `Basic ${Buffer.from(`${mode.username}:${mode.password}`).toString('base64')}`;
      if (authorization !== expected)
        return answer(407, 'Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="test"\r\n');
    }
    const colon = target.lastIndexOf(':');
    const upstream = connect(Number(target.slice(colon + 1)), target.slice(0, colon).replace(/^\[|\]$/g, ''));
    track(upstream);
    upstream.once('connect', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.once('error', () => answer(502, 'Bad Gateway'));
    socket.once('close', () => upstream.destroy());
    upstream.once('close', () => socket.destroy());
  });
  return { address: await listen(server), requests, open: () => sockets.size };
}

export type Socks5Mode =
  { kind: 'tunnel'; auth?: { username: string; password: string } } | { kind: 'refuse'; reply: number };

export interface Socks5Server {
  address: HostPort;
  /** The CONNECT requests seen: address type (1 IPv4, 3 name, 4 IPv6), host and port. */
  requests: { addressType: number; host: string; port: number }[];
  open(): number;
}

/**
 * `read(n)`: exactly `n` bytes from `socket` (rejects if it closes first); `detach()` hands the
 * socket back paused, for a pipe (the client sends nothing past the handshake before the reply).
 */
function reader(socket: Socket): { read(n: number): Promise<Buffer>; detach(): void } {
  let buffered = Buffer.alloc(0);
  let wake: (() => void) | null = null;
  let closed = false;
  const socketOnData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    wake?.();
  };
  socket.on('data', socketOnData);
  socket.once('close', () => {
    closed = true;
    wake?.();
  });
  return {
    async read(n) {
      while (buffered.length < n) {
        if (closed) throw new Error('closed');
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
      const out = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      return out;
    },
    detach() {
      socket.off('data', socketOnData);
      socket.pause();
    },
  };
}

export interface Socks5ServerOptions {
  /** Where to listen (default 127.0.0.1 port 0; the lab's socks scenario: its middlebox address). */
  host?: string;
  port?: number;
  /**
   * Closes a tunnel (FIN on both legs) once no byte has crossed it either way for this long, as a
   * forward proxy's idle timeout does; absent: never.
   */
  idleTimeoutMs?: number;
}

/** A SOCKS5 server (CONNECT only) that tunnels or refuses as `mode` says. */
export async function startSocks5Server(
  defer: Defer,
  mode: Socks5Mode,
  options: Socks5ServerOptions = {},
): Promise<Socks5Server> {
  const requests: Socks5Server['requests'] = [];
  const server = createServer();
  const { sockets, track } = tracked(defer, server);
  server.on('connection', (socket) => {
    track(socket);
    void handshake(socket).catch(() => socket.destroy());
  });
  const handshake = async (socket: Socket): Promise<void> => {
    const { read, detach } = reader(socket);
    const [version = 0, count = 0] = await read(2);
    if (version !== 5) return void socket.destroy();
    const methods = [...(await read(count))];
    const auth = mode.kind === 'tunnel' ? mode.auth : undefined;
    const method = auth !== undefined ? 2 : 0;
    if (!methods.includes(method)) return void socket.end(Buffer.of(5, 0xff));
    socket.write(Buffer.of(5, method));
    if (auth !== undefined) {
      const [, userLength = 0] = await read(2);
      const username = (await read(userLength)).toString();
      const [passwordLength = 0] = await read(1);
      const password = (await read(passwordLength)).toString();
      const ok = username === auth.username && password === auth.password;
      socket.write(Buffer.of(1, ok ? 0 : 1));
      if (!ok) return void socket.end();
    }
    const [, , , addressType = 0] = await read(4);
    let host: string;
    if (addressType === 1) host = [...(await read(4))].join('.');
    else if (addressType === 3) host = (await read((await read(1))[0] ?? 0)).toString();
    else host = ((await read(16)).toString('hex').match(/.{4}/g) ?? []).join(':');
    const port = (await read(2)).readUInt16BE(0);
    requests.push({ addressType, host, port });
    const reply = (code: number): Buffer => Buffer.of(5, code, 0, 1, 0, 0, 0, 0, 0, 0);
    if (mode.kind === 'refuse') return void socket.end(reply(mode.reply));
    detach();
    const upstream = connect(port, host);
    track(upstream);
    upstream.once('connect', () => {
      socket.write(reply(0));
      upstream.pipe(socket);
      socket.pipe(upstream);
      const idleMs = options.idleTimeoutMs;
      if (idleMs === undefined) return;
      let timer: NodeJS.Timeout | null = null;
      const arm = (): void => {
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(() => {
          socket.end();
          upstream.end();
        }, idleMs);
      };
      arm();
      socket.on('data', arm);
      upstream.on('data', arm);
      socket.once('close', () => timer !== null && clearTimeout(timer));
    });
    upstream.once('error', () => socket.end(reply(5)));
    socket.once('close', () => upstream.destroy());
    upstream.once('close', () => socket.destroy());
  };
  return { address: await listen(server, options.host, options.port), requests, open: () => sockets.size };
}

/** A port on 127.0.0.1 where nothing listens (a server bound, then closed). */
export async function closedPort(): Promise<HostPort> {
  const server = createServer();
  const address = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address;
}
