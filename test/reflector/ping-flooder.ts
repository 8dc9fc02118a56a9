/**
 * A hostile client for the flood tests: sessions of a few probes that flood PING bytes, reopened
 * as fast as the reflector closes them, until stop(). Two kinds, as in issue 11:
 *   burst      each probe sends its hello and 256 KiB of PINGs at once, and reads nothing (neither
 *              its probes nor its control channel): the attacker that grew the reflector to 4.3 GiB
 *   ping-pong  each probe sends one PING per ECHO read, as fast as they come: one test at a time,
 *              so only the events-per-second cap can stop it
 * Only 127.0.0.1, every socket destroyed by stop(); errors are expected and ignored.
 */
import { connect, type Socket } from 'node:net';
import { randomInt } from 'node:crypto';
import WebSocket from 'ws';
import type { HostPort } from '../../protocol/address.js';
import { CONTROL_PATH, PING_BYTE, decodeReflectorMessage, encodeMessage } from '../../protocol/wire.js';
import { sessionSecret } from '../../protocol/auth.js';
import { newHello, probeHello } from './helpers.js';

export type FloodKind = 'burst' | 'ping-pong';

const BURST_BYTES = 256 * 1024;
const PROBES_PER_SESSION = 4;
/** Between a probe's end and its replacement, so the loop cannot spin. */
const REOPEN_MS = 5;

export class PingFlooder {
  /** PING bytes written on this side's probe sockets (handed to Node: not all reached the kernel). */
  bytesSent = 0;
  probesOpened = 0;
  sessionsOpened = 0;
  /** ECHO bytes read by the ping-pong kind. */
  echoes = 0;
  private stopped = false;
  private readonly sockets = new Set<Socket>();
  private readonly controls = new Set<WebSocket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly address: HostPort,
    private readonly kind: FloodKind,
    private readonly sessionsAtOnce = 2,
  ) {}

  start(): void {
    for (let i = 0; i < this.sessionsAtOnce; i++) this.openSession();
  }

  /** Stops the flood and destroys every socket it holds. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    for (const ws of this.controls) ws.terminate();
  }

  private later(ms: number, run: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) run();
    }, ms);
    this.timers.add(timer);
  }

  private openSession(): void {
    const ws = new WebSocket(`ws://${this.address.host}:${this.address.port}${CONTROL_PATH}`, {
      perMessageDeflate: false,
    });
    this.controls.add(ws);
    this.sessionsOpened++;
    const hello = newHello();
    ws.on('error', () => {});
    ws.on('open', () => ws.send(encodeMessage(hello)));
    ws.on('message', (data: Buffer) => {
      const decoded = decodeReflectorMessage(data);
      if (!decoded.ok || decoded.value.type !== 'welcome') return;
      const welcome = decoded.value;
      const credentials = {
        session: welcome.session,
        secret: sessionSecret('', hello.auth!.nonce, welcome.nonce, welcome.session),
      };
      // The burst attacker reads nothing after the welcome.
      if (this.kind === 'burst') (ws as unknown as { _socket: Socket })._socket.pause();
      for (let i = 0; i < PROBES_PER_SESSION; i++) this.openProbe(ws, credentials);
    });
    ws.on('close', () => {
      this.controls.delete(ws);
      this.later(REOPEN_MS, () => this.openSession());
    });
  }

  private openProbe(ws: WebSocket, credentials: { session: string; secret: Buffer }): void {
    if (this.stopped || ws.readyState !== WebSocket.OPEN) return;
    const socket = connect({ host: this.address.host, port: this.address.port, noDelay: true });
    this.sockets.add(socket);
    this.probesOpened++;
    socket.on('error', () => {});
    socket.on('connect', () => {
      socket.write(probeHello(credentials, randomInt(1, 0xffff_ffff)));
      if (this.kind === 'burst') {
        // What comes back is thrown away unread by the flood's logic (it only reads to see the end).
        socket.on('data', () => {});
        socket.write(Buffer.alloc(BURST_BYTES, PING_BYTE));
      } else {
        socket.on('data', (chunk: Buffer) => {
          this.echoes += chunk.length;
          socket.write(Buffer.of(PING_BYTE));
        });
        socket.write(Buffer.of(PING_BYTE));
      }
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.bytesSent += Math.max(0, socket.bytesWritten - 41);
      this.later(REOPEN_MS, () => this.openProbe(ws, credentials));
    });
  }
}
