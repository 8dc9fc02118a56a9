/**
 * The abusive client, in a process of its own (so its flood does not slow the honest client's
 * loop, only the reflector's): a persistent attacker from 127.0.0.254 that keeps ABUSER_PROBES
 * probes flooding, once told to. Half of them are the reading attacker at a fixed byte
 * rate (several PINGs per write); the other half ping-pong (one PING per ECHO read, as fast as
 * echoes come: never two tests at once, so only the reflector's events-per-second cap stops them).
 * A probe the reflector closes is replaced at once by a new one (a fresh random id), and a session
 * it ends by a new session: the attacker gives up only when the bench says so.
 *
 *   node --expose-gc --import tsx bench/reflector/abuser-child.ts PORT RATE_BYTES_PER_S CAP_BYTES CAP_MS
 *
 * Bounded: the flood stops at CAP_BYTES sent, CAP_MS elapsed or a 'stop' message, whichever is
 * first (its probes are then reset, so the reflector's unread backlog is dropped), and this
 * process never buffers more than WRITE_BUFFER_CAP_BYTES per probe (a tick skips a probe whose
 * socket has not drained). It exits when the parent goes.
 */
import type { SessionCredentials } from '../../protocol/auth.js';
import type { Socket } from 'node:net';
import { randomInt } from 'node:crypto';
import { ControlChannel } from '../../client/discovery/control-channel.js';
import { PING_BYTE } from '../../protocol/wire.js';
import { within } from '../loopback-measure.js';
import { exitWhenOrphaned, tellParent as tellAny } from './bench-child.js';
import { openRawProbe, resetRawProbe } from './raw-probe.js';

export const ABUSER_PROBES = 4;
const ABUSER_SOURCE = '127.0.0.254';
const TICK_MS = 10;
const WRITE_BUFFER_CAP_BYTES = 64 * 1024;
const ATTACH_LIMIT_MS = 10_000;
/** A lost probe or session is replaced this long after, so the attacker's loop cannot spin. */
const REOPEN_MS = 10;

export interface FloodReport {
  bytesSent: number;
  /** ECHO_BYTEs read back on the probes. */
  echoesRead: number;
  /** Control-channel probe events heard (one 'echoed' per PING the reflector answered). */
  events: number;
  floodMs: number;
  /** Probes the reflector closed or reset during the flood (each replaced by a new one). */
  probesLost: number;
  /** Sessions the reflector ended during the flood (each replaced by a new one). */
  sessionsLost: number;
  /** What ended it: the byte cap, the time cap, or the parent. */
  stoppedBy: 'bytes' | 'time' | 'parent';
}

export type AbuserChildIn = { type: 'flood' } | { type: 'stop' };
export type AbuserChildOut = { type: 'ready'; probes: number } | { type: 'flood-done'; report: FloodReport };

const tellParent: (message: AbuserChildOut) => void = tellAny;

type Style = 'paced' | 'ping-pong';

interface FloodProbe {
  socket: Socket;
  style: Style;
  lost: boolean;
}

async function main(): Promise<void> {
  exitWhenOrphaned();
  const [port, rate, capBytes, capMs] = process.argv.slice(2, 6).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  let flooding = false;
  let stopped = false;
  let bytesSent = 0;
  let echoesRead = 0;
  let events = 0;
  let probesLost = 0;
  let sessionsLost = 0;
  const probes = new Set<FloodProbe>();
  let control: ControlChannel | null = null;
  let onAttached = (): void => {};
  const attached = new Set<number>();

  const pingPong = (probe: FloodProbe): void => {
    if (!flooding || probe.lost || probe.socket.readyState !== 'open') return;
    probe.socket.write(PING);
    bytesSent++;
  };
  const openProbe = (channel: ControlChannel, style: Style): void => {
    if (stopped || channel !== control || channel.credentials === null) return;
    const socket = openRawProbe({
      port,
      localAddress: ABUSER_SOURCE,
      credentials: channel.credentials as SessionCredentials,
      probe: randomInt(1, 0xffff_ffff),
    });
    const probe: FloodProbe = { socket, style, lost: false };
    probes.add(probe);
    socket.on('data', (chunk: Buffer) => {
      echoesRead += chunk.length;
      if (style === 'ping-pong') pingPong(probe);
    });
    socket.on('close', () => {
      probes.delete(probe);
      if (probe.lost) return;
      probe.lost = true;
      if (!flooding) return;
      probesLost++;
      setTimeout(() => openProbe(channel, style), REOPEN_MS);
    });
    if (style === 'ping-pong') socket.once('connect', () => pingPong(probe));
  };
  const openSession = async (): Promise<void> => {
    const channel = new ControlChannel({ host: '127.0.0.1', port });
    channel.on('probe', (probe, event) => {
      events++;
      if (event === 'attached') {
        attached.add(probe);
        onAttached();
      }
    });
    channel.once('gone', () => {
      if (stopped || channel !== control) return;
      sessionsLost++;
      for (const probe of probes) resetRawProbe(probe.socket);
      setTimeout(() => void openSession().catch(() => undefined), REOPEN_MS);
    });
    await channel.connect();
    control = channel;
    for (let i = 0; i < ABUSER_PROBES; i++) openProbe(channel, i % 2 === 0 ? 'paced' : 'ping-pong');
  };

  await openSession();
  await within(ATTACH_LIMIT_MS, (done) => {
    onAttached = () => {
      if (attached.size >= ABUSER_PROBES) done(true);
    };
    onAttached();
    return () => (onAttached = () => {});
  });
  tellParent({ type: 'ready', probes: attached.size });
  let ticker: NodeJS.Timeout | null = null;
  let started = 0;
  const finish = (stoppedBy: FloodReport['stoppedBy']): void => {
    if (ticker === null) return;
    clearInterval(ticker);
    ticker = null;
    flooding = false;
    stopped = true;
    // RST: the reflector's kernel drops what it queued and not yet read, so its backlog ends here.
    for (const probe of probes) resetRawProbe(probe.socket);
    control?.close();
    const floodMs = Math.round(performance.now() - started);
    tellParent({
      type: 'flood-done',
      report: { bytesSent, echoesRead, events, floodMs, probesLost, sessionsLost, stoppedBy },
    });
  };
  process.on('message', (message: AbuserChildIn) => {
    if (message.type === 'stop') {
      finish('parent');
      return;
    }
    if (ticker !== null) return;
    started = performance.now();
    flooding = true;
    const paced = Math.ceil(ABUSER_PROBES / 2);
    const perTick = Math.max(2, Math.round((rate * TICK_MS) / 1000 / paced));
    const chunk = Buffer.alloc(perTick, PING_BYTE);
    for (const probe of probes) if (probe.style === 'ping-pong') pingPong(probe);
    ticker = setInterval(() => {
      if (performance.now() - started >= capMs) return finish('time');
      for (const probe of probes) {
        if (bytesSent >= capBytes) return finish('bytes');
        const { socket } = probe;
        if (probe.style !== 'paced' || probe.lost) continue;
        if (socket.writableLength > WRITE_BUFFER_CAP_BYTES || socket.readyState !== 'open') continue;
        socket.write(chunk);
        bytesSent += chunk.length;
      }
    }, TICK_MS);
  });
}

const PING = Buffer.of(PING_BYTE);

await main();
