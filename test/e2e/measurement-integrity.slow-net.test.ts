/**
 * The measurement-integrity rule, client side, end to end: an idle probe connection carries
 * NOTHING between its hello and its test moment, in either direction, and nothing inside the
 * client (Node socket timeout, TCP keepalive) acts on its idleness. A counting relay sits between
 * the client and the emulator and records every chunk per connection:
 *
 *   runDiscovery ──► counting relay ──► emulator (drop, 2.5 s) ──► Reflector
 *
 *   per probe connection, as the relay saw it:
 *   up    hello(25) ········ idle ≥ min ········ PING ········ idle ········ PING ...
 *   down                                              ECHO (outbound)
 *   down                     ········ idle ≥ min ········ PUSH (inbound) ······ PUSH ...
 *
 * While the run is going, the client's own probe sockets are inspected every 250 ms, in Node
 * (timeout, keepalive flag) and, where `ss` exists, in the kernel (no keepalive timer). This test
 * fails if, for example, setKeepAlive(true), setTimeout(n) or a ws-style ping were added to probes.
 * Slow: one real-time run, about 15 s.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runDiscovery } from '../../client/discovery/discovery-run.js';
import { ECHO_BYTE, PING_BYTE, PROBE_HELLO_BYTES, PUSH_BYTE } from '../../protocol/wire.js';
import { startStack } from '../helpers/loopback-stack.js';
import { loopbackDiscovery } from '../helpers/loopback-discovery.js';
import { isProbe, startRelay, type RelayedConnection } from '../helpers/counting-relay.js';
import { useTeardown, within } from '../helpers/teardown.js';

const TIMEOUT_MS = 2500;
const MIN_S = 1;
/**
 * The client tests a probe once its idle, dated from the hello write, reaches --min; the relay
 * stamps the hello when its event loop reads it, up to event-loop latency later. 150 ms covers that
 * on a loaded machine; anything sent on an idle probe by a timer of its own would come far earlier.
 */
const SLACK_MS = 150;
/** An echo answers its ping at once; on loopback well within this. */
const ECHO_WITHIN_MS = 500;

const execFileAsync = promisify(execFile);

/** Reads one of Node's internal socket fields by its symbol's name; fails if Node renamed it. */
function internal(socket: net.Socket, name: string): unknown {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === name);
  if (key === undefined)
    throw new Error(`net.Socket has no internal field ${name} on this Node; update the test`);
  return (socket as unknown as Record<symbol, unknown>)[key];
}

/** Kernel timers of established sockets towards `port`, by local port; null where `ss` is unavailable. */
async function kernelTimers(port: number): Promise<Map<number, string> | null> {
  try {
    const { stdout } = await execFileAsync('ss', ['-tnoH', 'state', 'established', `( dport = :${port} )`], {
      timeout: 2000,
    });
    const timers = new Map<number, string>();
    for (const line of stdout.split('\n')) {
      const local = /\s\S+:(\d+)\s+\S+:\d+/.exec(line);
      if (local === null) continue;
      timers.set(Number(local[1]), /timer:\(([^,]+)/.exec(line)?.[1] ?? 'none');
    }
    return timers;
  } catch {
    return null;
  }
}

/** Every way a probe connection's relay record breaks the rule, as readable lines. */
function violations(connection: RelayedConnection): { problems: string[]; tests: number } {
  const problems: string[] = [];
  const at = (ms: number): string => `${Math.round(ms - connection.acceptedAtMs)} ms`;
  // One event per byte: a chunk holding a test byte plus anything else is already a violation.
  const events = connection.chunks.flatMap((c) =>
    [...c.bytes].map((byte) => ({ atMs: c.atMs, dir: c.dir, byte })),
  );
  const hello = events.splice(0, PROBE_HELLO_BYTES);
  if (hello.length < PROBE_HELLO_BYTES || hello.some((e) => e.dir !== 'up'))
    problems.push('does not open with a whole hello from the client');
  let idleSinceMs = hello.at(-1)?.atMs ?? connection.acceptedAtMs;
  let pingAtMs: number | null = null;
  let tests = 0;
  for (const event of events) {
    const what = `${event.dir} byte 0x${event.byte.toString(16)} at ${at(event.atMs)}`;
    if (pingAtMs !== null) {
      if (event.dir === 'down' && event.byte === ECHO_BYTE && event.atMs - pingAtMs <= ECHO_WITHIN_MS) {
        pingAtMs = null;
        idleSinceMs = event.atMs;
        continue;
      }
      problems.push(`${what} while a ping awaited its echo`);
      pingAtMs = null;
      continue;
    }
    const isTest =
      (event.dir === 'up' && event.byte === PING_BYTE) || (event.dir === 'down' && event.byte === PUSH_BYTE);
    if (!isTest) {
      problems.push(`${what}: not a test byte`);
      continue;
    }
    tests++;
    const idleMs = event.atMs - idleSinceMs;
    if (idleMs < MIN_S * 1000 - SLACK_MS) problems.push(`${what} after only ${Math.round(idleMs)} ms idle`);
    if (event.byte === PING_BYTE) pingAtMs = event.atMs;
    idleSinceMs = event.atMs;
  }
  const directions = new Set(events.map((e) => (e.byte === PUSH_BYTE ? 'inbound' : 'outbound')));
  if (directions.size > 1) problems.push('carries both inbound and outbound tests');
  return { problems, tests };
}

describe('client measurement integrity', () => {
  it(
    'sends nothing on an idle probe between its hello and its test, and arms no timeout or keepalive on it',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { front: emulatorFront } = await startStack(defer, { mode: 'drop', timeoutMs: TIMEOUT_MS });
      const { relay, front } = await startRelay(defer, emulatorFront);

      const probePorts = (): Set<number> =>
        new Set(relay.connections.filter(isProbe).map((c) => c.clientPort));
      const nodeProblems: string[] = [];
      const kernelProblems: string[] = [];
      const inspected = new Set<number>();
      let kernelInspected = 0;
      let kernelAvailable = true;
      let inspecting = false;
      const inspect = async (): Promise<void> => {
        if (inspecting) return;
        inspecting = true;
        try {
          const ports = probePorts();
          const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
          for (const handle of handles) {
            if (
              !(handle instanceof net.Socket) ||
              handle.remotePort !== front.port ||
              !ports.has(handle.localPort ?? -1)
            )
              continue;
            const port = handle.localPort as number;
            inspected.add(port);
            if ((handle.timeout ?? 0) !== 0)
              nodeProblems.push(`probe :${port} has a Node socket timeout of ${handle.timeout} ms`);
            if (internal(handle, 'timeout') != null)
              nodeProblems.push(`probe :${port} has an idle timer armed inside Node`);
            if (internal(handle, 'kSetKeepAlive') !== false)
              nodeProblems.push(`probe :${port} does not have keepalive explicitly off`);
            if (handle.listenerCount('timeout') !== 0)
              nodeProblems.push(`probe :${port} has a 'timeout' listener`);
          }
          const timers = kernelAvailable ? await kernelTimers(front.port) : null;
          if (timers === null) {
            kernelAvailable = false;
            return;
          }
          for (const [port, timer] of timers) {
            if (!ports.has(port)) continue;
            kernelInspected++;
            if (timer === 'keepalive') kernelProblems.push(`probe :${port} has a kernel keepalive timer`);
          }
        } finally {
          inspecting = false;
        }
      };
      const poll = setInterval(() => void inspect(), 250);
      defer(() => clearInterval(poll));

      const { report, end } = await within(
        runDiscovery({ ...loopbackDiscovery(front, 3 * (TIMEOUT_MS / 1000)), minS: MIN_S }),
        50_000,
        'the discovery run',
      );
      clearInterval(poll);
      expect(end, 'the run completed').toBe('complete');
      expect(report.directions.inbound?.evictedMs, 'inbound found the eviction').not.toBeNull();
      expect(report.directions.outbound?.evictedMs, 'outbound found the eviction').not.toBeNull();

      const probes = relay.connections.filter(isProbe);
      expect(probes.length, 'every probe connection went through the relay').toBe(report.connectionsUsed);
      expect(relay.connections.length - probes.length, 'plus exactly one control channel').toBe(1);
      let tests = 0;
      const problems: string[] = [];
      for (const connection of probes) {
        const found = violations(connection);
        tests += found.tests;
        for (const problem of found.problems) problems.push(`probe :${connection.clientPort}: ${problem}`);
      }
      expect(problems, 'bytes on idle probe connections').toEqual([]);
      const probesSent =
        (report.directions.inbound?.probesSent ?? 0) + (report.directions.outbound?.probesSent ?? 0);
      expect(
        tests,
        'the relay saw the tests the client reports having sent (evicted ones included)',
      ).toBeGreaterThanOrEqual(probesSent - 2 * report.connectionsUsed);
      expect(tests, 'tests were seen at all').toBeGreaterThan(10);

      expect(inspected.size, 'client probe sockets were inspected while open').toBeGreaterThanOrEqual(8);
      expect(nodeProblems, 'Node-side idle handling on client probe sockets').toEqual([]);
      if (kernelAvailable) {
        expect(kernelInspected, 'ss saw client probe sockets').toBeGreaterThan(0);
        expect(kernelProblems, 'kernel keepalive timers on client probe sockets').toEqual([]);
      }
    },
  );
});
