/**
 * Test clients for the reflector suites: a control channel that records every message, a raw probe
 * socket that records every byte, and one teardown list per test (registered the moment a resource
 * exists, run in afterEach). Every wait is bounded and fails with a message saying what it waited for.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, expect } from 'vitest';
import WebSocket from 'ws';
import {
  CONTROL_PATH,
  ECHO_BYTE,
  PING_BYTE,
  PROTOCOL_VERSION,
  PUSH_BYTE,
  decodeReflectorMessage,
  encodeMessage,
  encodeProbeHello,
  type ClientMessage,
  type ProbeEventKind,
  type ProbeId,
  type ReflectorMessage,
} from '../../protocol/wire.js';
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import {
  createNonce,
  helloMac,
  probeMac,
  resumeMac,
  sessionSecret,
  type SessionCredentials,
} from '../../protocol/auth.js';
import { Reflector, type ReflectorOptions } from '../../reflector/reflector.js';

export const WAIT_MS = 3000;

type Teardown = () => unknown;

/** Registers afterEach for the calling suite; returns `defer`, which queues a teardown step. */
export function useTeardown(): (step: Teardown) => void {
  const steps: Teardown[] = [];
  afterEach(async () => {
    const run = steps.splice(0).reverse();
    for (const step of run) await step();
  });
  return (step) => {
    steps.push(step);
  };
}

/** Polls `check` until it returns true, or fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startReflector(
  defer: (step: Teardown) => void,
  options: ReflectorOptions = {},
): Promise<{ reflector: Reflector; address: HostPort }> {
  const reflector = new Reflector({ closeHandshakeMs: 200, ...options });
  defer(() => reflector.close());
  const address = await reflector.listen('127.0.0.1', 0);
  return { reflector, address };
}

export class TestControl {
  readonly messages: ReflectorMessage[] = [];
  /** Raw text frames that did not decode (should stay empty). */
  readonly undecodable: string[] = [];
  closeCode: number | null = null;
  private readonly taken = new Set<number>();

  constructor(readonly ws: WebSocket) {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '<binary>' : (data as Buffer).toString('utf8');
      const decoded = decodeReflectorMessage(text);
      if (decoded.ok) this.messages.push(decoded.value);
      else this.undecodable.push(text);
    });
    ws.on('close', (code) => {
      this.closeCode = code;
    });
  }

  send(message: ClientMessage): void {
    this.ws.send(encodeMessage(message));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The oldest matching message not taken by an earlier next(); waits for one if there is none. */
  async next<T extends ReflectorMessage['type']>(
    type: T,
    match: (m: Extract<ReflectorMessage, { type: T }>) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<Extract<ReflectorMessage, { type: T }>> {
    let found: Extract<ReflectorMessage, { type: T }> | undefined;
    await waitFor(
      `a matching ${type} message (got so far: ${JSON.stringify(this.messages)})`,
      () => {
        for (let i = 0; i < this.messages.length; i++) {
          const m = this.messages[i]!;
          if (!this.taken.has(i) && m.type === type && match(m as Extract<ReflectorMessage, { type: T }>)) {
            found = m as Extract<ReflectorMessage, { type: T }>;
            this.taken.add(i);
            return true;
          }
        }
        return false;
      },
      timeoutMs,
    );
    return found!;
  }

  nextProbeEvent(
    probe: ProbeId,
    event: ProbeEventKind,
    timeoutMs = WAIT_MS,
  ): Promise<Extract<ReflectorMessage, { type: 'probe' }>> {
    return this.next('probe', (m) => m.probe === probe && m.event === event, timeoutMs);
  }

  hasProbeEvent(probe: ProbeId, event: ProbeEventKind): boolean {
    return this.messages.some((m) => m.type === 'probe' && m.probe === probe && m.event === event);
  }

  async closed(timeoutMs = WAIT_MS): Promise<number> {
    await waitFor('the control channel to close', () => this.closeCode !== null, timeoutMs);
    return this.closeCode!;
  }
}

/** Opens a control channel, from `localAddress` if given (a loopback source); does not send hello. */
export async function openControl(
  defer: (step: Teardown) => void,
  address: HostPort,
  path = CONTROL_PATH,
  localAddress?: string,
): Promise<TestControl> {
  const ws = new WebSocket(`ws://${formatHostPort(address)}${path}`, {
    perMessageDeflate: false,
    ...(localAddress === undefined ? {} : { localAddress }),
  });
  defer(() => ws.terminate());
  const control = new TestControl(ws);
  const from = localAddress === undefined ? '' : ` from ${localAddress}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`control channel${from} did not open in time`)), WAIT_MS);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return control;
}

/** A protocol-2 hello proving `token`, at `ts` (default now) with `nonce` (default fresh). */
export function newHello(
  token = '',
  ts = Date.now(),
  nonce = createNonce(),
): Extract<ClientMessage, { type: 'hello' }> {
  return { type: 'hello', version: PROTOCOL_VERSION, auth: { ts, nonce, mac: helloMac(token, ts, nonce) } };
}

/** A hello resuming `session`, proving its secret (pass a wrong secret to forge one). */
export function resumeHello(
  session: SessionCredentials,
  ts = Date.now(),
  nonce = createNonce(),
): Extract<ClientMessage, { type: 'hello' }> {
  return {
    type: 'hello',
    version: PROTOCOL_VERSION,
    auth: { ts, nonce, mac: resumeMac(session.secret, ts, nonce) },
    resume: { session: session.session },
  };
}

/** The probe hello of `probe` in `session`, its MAC keyed by the session's secret. */
export function probeHello(session: SessionCredentials, probe: ProbeId): Buffer {
  const mac = probeMac(session.secret, session.session, probe);
  return encodeProbeHello({ version: PROTOCOL_VERSION, session: session.session, probe, mac });
}

/**
 * Opens a control channel and completes a new session; `session` holds the id and the secret
 * derived the way a client derives it (the reflector never sends it).
 */
export async function openSession(
  defer: (step: Teardown) => void,
  address: HostPort,
  token = '',
): Promise<{ control: TestControl; session: SessionCredentials; welcome: WelcomeMessage }> {
  const control = await openControl(defer, address);
  const hello = newHello(token);
  control.send(hello);
  const welcome = await control.next('welcome');
  const secret = sessionSecret(token, hello.auth!.nonce, welcome.nonce, welcome.session);
  return { control, session: { session: welcome.session, secret }, welcome };
}

export type WelcomeMessage = Extract<ReflectorMessage, { type: 'welcome' }>;

export class TestProbe {
  readonly received: number[] = [];
  ended = false;
  closed = false;
  error: NodeJS.ErrnoException | null = null;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.received.push(...chunk));
    socket.on('end', () => {
      this.ended = true;
    });
    socket.on('error', (error) => {
      this.error = error;
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  async closedByPeer(timeoutMs = WAIT_MS): Promise<void> {
    await waitFor('the reflector to close the probe socket', () => this.closed, timeoutMs);
  }

  async receivedBytes(count: number, timeoutMs = WAIT_MS): Promise<number[]> {
    await waitFor(
      `${count} bytes on the probe socket (got ${JSON.stringify(this.received)})`,
      () => this.received.length >= count,
      timeoutMs,
    );
    return this.received.slice(0, count);
  }
}

/**
 * Opens a raw TCP connection to the reflector (from `localAddress`, a loopback address, if given)
 * and writes `first` (if any) once connected.
 */
export async function openRaw(
  defer: (step: Teardown) => void,
  address: HostPort,
  first?: Buffer,
  localAddress?: string,
): Promise<TestProbe> {
  const socket = connect({
    host: address.host,
    port: address.port,
    ...(localAddress === undefined ? {} : { localAddress }),
  });
  defer(() => socket.destroy());
  const probe = new TestProbe(socket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('probe did not connect in time')), WAIT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  socket.setNoDelay(true);
  if (first !== undefined) socket.write(first);
  return probe;
}

/** Opens a probe connection, sends its hello and waits for the reflector's 'attached' report. */
export async function openProbe(
  defer: (step: Teardown) => void,
  address: HostPort,
  control: TestControl,
  session: SessionCredentials,
  probe: ProbeId,
): Promise<TestProbe> {
  const raw = await openRaw(defer, address, probeHello(session, probe));
  await control.nextProbeEvent(probe, 'attached');
  return raw;
}

/** A second, well-behaved session that must keep working through everything. */
export async function bystander(defer: ReturnType<typeof useTeardown>, address: HostPort) {
  const { control, session } = await openSession(defer, address);
  const probe = await openProbe(defer, address, control, session, 1);
  return {
    control,
    async proveAlive(reflector: Reflector): Promise<void> {
      control.send({ type: 'push', probe: 1 });
      await control.nextProbeEvent(1, 'pushed');
      probe.socket.write(Buffer.of(PING_BYTE));
      await control.nextProbeEvent(1, 'echoed');
      await waitFor('push and echo bytes on the bystander probe', () => probe.received.length >= 2);
      expect(probe.received, 'the bystander probe got exactly its push and its echo').toEqual([
        PUSH_BYTE,
        ECHO_BYTE,
      ]);
      expect(control.closeCode, 'the bystander control channel is open').toBeNull();
      expect(reflector.stats().sessions, 'the bystander session is still there').toBeGreaterThanOrEqual(1);
    },
  };
}
