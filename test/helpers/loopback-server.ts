/**
 * A test's own server on 127.0.0.1 port 0, with every socket it accepts tracked: at teardown the
 * sockets are destroyed and the server closed, so nothing a test accepted outlives it.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import type { HostPort } from '../../protocol/address.js';
import type { Defer } from './teardown.js';

export interface LoopbackServer {
  address: HostPort;
  /** The accepted sockets still open (an accepted socket's errors are the test's to ignore). */
  sockets: ReadonlySet<Socket>;
}

export async function listenOnLoopback(defer: Defer, server: Server): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  defer(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { address: { host: '127.0.0.1', port }, sockets };
}
