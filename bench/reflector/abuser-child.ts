/**
 * The abusive client, in a process of its own (so its flood does not slow the honest client's
 * loop, only the reflector's): one real session and ABUSER_PROBES probes from 127.0.0.254 that,
 * once told to, flood PING bytes at a fixed rate. It reads what comes back (echoes on the probes,
 * 'echoed' events on its control channel): the reading attacker of issue 11, whose damage is the
 * reflector's work per byte, not a growing send buffer.
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

export interface FloodReport {
  bytesSent: number;
  /** ECHO_BYTEs read back on the probes. */
  echoesRead: number;
  /** Control-channel probe events heard (one 'echoed' per PING the reflector answered). */
  events: number;
  floodMs: number;
  /** Probes the reflector closed or reset during the flood. */
  probesLost: number;
  /** What ended it: the byte cap, the time cap, or the parent. */
  stoppedBy: 'bytes' | 'time' | 'parent';
}

export type AbuserChildIn = { type: 'flood' } | { type: 'stop' };
export type AbuserChildOut = { type: 'ready'; probes: number } | { type: 'flood-done'; report: FloodReport };

const tellParent: (message: AbuserChildOut) => void = tellAny;

async function main(): Promise<void> {
  exitWhenOrphaned();
  const [port, rate, capBytes, capMs] = process.argv.slice(2, 6).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const control = new ControlChannel({ host: '127.0.0.1', port });
  await control.connect();
  let events = 0;
  let probesLost = 0;
  const attached = new Set<number>();
  let onAttached = (): void => {};
  control.on('probe', (probe, event) => {
    events++;
    if (event === 'attached') {
      attached.add(probe);
      onAttached();
    } else if (event === 'reset' || event === 'closed') probesLost++;
  });
  const sockets: Socket[] = [];
  let echoesRead = 0;
  for (let id = 1; id <= ABUSER_PROBES; id++) {
    const socket = openRawProbe({
      port,
      localAddress: ABUSER_SOURCE,
      credentials: control.credentials as SessionCredentials,
      probe: id,
    });
    socket.on('data', (chunk: Buffer) => (echoesRead += chunk.length));
    sockets.push(socket);
  }
  await within(ATTACH_LIMIT_MS, (done) => {
    onAttached = () => {
      if (attached.size === ABUSER_PROBES) done(true);
    };
    onAttached();
    return () => (onAttached = () => {});
  });
  tellParent({ type: 'ready', probes: attached.size });
  let flooding: NodeJS.Timeout | null = null;
  let bytesSent = 0;
  let started = 0;
  const finish = (stoppedBy: FloodReport['stoppedBy']): void => {
    if (flooding === null) return;
    clearInterval(flooding);
    flooding = null;
    // RST: the reflector's kernel drops what it queued and not yet read, so its backlog ends here.
    for (const socket of sockets) resetRawProbe(socket);
    const floodMs = Math.round(performance.now() - started);
    tellParent({
      type: 'flood-done',
      report: { bytesSent, echoesRead, events, floodMs, probesLost, stoppedBy },
    });
  };
  process.on('message', (message: AbuserChildIn) => {
    if (message.type === 'stop') {
      finish('parent');
      return;
    }
    if (flooding !== null) return;
    started = performance.now();
    const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000 / ABUSER_PROBES));
    const chunk = Buffer.alloc(perTick, PING_BYTE);
    flooding = setInterval(() => {
      if (performance.now() - started >= capMs) return finish('time');
      for (const socket of sockets) {
        if (bytesSent >= capBytes) return finish('bytes');
        if (socket.writableLength > WRITE_BUFFER_CAP_BYTES || socket.readyState !== 'open') continue;
        socket.write(chunk);
        bytesSent += chunk.length;
      }
    }, TICK_MS);
  });
}

await main();
