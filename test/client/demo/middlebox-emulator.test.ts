/**
 * The middlebox emulator on real loopback sockets: a tiny echo server on 127.0.0.1 port 0, the
 * emulator in front of it, a client through it. Timeouts of a few hundred ms; every wait bounded.
 */
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  MiddleboxEmulator,
  type EvictionEvent,
  type MiddleboxMode,
} from '../../../client/demo/middlebox-emulator.js';

const TIMEOUT_MS = 400;
/** Idle well below the timeout: survives in every mode. */
const BELOW_MS = 150;
/** How long to watch for something that must not happen. */
const QUIET_MS = 250;
/** Bound on any wait for something that must happen. */
const WAIT_MS = 2_000;

/** Records everything a socket sees, so tests can wait on it or assert it never happened. */
class Peer {
  received = '';
  error: (Error & { code?: string }) | null = null;
  ended = false;
  closed = false;
  readonly #changes = new EventEmitter();

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.#change(() => (this.received += text)));
    socket.on('error', (error) => this.#change(() => (this.error = error)));
    socket.on('end', () => this.#change(() => (this.ended = true)));
    socket.on('close', () => this.#change(() => (this.closed = true)));
  }

  #change(apply: () => void): void {
    apply();
    this.#changes.emit('change');
  }

  /** Resolve when `predicate` holds; reject after `ms` saying what was awaited. */
  waitFor(what: string, predicate: (peer: Peer) => boolean, ms = WAIT_MS): Promise<void> {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; saw ${this.describe()}`));
      }, ms);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#changes.off('change', check);
      };
      this.#changes.on('change', check);
    });
  }

  describe(): string {
    return JSON.stringify({
      received: this.received,
      error: this.error?.code ?? this.error?.message ?? null,
      ended: this.ended,
      closed: this.closed,
    });
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An echo server on 127.0.0.1 port 0 that hands each accepted socket to the test. */
async function startTarget(): Promise<{ port: number; nextConnection(): Promise<Peer> }> {
  const accepted: Peer[] = [];
  const arrivals = new EventEmitter();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const peer = new Peer(socket);
    socket.on('data', (text: string) => socket.write(text));
    accepted.push(peer);
    arrivals.emit('accepted');
  });
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  server.listen(0, '127.0.0.1');
  await within(once(server, 'listening'), WAIT_MS, 'target listening');
  const { port } = server.address() as net.AddressInfo;
  let taken = 0;
  return {
    port,
    async nextConnection() {
      while (accepted.length <= taken) await within(once(arrivals, 'accepted'), WAIT_MS, 'accept');
      return accepted[taken++]!;
    },
  };
}

async function startEmulator(
  mode: MiddleboxMode,
  targetPort: number,
): Promise<{
  emulator: MiddleboxEmulator;
  port: number;
}> {
  const emulator = new MiddleboxEmulator({
    target: { host: '127.0.0.1', port: targetPort },
    timeoutMs: TIMEOUT_MS,
    mode,
  });
  onTestFinished(() => emulator.close());
  const { port } = await within(emulator.listen(), WAIT_MS, 'emulator listening');
  return { emulator, port };
}

async function connectClient(port: number): Promise<Peer> {
  const socket = net.connect({ host: '127.0.0.1', port });
  onTestFinished(() => {
    socket.destroy();
  });
  const peer = new Peer(socket);
  await within(once(socket, 'connect'), WAIT_MS, 'client connect');
  return peer;
}

/** Target, emulator and one client through it, with the target's side of that connection. */
async function setup(mode: MiddleboxMode): Promise<{
  emulator: MiddleboxEmulator;
  client: Peer;
  server: Peer;
  evictions: EvictionEvent[];
}> {
  const target = await startTarget();
  const { emulator, port } = await startEmulator(mode, target.port);
  const evictions: EvictionEvent[] = [];
  emulator.on('evicted', (event) => evictions.push(event));
  const client = await connectClient(port);
  const server = await target.nextConnection();
  return { emulator, client, server, evictions };
}

function nextEviction(emulator: MiddleboxEmulator): Promise<EvictionEvent> {
  return within(
    once(emulator, 'evicted').then(([event]) => event as EvictionEvent),
    TIMEOUT_MS + WAIT_MS,
    'eviction',
  );
}

const MODES: MiddleboxMode[] = ['drop', 'reset', 'close', 'loose'];

describe.each(MODES)('mode %s, idle below the timeout', (mode) => {
  it('relays client→server (echo) and server push after idles below the timeout', async () => {
    const { emulator, client, server, evictions } = await setup(mode);

    await sleep(BELOW_MS);
    client.socket.write('ping');
    await client.waitFor('echo of ping', (p) => p.received === 'ping');
    expect(server.received, 'the target got the client bytes').toBe('ping');

    await sleep(BELOW_MS);
    server.socket.write('push');
    await client.waitFor('server push', (p) => p.received === 'pingpush');

    expect(evictions, 'nothing evicted below the timeout').toEqual([]);
    expect(emulator.stats()).toMatchObject({ mappings: 1, evicted: 0 });
    expect(client.error, 'no client error').toBeNull();
  });
});

describe('mode drop (strict NAT)', () => {
  it('after eviction discards client bytes silently: no echo, no FIN, no RST', async () => {
    const { emulator, client, server } = await setup('drop');
    const eviction = await nextEviction(emulator);
    expect(eviction.idleMs, 'evicted at idle ≥ timeout').toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(emulator.stats()).toMatchObject({ mappings: 0, evicted: 1 });

    client.socket.write('lost');
    await sleep(QUIET_MS);
    expect(server.received, 'target got nothing').toBe('');
    expect(client.describe(), 'client saw nothing at all').toBe(
      JSON.stringify({ received: '', error: null, ended: false, closed: false }),
    );
    expect(server.ended || server.closed || server.error !== null, 'server leg untouched').toBe(false);
  });

  it('after eviction discards server pushes silently, both legs stay open', async () => {
    const { emulator, client, server } = await setup('drop');
    await nextEviction(emulator);

    server.socket.write('lost');
    await sleep(QUIET_MS);
    expect(client.received, 'push never reaches the client').toBe('');
    expect(server.error, 'no RST to the server').toBeNull();
    expect(client.closed || server.closed, 'both legs still open').toBe(false);
  });
});

describe('mode reset (NAT that rejects invalid packets with RST)', () => {
  it('answers the first client byte after eviction with ECONNRESET', async () => {
    const { emulator, client, server } = await setup('reset');
    await nextEviction(emulator);

    client.socket.write('late');
    await client.waitFor('client reset', (p) => p.error !== null);
    expect(client.error?.code).toBe('ECONNRESET');
    await sleep(QUIET_MS / 2);
    expect(server.received, 'the late byte never reached the target').toBe('');
    expect(server.closed || server.error !== null, 'server leg left orphaned, not reset').toBe(false);
  });

  it('discards server pushes after eviction without resetting anyone', async () => {
    const { emulator, client, server } = await setup('reset');
    await nextEviction(emulator);

    server.socket.write('lost');
    await sleep(QUIET_MS);
    expect(client.received, 'push never reaches the client').toBe('');
    expect(server.error, 'server not reset').toBeNull();
    expect(client.error, 'client not reset by a server byte').toBeNull();
    expect(client.closed, 'client still open').toBe(false);
  });
});

describe('mode close (terminating proxy)', () => {
  it('ends both legs with FIN at the timeout, without an error', async () => {
    const { emulator, client, server } = await setup('close');
    const started = performance.now();
    await client.waitFor('client FIN', (p) => p.ended, TIMEOUT_MS + WAIT_MS);
    await server.waitFor('server FIN', (p) => p.ended);
    expect(performance.now() - started, 'not before the timeout').toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(client.error, 'a FIN, not an RST (client)').toBeNull();
    expect(server.error, 'a FIN, not an RST (server)').toBeNull();
    expect(emulator.stats()).toMatchObject({ mappings: 0, evicted: 1 });
  });

  it('keeps a connection open while bytes flow, then closes it after the idle', async () => {
    const { client, evictions } = await setup('close');
    for (let i = 0; i < 4; i++) {
      await sleep(BELOW_MS);
      client.socket.write('k');
    }
    await client.waitFor('all echoes', (p) => p.received === 'kkkk');
    expect(client.ended, 'still open after 4 × 150 ms > timeout').toBe(false);
    await client.waitFor('FIN after idle', (p) => p.ended, TIMEOUT_MS + WAIT_MS);
    expect(evictions).toHaveLength(1);
  });
});

describe('mode loose (Linux nf_conntrack_tcp_loose=1)', () => {
  it('re-creates the mapping on a client byte after eviction: the echo comes back', async () => {
    const { emulator, client } = await setup('loose');
    const recreated = once(emulator, 'recreated');
    await nextEviction(emulator);
    expect(emulator.stats()).toMatchObject({ mappings: 0, evicted: 1 });

    client.socket.write('again');
    await client.waitFor('echo after re-creation', (p) => p.received === 'again');
    await within(recreated, WAIT_MS, 'recreated event');
    expect(emulator.stats()).toMatchObject({ mappings: 1, evicted: 1, recreated: 1 });

    // The re-created mapping has its own timer.
    await nextEviction(emulator);
    expect(emulator.stats()).toMatchObject({ mappings: 0, evicted: 2 });
  });

  it('resets the server on a push after eviction; the client never sees it', async () => {
    const { emulator, client, server } = await setup('loose');
    await nextEviction(emulator);

    server.socket.write('lost');
    await server.waitFor('server reset', (p) => p.error !== null);
    expect(server.error?.code).toBe('ECONNRESET');
    await sleep(QUIET_MS / 2);
    expect(client.describe(), 'client saw nothing').toBe(
      JSON.stringify({ received: '', error: null, ended: false, closed: false }),
    );

    // The client's next byte re-creates the mapping, but the server host has no socket: RST.
    client.socket.write('late');
    await client.waitFor('client reset', (p) => p.error !== null);
    expect(client.error?.code).toBe('ECONNRESET');
  });
});

describe('activity refreshes the idle timer', () => {
  it('client→server bytes keep a drop-mode mapping alive past the timeout', async () => {
    const { client, evictions } = await setup('drop');
    for (let i = 0; i < 5; i++) {
      await sleep(BELOW_MS);
      client.socket.write('.');
    }
    await client.waitFor('five echoes', (p) => p.received === '.....');
    expect(evictions, '5 × 150 ms of activity > 400 ms timeout, no eviction').toEqual([]);
  });

  it('server→client bytes alone refresh it too, and the timer restarts from the last one', async () => {
    const { emulator, client, server, evictions } = await setup('drop');
    for (let i = 0; i < 5; i++) {
      await sleep(BELOW_MS);
      server.socket.write('+');
    }
    await client.waitFor('five pushes', (p) => p.received === '+++++');
    expect(evictions, 'pushes alone refresh the mapping').toEqual([]);
    const lastActivity = performance.now();
    const eviction = await nextEviction(emulator);
    expect(eviction.idleMs).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(performance.now() - lastActivity, 'evicted a timeout after the last byte').toBeGreaterThanOrEqual(
      TIMEOUT_MS - 5,
    );
  });
});

describe('relay and lifecycle', () => {
  it('relays a FIN while mapped', async () => {
    const { client, server } = await setup('drop');
    client.socket.end('bye');
    await server.waitFor('bytes then FIN at the target', (p) => p.received === 'bye' && p.ended);
    await client.waitFor('echo then FIN back', (p) => p.received === 'bye' && p.ended);
  });

  it('resets the client when the target cannot be reached', async () => {
    const spare = net.createServer();
    spare.listen(0, '127.0.0.1');
    await within(once(spare, 'listening'), WAIT_MS, 'spare listening');
    const { port: closedPort } = spare.address() as net.AddressInfo;
    await new Promise<void>((resolve) => spare.close(() => resolve()));

    const { port } = await startEmulator('drop', closedPort);
    const client = await connectClient(port);
    await client.waitFor('client closed', (p) => p.closed);
    expect(client.error?.code).toBe('ECONNRESET');
  });

  it('close() destroys every socket and resolves once they are gone', async () => {
    const target = await startTarget();
    const { emulator, port } = await startEmulator('drop', target.port);
    const clients = [await connectClient(port), await connectClient(port)];
    const servers = [await target.nextConnection(), await target.nextConnection()];
    expect(emulator.stats()).toMatchObject({ mappings: 2, pairs: 2 });

    await within(emulator.close(), WAIT_MS, 'emulator close');
    expect(emulator.stats()).toMatchObject({ mappings: 0, pairs: 0 });
    for (const peer of [...clients, ...servers]) {
      await peer.waitFor('peer closed', (p) => p.closed);
    }
    await expect(emulator.listen(), 'no restart after close').rejects.toThrow(/state closed/);
  });

  it('rejects a timeout that is not positive', () => {
    expect(
      () => new MiddleboxEmulator({ target: { host: '127.0.0.1', port: 1 }, timeoutMs: 0, mode: 'drop' }),
    ).toThrow(RangeError);
  });
});
