/**
 * A connected TCP pair on 127.0.0.1 (port 0) for the keepalive suites; both ends and the server are
 * destroyed by the teardown registered before anything can fail.
 */
import net from 'node:net';
import { useTeardown, within } from '../../helpers/teardown.js';

export interface LoopbackPair {
  client: net.Socket;
  server: net.Socket;
  port: number;
}

/** A listening server on 127.0.0.1:0, closed (with every accepted socket) when the test finishes. */
export async function loopbackServer(
  onTestFinished: (fn: () => Promise<void>) => void,
): Promise<{ server: net.Server; port: number; accepted: Promise<net.Socket> }> {
  const defer = useTeardown(onTestFinished);
  const sockets: net.Socket[] = [];
  let onAccept: (socket: net.Socket) => void = () => {};
  const accepted = new Promise<net.Socket>((resolve) => (onAccept = resolve));
  const server = net.createServer((socket) => {
    sockets.push(socket);
    onAccept(socket);
  });
  defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  defer(() => sockets.forEach((socket) => socket.destroy()));
  await within(
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    }),
    5000,
    'the loopback server to listen',
  );
  return { server, port: (server.address() as net.AddressInfo).port, accepted };
}

/** A client connected to a fresh loopback server, and the server's end of it. */
export async function loopbackPair(onTestFinished: (fn: () => Promise<void>) => void): Promise<LoopbackPair> {
  const defer = useTeardown(onTestFinished);
  const { port, accepted } = await loopbackServer(onTestFinished);
  const client = net.connect(port, '127.0.0.1');
  defer(() => client.destroy());
  await within(
    new Promise<void>((resolve, reject) => {
      client.once('error', reject);
      client.once('connect', () => resolve());
    }),
    5000,
    'the loopback connect',
  );
  const server = await within(accepted, 5000, 'the loopback accept');
  return { client, server, port };
}
