/**
 * Child process of the memory table: opens N idle probe connections on loopback and prints one
 * JSON line with the process's memory before and after, both measured after forced GC.
 *
 *   node --expose-gc --import tsx bench/memory-child.ts raw|idlescope N
 *
 * raw:       N plain `net` socket pairs (client and server side in this process), idle.
 * idlescope: the real Reflector plus N ProbeConnections attached through a ControlChannel.
 *
 * Both sides live in this one process, so a figure is per pair (client + server). Kernel socket
 * buffers are not process memory and are not counted. Every wait is bounded; everything is closed
 * before exit. 127.0.0.1 and port 0 only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { openAll, sampleMemory as sample, within, type MemorySample } from './loopback-measure.js';
import { MAX_PROBES_PER_SESSION } from '../protocol/wire.js';
import { Reflector } from '../reflector/reflector.js';
import { ControlChannel } from '../client/discovery/control-channel.js';
import { ProbeConnection } from '../client/discovery/probe-connection.js';

export type MemoryMode = 'raw' | 'idlescope';
export type { MemorySample } from './loopback-measure.js';

export interface MemoryChildReport {
  mode: MemoryMode;
  n: number;
  /** Connections actually established (and, for idlescope, attached by the reflector). */
  established: number;
  before: MemorySample;
  after: MemorySample;
  setupMs: number;
  error: string | null;
}

/** The whole setup must finish in this; the parent also kills the child a little later. */
const SETUP_LIMIT_MS = 60_000;
const HOST = '127.0.0.1';

function noop(): void {}

async function runRaw(
  n: number,
  deadlineMs: number,
): Promise<{ established: number; before: MemorySample; after: MemorySample; close: () => Promise<void> }> {
  const accepted: Socket[] = [];
  const clients: Socket[] = [];
  const server: Server = createServer({ noDelay: true, keepAlive: false }, (socket) => {
    socket.setTimeout(0);
    socket.on('error', noop);
    socket.on('data', noop);
    accepted.push(socket);
  });
  server.on('error', noop);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port: 0 }, resolve);
  });
  const { port } = server.address() as { port: number };
  const close = async (): Promise<void> => {
    for (const s of clients) s.destroy();
    for (const s of accepted) s.destroy();
    await within(5000, (done) => {
      server.close(() => done(true));
      return noop;
    });
  };
  const before = await sample();
  const established = await openAll(n, deadlineMs, (i) => {
    const socket = connect({ host: HOST, port, noDelay: true, keepAlive: false });
    socket.setTimeout(0);
    socket.on('error', noop);
    socket.on('data', noop);
    clients[i] = socket;
    return within(10_000, (done) => {
      const onConnect = (): void => done(true);
      const onClose = (): void => done(false);
      socket.once('connect', onConnect);
      socket.once('close', onClose);
      return () => {
        socket.off('connect', onConnect);
        socket.off('close', onClose);
      };
    });
  });
  // The server side accepts asynchronously: wait (bounded) until it holds every pair.
  while (accepted.length < established && performance.now() < deadlineMs) await sleep(20);
  const after = await sample();
  return { established: Math.min(established, accepted.length), before, after, close };
}

async function runIdlescope(
  n: number,
  deadlineMs: number,
): Promise<{ established: number; before: MemorySample; after: MemorySample; close: () => Promise<void> }> {
  // Up to 4,000 probes in one session from one address: past the per-session default of the
  // admission limits (reflector/admission-limits.ts), so it is lifted for this measurement.
  const reflector = new Reflector({
    maxProbesPerSession: MAX_PROBES_PER_SESSION,
    maxConnectionsPerAddress: MAX_PROBES_PER_SESSION * 2,
  });
  const address = await reflector.listen(HOST, 0);
  const control = new ControlChannel(address);
  const probes: ProbeConnection[] = [];
  const close = async (): Promise<void> => {
    for (const p of probes) p.destroy();
    control.close();
    await within(5000, (done) => {
      void reflector.close().then(() => done(true));
      return noop;
    });
  };
  try {
    await control.connect();
  } catch (error) {
    await close();
    throw error;
  }
  const session = control.credentials;
  if (session === null) throw new Error('control channel has no session');
  const waiting = new Map<number, (ok: boolean) => void>();
  control.on('probe', (probe, event) => {
    if (event === 'attached') waiting.get(probe)?.(true);
  });
  const before = await sample();
  const established = await openAll(n, deadlineMs, (i) => {
    const id = i + 1;
    const probe = new ProbeConnection(address.host, address.port, session, id);
    probes[i] = probe;
    return within(10_000, (done) => {
      waiting.set(id, done);
      const onFail = (): void => done(false);
      probe.once('failed', onFail);
      probe.once('died', onFail);
      return () => {
        waiting.delete(id);
        probe.off('failed', onFail);
        probe.off('died', onFail);
      };
    });
  });
  const after = await sample();
  return { established, before, after, close };
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  const n = Number(process.argv[3]);
  if ((mode !== 'raw' && mode !== 'idlescope') || !Number.isInteger(n) || n < 1) {
    console.error('usage: memory-child.ts raw|idlescope N');
    process.exit(2);
  }
  const started = performance.now();
  const deadlineMs = started + SETUP_LIMIT_MS;
  const empty: MemorySample = { rss: 0, heapUsed: 0, external: 0 };
  let report: MemoryChildReport;
  try {
    const run = mode === 'raw' ? await runRaw(n, deadlineMs) : await runIdlescope(n, deadlineMs);
    const setupMs = Math.round(performance.now() - started);
    await run.close();
    report = {
      mode,
      n,
      established: run.established,
      before: run.before,
      after: run.after,
      setupMs,
      error: null,
    };
  } catch (error) {
    const setupMs = Math.round(performance.now() - started);
    report = {
      mode,
      n,
      established: 0,
      before: empty,
      after: empty,
      setupMs,
      error: error instanceof Error ? error.message : String(error),
    };
  }
  console.log(JSON.stringify(report));
  // Anything left (a stalled close handshake) must not keep the child alive.
  process.exit(0);
}

await main();
