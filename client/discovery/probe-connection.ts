/**
 * One probe connection, client side, over whatever transport its link names (raw TCP, TLS,
 * WebSocket: client/transport/). After its hello it stays silent until the search tests it: no
 * keepalive, no Node socket timeout, Nagle off so a one-byte test leaves at once, and a transport
 * that sends nothing of its own once its handshake is over.
 *
 * It reports exactly one terminal event ('failed' before the hello, 'evicted' with how after it,
 * or nothing if the owner closed it), and every byte it receives, so its owner can classify a test.
 * How an ending is told does not depend on the transport: the stream's end (a FIN, a TLS
 * close_notify, a WebSocket close frame) is a close, its error (an RST) a reset.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import {
  PING_BYTE,
  PROTOCOL_VERSION,
  encodeProbeHello,
  type ProbeId,
  type SeenEndpoint,
} from '../../protocol/wire.js';
import { probeMac, type SessionCredentials } from '../../protocol/auth.js';
import type { EvictionKind } from '../search/types.js';
import { DIRECT_TCP, type ProbeLink } from '../transport/probe-transport.js';

export interface ProbeConnectionEvents {
  /** Connected, the transport's handshake done and the hello written. */
  ready: [];
  /** Could not connect at all, or the transport's handshake failed. */
  failed: [error: Error];
  /** A byte arrived (PUSH_BYTE or ECHO_BYTE). */
  byte: [value: number];
  /** The connection died: RST (reset) or FIN (close). */
  died: [how: EvictionKind];
}

export class ProbeConnection extends EventEmitter<ProbeConnectionEvents> {
  /** The dialed TCP socket, once there is one. */
  private socket: Socket | null = null;
  /** What the probe's bytes travel on (the socket itself for raw TCP), once the handshake is done. */
  private stream: Duplex | null = null;
  private state: 'connecting' | 'open' | 'dead' = 'connecting';
  /** Cancels the dial and the transport's handshake when the owner gives up first. */
  private readonly abort = new AbortController();
  private readonly hello: Buffer;
  /** The TLS version the transport negotiated, null without TLS (or before it is known). */
  tlsVersion: string | null = null;

  constructor(
    host: string,
    port: number,
    credentials: SessionCredentials,
    readonly probe: ProbeId,
    link: ProbeLink = DIRECT_TCP,
  ) {
    super();
    const { session, secret } = credentials;
    const mac = probeMac(secret, session, probe);
    this.hello = encodeProbeHello({ version: PROTOCOL_VERSION, session, probe, mac });
    const target = { host, port };
    const signal = this.abort.signal;
    link.dialer
      .dial(target, signal)
      .then((socket) => {
        this.socket = socket;
        if (this.state === 'dead') {
          // destroy() ran while the dial was under way, before there was a socket to close.
          socket.on('error', noop);
          socket.destroy();
          throw new Error('closed while connecting');
        }
        return link.transport.open(socket, target, signal);
      })
      .then(
        (opened) => this.opened(opened.stream, opened.tlsVersion),
        (error: unknown) => this.openFailed(error instanceof Error ? error : new Error(String(error))),
      );
  }

  /** Outbound test: one byte towards the reflector. */
  ping(): void {
    if (this.state !== 'open' || this.stream === null) return;
    this.stream.write(Buffer.of(PING_BYTE));
  }

  /**
   * Lets an owner set socket options on an open connection's TCP socket: the verification's held
   * connections use it for TCP keepalive, the one thing a probe must never have. False when it is
   * not open.
   */
  configure(apply: (socket: Socket) => void): boolean {
    if (this.state !== 'open' || this.socket === null) return false;
    apply(this.socket);
    return true;
  }

  /**
   * Bytes written and read so far on the TCP socket (hello, tests, answers, and the transport's
   * handshake and framing; no TCP/IP headers). Reads the socket's counters only: no I/O, so it is
   * safe on an idle probe. Final once the connection is dead.
   */
  get bytesCarried(): number {
    return this.socket === null ? 0 : this.socket.bytesWritten + this.socket.bytesRead;
  }

  /**
   * The socket's own address and port (getsockname: no I/O, safe on an idle probe), to compare with
   * what the reflector saw; null before it connected.
   */
  get localEndpoint(): SeenEndpoint | null {
    const host = this.socket?.localAddress;
    const port = this.socket?.localPort;
    return host === undefined || port === undefined ? null : { host, port };
  }

  /** Tears the connection down with RST, so no kernel keeps retransmitting into a dead mapping. */
  destroy(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.abort.abort(new Error('probe connection closed'));
    const { socket, stream } = this;
    if (stream !== null) {
      stream.removeAllListeners('data');
      stream.on('error', noop); // late errors after teardown are expected and meaningless
    }
    if (socket !== null) {
      socket.on('error', noop);
      if (socket.readyState === 'open') socket.resetAndDestroy();
      else socket.destroy();
    }
    if (stream !== null && stream !== socket) stream.destroy();
  }

  private opened(stream: Duplex, tlsVersion: string | null): void {
    if (this.state !== 'connecting') {
      stream.on('error', noop);
      stream.destroy();
      return;
    }
    this.state = 'open';
    this.stream = stream;
    this.tlsVersion = tlsVersion;
    // Under TLS or WebSocket the stream reports the socket's errors; the socket must not throw them.
    if (stream !== this.socket) this.socket?.on('error', noop);
    stream.on('data', this.streamOnData);
    stream.on('end', this.streamOnEnd);
    stream.on('error', this.streamOnError);
    stream.on('close', this.streamOnClose);
    stream.write(this.hello);
    this.emit('ready');
  }

  private openFailed(error: Error): void {
    if (this.state !== 'connecting') return;
    this.state = 'dead';
    this.socket?.on('error', noop);
    this.socket?.destroy();
    this.emit('failed', error);
  }

  private readonly streamOnData = (chunk: Buffer): void => {
    for (const value of chunk) this.emit('byte', value);
  };

  private readonly streamOnEnd = (): void => {
    this.die('close');
  };

  private readonly streamOnError = (): void => {
    this.die('reset');
  };

  private readonly streamOnClose = (): void => {
    // A close without 'end' or 'error' first means the peer vanished or we were destroyed.
    if (this.state === 'open') this.die('reset');
  };

  private die(how: EvictionKind): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.stream?.on('error', noop);
    this.stream?.destroy();
    this.socket?.on('error', noop);
    this.socket?.destroy();
    this.emit('died', how);
  }
}

function noop(): void {}
