/**
 * A transparent TCP relay that records every chunk it passes, with a monotonic timestamp, per
 * connection and direction. Put in front of anything to see exactly which bytes crossed a hop and
 * when. It adds no traffic of its own: setTimeout(0), keepalive off, no Nagle; one side closing or
 * failing destroys the other.
 *
 * Accuracy: a chunk is stamped when this process's event loop reads it (ms, more under load).
 */
import net from 'node:net';
import type { HostPort } from '../../protocol/address.js';
import type { Defer } from './teardown.js';

export interface RelayChunk {
  atMs: number;
  /** up: client → target; down: target → client. */
  dir: 'up' | 'down';
  bytes: Buffer;
}

export interface RelayedConnection {
  /** The client's port, as the relay sees it (the client socket's localPort). */
  clientPort: number;
  acceptedAtMs: number;
  chunks: RelayChunk[];
}

export class CountingRelay {
  readonly connections: RelayedConnection[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  /**
   * `holdFirstUpMs`: hold each connection's first chunk from the client this long before passing
   * it on (a slow path for the hello: the reflector, and so the client's attach report, wait).
   */
  constructor(
    private readonly target: HostPort,
    private readonly holdFirstUpMs = 0,
  ) {
    this.server = net.createServer({ pauseOnConnect: true }, (client) => this.accept(client));
  }

  async listen(host = '127.0.0.1'): Promise<HostPort> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, host, () => resolve());
    });
    return { host, port: (this.server.address() as net.AddressInfo).port };
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const record: RelayedConnection = { clientPort: client.remotePort ?? 0, acceptedAtMs: performance.now(), chunks: [] };
    this.connections.push(record);
    const server = net.connect({ host: this.target.host, port: this.target.port });
    for (const socket of [client, server]) {
      socket.setTimeout(0);
      socket.setKeepAlive(false);
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        server.destroy();
      });
    }
    let held = this.holdFirstUpMs > 0;
    const pipe = (from: net.Socket, to: net.Socket, dir: 'up' | 'down'): void => {
      from.on('data', (bytes: Buffer) => {
        record.chunks.push({ atMs: performance.now(), dir, bytes });
        if (dir === 'up' && held) {
          held = false;
          // Everything behind it waits too, in order: pause the client side until the chunk is out.
          from.pause();
          const timer = setTimeout(() => {
            to.write(bytes);
            from.resume();
          }, this.holdFirstUpMs);
          from.once('close', () => clearTimeout(timer));
          return;
        }
        to.write(bytes);
      });
      from.on('end', () => to.end());
    };
    server.once('connect', () => {
      pipe(client, server, 'up');
      pipe(server, client, 'down');
      client.resume();
    });
  }
}

export async function startRelay(defer: Defer, target: HostPort, holdFirstUpMs = 0): Promise<{ relay: CountingRelay; front: HostPort }> {
  const relay = new CountingRelay(target, holdFirstUpMs);
  defer(() => relay.close());
  const front = await relay.listen(target.host);
  return { relay, front };
}
