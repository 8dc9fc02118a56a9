/**
 * A userspace middlebox: a TCP relay that forgets idle connections, like a NAT or a proxy does.
 *
 * Used by `idlescope demo` and by fast tests. The proofs that matter run against kernel NAT in
 * network namespaces; this emulates the observable behaviour of those setups (see field notes,
 * "How a Linux NAT really behaves") closely enough to exercise a client end to end on loopback.
 *
 * Each accepted connection is relayed to `target` as a pair (client leg, server leg). A pair is a
 * "mapping" while both legs are established and it has carried a byte in either direction within
 * `timeoutMs` (like conntrack: any packet of the connection, either way, refreshes the timer).
 *
 *   client ──► [ client leg | emulator | server leg ] ──► target
 *   time ──►  last byte ─────── idle ≥ timeoutMs ───────► evicted (what happens next: `mode`)
 *
 * modes, after eviction:
 *   drop   strict NAT (nf_conntrack_tcp_loose=0, invalid dropped): every byte either way is
 *          discarded silently; no FIN or RST is sent to anyone; both legs stay open until close().
 *   reset  NAT with `ct state invalid reject with tcp reset`: the client's next byte (or FIN) is
 *          answered by an RST on the client leg (client sees ECONNRESET); the server's bytes are
 *          discarded silently and the server leg is left open, orphaned, until close().
 *   close  terminating proxy (haproxy `timeout client/server`): at the timeout both legs are ended
 *          with FIN; anything either peer sends afterwards is discarded.
 *   loose  Linux default (nf_conntrack_tcp_loose=1): the client's next byte re-creates the mapping
 *          and is forwarded (the connection lives on); a byte from the server is answered by an RST
 *          on the server leg and never reaches the client. A later client byte then gets an RST too,
 *          as the server host would answer one.
 *
 * Guarantees and accuracy:
 * - One timer per pair, re-armed (`refresh()`) on every chunk relayed either way, cleared on
 *   teardown. When it fires, the idle is re-checked against a monotonic clock, so a pair is never
 *   evicted at idle < timeoutMs; it is evicted within a few ms of timeoutMs (timer and event-loop
 *   latency; more under heavy load).
 * - Activity is counted per chunk as it passes the relay, which is when a NAT would see the packet.
 *   Backpressure pauses the sending side; it does not delay the activity stamp.
 * - Every relayed socket has setTimeout(0), keepalive off and no Nagle, so the relay adds no
 *   traffic and no idle handling of its own.
 * - A failed connection to the target is answered by an RST on the client leg (ECONNRESET: the
 *   client's connect already succeeded, so ECONNREFUSED cannot be reproduced).
 *
 * Not emulated: direction-dependent timeouts, transitory (handshake/close) timeouts, sequence
 * number checks, half-open timers.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { MiddleboxMode } from './middlebox-mode.js';

export type { MiddleboxMode } from './middlebox-mode.js';

export interface MiddleboxEmulatorOptions {
  /** Where every accepted connection is relayed to. */
  target: { host: string; port: number };
  /** A pair idle for this long (no byte either way) is evicted. */
  timeoutMs: number;
  mode: MiddleboxMode;
  /** Address to listen on; default 127.0.0.1. */
  listenHost?: string;
  /** Port to listen on; default 0 (any free port). */
  listenPort?: number;
}

export interface MiddleboxStats {
  /** Pairs currently mapped (connecting or established, not evicted). */
  mappings: number;
  /** Evictions so far (a loose re-created mapping can be evicted again and counts again). */
  evicted: number;
  /** Mappings re-created by a client byte after eviction (loose mode only). */
  recreated: number;
  /** Pairs with at least one socket still open. */
  pairs: number;
}

export interface EvictionEvent {
  /** Pair number, in accept order from 1. */
  pair: number;
  mode: MiddleboxMode;
  /** Idle measured at eviction, ms (≥ timeoutMs). */
  idleMs: number;
  /** The client leg's remote address and port as seen by the emulator. */
  client: { address: string | undefined; port: number | undefined };
}

export interface MiddleboxEmulatorEvents {
  evicted: [EvictionEvent];
  /** Loose mode: a client byte re-created the mapping of this pair. */
  recreated: [{ pair: number }];
  /** A socket error the emulator handled (already acted on); for diagnostics only. */
  socketError: [{ pair: number; leg: 'client' | 'server'; error: Error }];
}

type PairState = 'connecting' | 'mapped' | 'evicted' | 'closing';

type Leg = 'client' | 'server';

interface Pair {
  id: number;
  state: PairState;
  client: net.Socket;
  server: net.Socket;
  lastActivityMs: number;
  timer: NodeJS.Timeout | null;
}

const DEFAULT_LISTEN_HOST = '127.0.0.1';

function prepareSocket(socket: net.Socket): void {
  socket.setTimeout(0);
  socket.setKeepAlive(false);
  socket.setNoDelay(true);
}

export class MiddleboxEmulator extends EventEmitter<MiddleboxEmulatorEvents> {
  readonly #options: Required<MiddleboxEmulatorOptions>;
  readonly #server: net.Server;
  readonly #pairs = new Set<Pair>();
  readonly #sockets = new Set<net.Socket>();
  #nextPairId = 1;
  #evicted = 0;
  #recreated = 0;
  #state: 'new' | 'listening' | 'closing' | 'closed' = 'new';
  #closing: Promise<void> | null = null;

  constructor(options: MiddleboxEmulatorOptions) {
    super();
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a positive number, got ${options.timeoutMs}`);
    }
    this.#options = {
      listenHost: DEFAULT_LISTEN_HOST,
      listenPort: 0,
      ...options,
    };
    // allowHalfOpen: a FIN from one side is relayed as a FIN, not turned into a full close.
    this.#server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) =>
      this.#accept(socket),
    );
  }

  get mode(): MiddleboxMode {
    return this.#options.mode;
  }

  get timeoutMs(): number {
    return this.#options.timeoutMs;
  }

  /** Start listening; resolves with the address clients should connect to. */
  listen(): Promise<{ host: string; port: number }> {
    if (this.#state !== 'new') {
      return Promise.reject(new Error(`MiddleboxEmulator.listen() called in state ${this.#state}`));
    }
    this.#state = 'listening';
    return new Promise((resolve, reject) => {
      const serverOnError = (error: Error): void => reject(error);
      this.#server.once('error', serverOnError);
      this.#server.listen(this.#options.listenPort, this.#options.listenHost, () => {
        this.#server.off('error', serverOnError);
        // Later server errors (EMFILE on accept) must not crash the process.
        this.#server.on('error', () => {});
        const address = this.#server.address() as net.AddressInfo;
        resolve({ host: this.#options.listenHost, port: address.port });
      });
    });
  }

  stats(): MiddleboxStats {
    let mappings = 0;
    for (const pair of this.#pairs) {
      if (pair.state === 'connecting' || pair.state === 'mapped') mappings++;
    }
    return { mappings, evicted: this.#evicted, recreated: this.#recreated, pairs: this.#pairs.size };
  }

  /** Stop accepting, destroy every socket, resolve once all of them (and the listener) are closed. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const wasListening = this.#state === 'listening';
    this.#state = 'closing';
    for (const pair of this.#pairs) this.#clearTimer(pair);
    const socketsClosed = [...this.#sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.closed) return resolve();
          socket.once('close', () => resolve());
          socket.destroy();
        }),
    );
    const serverClosed = wasListening
      ? new Promise<void>((resolve) => this.#server.close(() => resolve()))
      : Promise.resolve();
    this.#closing = Promise.all([...socketsClosed, serverClosed]).then(() => {
      this.#pairs.clear();
      this.#state = 'closed';
    });
    return this.#closing;
  }

  #accept(client: net.Socket): void {
    if (this.#state !== 'listening') {
      client.destroy();
      return;
    }
    prepareSocket(client);
    const server = net.connect({
      host: this.#options.target.host,
      port: this.#options.target.port,
      allowHalfOpen: true,
    });
    prepareSocket(server);
    const pair: Pair = {
      id: this.#nextPairId++,
      state: 'connecting',
      client,
      server,
      lastActivityMs: performance.now(),
      timer: null,
    };
    this.#pairs.add(pair);
    this.#track(pair, client, 'client');
    this.#track(pair, server, 'server');

    server.once('connect', () => {
      if (pair.state !== 'connecting' || this.#state !== 'listening') return;
      pair.state = 'mapped';
      // The handshake's last packet starts the idle clock.
      pair.lastActivityMs = performance.now();
      pair.timer = setTimeout(() => this.#timerOnFire(pair), this.#options.timeoutMs);
      client.on('data', (chunk: Buffer) => this.#onData(pair, 'client', chunk));
      server.on('data', (chunk: Buffer) => this.#onData(pair, 'server', chunk));
      client.on('end', () => this.#onEnd(pair, 'client'));
      server.on('end', () => this.#onEnd(pair, 'server'));
      client.resume();
    });
  }

  #track(pair: Pair, socket: net.Socket, leg: Leg): void {
    this.#sockets.add(socket);
    socket.on('error', (error) => this.#onError(pair, leg, error));
    socket.once('close', () => {
      this.#sockets.delete(socket);
      this.#onClose(pair, leg);
    });
  }

  #peer(pair: Pair, leg: Leg): net.Socket {
    return leg === 'client' ? pair.server : pair.client;
  }

  #touch(pair: Pair): void {
    pair.lastActivityMs = performance.now();
    pair.timer?.refresh();
  }

  #clearTimer(pair: Pair): void {
    if (pair.timer) clearTimeout(pair.timer);
    pair.timer = null;
  }

  #timerOnFire(pair: Pair): void {
    if (pair.state !== 'mapped') return;
    const idleMs = performance.now() - pair.lastActivityMs;
    if (idleMs < this.#options.timeoutMs) {
      // Timers may fire a little early (ms rounding): never evict below the timeout.
      pair.timer = setTimeout(
        () => this.#timerOnFire(pair),
        Math.max(1, Math.ceil(this.#options.timeoutMs - idleMs)),
      );
      return;
    }
    this.#evict(pair, idleMs);
  }

  #evict(pair: Pair, idleMs: number): void {
    this.#clearTimer(pair);
    this.#evicted++;
    if (this.#options.mode === 'close') {
      pair.state = 'closing';
      pair.client.end();
      pair.server.end();
    } else {
      pair.state = 'evicted';
    }
    this.emit('evicted', {
      pair: pair.id,
      mode: this.#options.mode,
      idleMs,
      client: { address: pair.client.remoteAddress, port: pair.client.remotePort },
    });
  }

  /** Loose mode: a client packet re-creates the mapping. */
  #recreate(pair: Pair): void {
    pair.state = 'mapped';
    this.#recreated++;
    pair.lastActivityMs = performance.now();
    pair.timer = setTimeout(() => this.#timerOnFire(pair), this.#options.timeoutMs);
    this.emit('recreated', { pair: pair.id });
  }

  /**
   * After eviction, decide what a packet from `leg` does. Returns true when it is to be relayed
   * (the mapping is live again), false when it was dropped or answered by the middlebox itself.
   */
  #afterEviction(pair: Pair, leg: Leg): boolean {
    switch (this.#options.mode) {
      case 'drop':
        return false;
      case 'reset':
        if (leg === 'client') pair.client.resetAndDestroy();
        return false;
      case 'close':
        return false;
      case 'loose':
        if (leg === 'server') {
          pair.server.resetAndDestroy();
          return false;
        }
        if (pair.server.destroyed) {
          // The mapping comes back, but the server host has no socket: it answers with an RST.
          pair.client.resetAndDestroy();
          return false;
        }
        this.#recreate(pair);
        return true;
      default: {
        const never: never = this.#options.mode;
        throw new Error(`unknown mode ${String(never)}`);
      }
    }
  }

  #onData(pair: Pair, leg: Leg, chunk: Buffer): void {
    if (pair.state === 'closing') return;
    if (pair.state === 'evicted' && !this.#afterEviction(pair, leg)) return;
    if (pair.state !== 'mapped') return;
    const from = leg === 'client' ? pair.client : pair.server;
    const to = this.#peer(pair, leg);
    // The packet passed the middlebox, whatever the receiver then does with it.
    this.#touch(pair);
    if (to.destroyed || to.writableEnded) return;
    if (!to.write(chunk) && !from.isPaused()) {
      from.pause();
      to.once('drain', () => {
        if (!from.destroyed) from.resume();
      });
    }
  }

  #onEnd(pair: Pair, leg: Leg): void {
    if (pair.state === 'closing') return;
    if (pair.state === 'evicted' && !this.#afterEviction(pair, leg)) return;
    if (pair.state !== 'mapped') return;
    // A FIN is a packet too: it refreshes the mapping and is relayed as a FIN.
    this.#touch(pair);
    const to = this.#peer(pair, leg);
    if (!to.destroyed) to.end();
  }

  #onError(pair: Pair, leg: Leg, error: Error): void {
    this.emit('socketError', { pair: pair.id, leg, error });
    if (pair.state === 'connecting' && leg === 'server') {
      // The target refused or is unreachable: the client learns it by an RST.
      pair.state = 'closing';
      if (!pair.client.destroyed) pair.client.resetAndDestroy();
    }
  }

  #onClose(pair: Pair, leg: Leg): void {
    const socket = leg === 'client' ? pair.client : pair.server;
    const peer = this.#peer(pair, leg);
    if (this.#state === 'listening' && (pair.state === 'mapped' || pair.state === 'connecting')) {
      // While mapped, an abortive close (RST) is relayed as an RST; a graceful close was already
      // relayed as a FIN by #onEnd, and the peer closes by itself once its own FIN is out.
      if (socket.errored || !socket.readableEnded) {
        this.#clearTimer(pair);
        pair.state = 'closing';
        if (!peer.destroyed) peer.resetAndDestroy();
      }
    }
    // After eviction a NAT relays nothing: the other leg stays as it is, orphaned.
    if (pair.client.closed && pair.server.closed) {
      this.#clearTimer(pair);
      this.#pairs.delete(pair);
    }
  }
}
