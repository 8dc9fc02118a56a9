/**
 * Test-side remote control for fixtures/tcp-peer.ts running inside a lab namespace. Every event line
 * is stamped with `performance.now()` when it is read here: event times are accurate to a few ms
 * (pipe and event-loop latency), which is far below the seconds the lab tests measure.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseHostPort } from '../../protocol/address.js';
import { nodeArgv, type Lab } from './lab.js';

const START_TIMEOUT_MS = 20_000;

export interface PeerEvent {
  event:
    'listening' | 'connected' | 'accepted' | 'ready' | 'data' | 'fin' | 'error' | 'close' | 'bad-command';
  id?: string | null;
  text?: string;
  code?: string;
  port?: number;
  remote?: string;
  reason?: string;
  hadError?: boolean;
  /** performance.now() when the line was read. */
  atMs: number;
}

export class PeerTimeoutError extends Error {
  readonly code = 'IDLESCOPE_LAB_PEER_TIMEOUT';
  constructor(what: string, timeoutMs: number, events: readonly PeerEvent[]) {
    super(`${what}: nothing after ${timeoutMs} ms; events so far: ${JSON.stringify(events.slice(-20))}`);
    this.name = 'PeerTimeoutError';
  }
}

export class PeerRemote {
  readonly events: PeerEvent[] = [];
  private readonly waiters = new Set<(event: PeerEvent) => void>();
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly label: string,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let event: PeerEvent;
      try {
        event = { ...(JSON.parse(line) as Omit<PeerEvent, 'atMs'>), atMs: performance.now() };
      } catch {
        return;
      }
      this.events.push(event);
      for (const waiter of [...this.waiters]) waiter(event);
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4096);
    });
  }

  /** Starts a peer in `ns` of `lab`; it is killed with the lab. */
  static start(lab: Lab, ns: string, label = ns): PeerRemote {
    const child = lab.spawn(ns, nodeArgv('test/lab/fixtures/tcp-peer.ts'), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin!.on('error', () => {});
    return new PeerRemote(child, label);
  }

  private send(command: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** Resolves with the first event (already seen or future) matching `match`; bounded by `timeoutMs`. */
  waitFor(match: (event: PeerEvent) => boolean, timeoutMs: number, what = 'event'): Promise<PeerEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = (event: PeerEvent): void => {
        if (!match(event)) return;
        cleanup();
        resolve(event);
      };
      const timer = setTimeout(() => {
        cleanup();
        const exited =
          this.child.exitCode !== null ? ` (peer exited ${this.child.exitCode}: ${this.stderr.trim()})` : '';
        reject(new PeerTimeoutError(`${this.label}: ${what}${exited}`, timeoutMs, this.events));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  /** Events about connection `id` stamped at or after `sinceMs`. */
  eventsOf(id: string, sinceMs = 0): PeerEvent[] {
    return this.events.filter((e) => e.id === id && e.atMs >= sinceMs);
  }

  async listen(host: string, port: number): Promise<void> {
    this.send({ cmd: 'listen', host, port });
    await this.waitFor(
      (e) => (e.event === 'listening' && e.port === port) || (e.event === 'error' && e.id === null),
      START_TIMEOUT_MS,
      `listen ${host}:${port}`,
    ).then((e) => {
      if (e.event === 'error')
        throw new Error(`${this.label}: listen ${host}:${port} failed: ${e.code ?? '?'}`);
    });
  }

  /** Connects to "host:port", sends the id line and resolves when the other side acknowledged it. */
  async connect(id: string, target: string): Promise<PeerEvent> {
    const { host, port } = parseHostPort(target, 0);
    this.send({ cmd: 'connect', id, host, port });
    const event = await this.waitFor(
      (e) => e.id === id && (e.event === 'ready' || e.event === 'error' || e.event === 'close'),
      START_TIMEOUT_MS,
      `connect ${id} to ${target}`,
    );
    if (event.event !== 'ready')
      throw new Error(`${this.label}: connect ${id} to ${target} failed: ${JSON.stringify(event)}`);
    return event;
  }

  write(id: string, text: string): void {
    this.send({ cmd: 'write', id, text });
  }
}
