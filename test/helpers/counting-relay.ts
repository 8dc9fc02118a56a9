/**
 * A transparent TCP relay that records every chunk it passes, with a monotonic timestamp, per
 * connection and direction. Put in front of anything to see exactly which bytes crossed a hop and
 * when. It adds no traffic of its own: setTimeout(0), keepalive off, no Nagle; one side closing or
 * failing destroys the other. It can hold some chunks back (RelayOptions) to stand for a slow or
 * lossy path, in order: what follows a held chunk waits behind it.
 *
 * Accuracy: a chunk is stamped when this process's event loop reads it (ms, more under load).
 */
import net from 'node:net';
import type { HostPort } from '../../protocol/address.js';
import { PROBE_MAGIC, PUSH_BYTE } from '../../protocol/wire.js';
import type { Defer } from './teardown.js';

export interface RelayChunk {
  /** When the relay read it. */
  atMs: number;
  /** When the relay passed it on: atMs, unless it was held. */
  sentAtMs: number;
  /** up: client → target; down: target → client. */
  dir: 'up' | 'down';
  bytes: Buffer;
}

export interface RelayOptions {
  /**
   * Hold each connection's first chunk from the client this long before passing it on (a slow
   * path for the hello: the reflector, and so the client's attach report, wait).
   */
  holdFirstUpMs?: number;
  /**
   * Hold each push (a down chunk of PUSH_BYTE on a probe connection; only ever sent after an
   * idle) this long before passing it on, as TCP does when a packet is lost past the middlebox
   * and sent again after its retransmission timeout.
   */
  holdPushDownMs?: number;
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

  private readonly holdFirstUpMs: number;
  private readonly holdPushDownMs: number;

  constructor(
    private readonly target: HostPort,
    options: RelayOptions = {},
  ) {
    this.holdFirstUpMs = options.holdFirstUpMs ?? 0;
    this.holdPushDownMs = options.holdPushDownMs ?? 0;
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
    const record: RelayedConnection = {
      clientPort: client.remotePort ?? 0,
      acceptedAtMs: performance.now(),
      chunks: [],
    };
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
    let holdFirstUp = this.holdFirstUpMs > 0;
    const holdFor = (dir: 'up' | 'down', bytes: Buffer): number => {
      if (dir === 'up' && holdFirstUp) {
        holdFirstUp = false;
        return this.holdFirstUpMs;
      }
      const isPush = dir === 'down' && bytes.length === 1 && bytes[0] === PUSH_BYTE;
      return isPush && this.holdPushDownMs > 0 && isProbe(record) ? this.holdPushDownMs : 0;
    };
    const pipe = (from: net.Socket, to: net.Socket, dir: 'up' | 'down'): void => {
      from.on('data', (bytes: Buffer) => {
        const chunk: RelayChunk = { atMs: performance.now(), sentAtMs: 0, dir, bytes };
        record.chunks.push(chunk);
        const holdMs = holdFor(dir, bytes);
        if (holdMs === 0) {
          chunk.sentAtMs = chunk.atMs;
          to.write(bytes);
          return;
        }
        // Everything behind it waits too, in order: pause the sending side until the chunk is out.
        from.pause();
        const timer = setTimeout(() => {
          chunk.sentAtMs = performance.now();
          to.write(bytes);
          from.resume();
        }, holdMs);
        from.once('close', () => clearTimeout(timer));
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

/** A probe connection opens with the probe magic; the control channel does not. */
export function isProbe(connection: RelayedConnection): boolean {
  const first = connection.chunks.find((c) => c.dir === 'up');
  return first !== undefined && first.bytes.subarray(0, PROBE_MAGIC.length).equals(PROBE_MAGIC);
}

export async function startRelay(
  defer: Defer,
  target: HostPort,
  options: RelayOptions = {},
): Promise<{ relay: CountingRelay; front: HostPort }> {
  const relay = new CountingRelay(target, options);
  defer(() => relay.close());
  const front = await relay.listen(target.host);
  return { relay, front };
}
