/**
 * One raw TCP probe connection, client side. After its hello it stays silent until the search
 * tests it: no keepalive, no Node socket timeout, Nagle off so a one-byte test leaves at once.
 *
 * It reports exactly one terminal event ('evicted' with how, or nothing if the owner closed it),
 * and every byte it receives, so its owner can classify a test.
 */
import { Socket, connect } from 'node:net';
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

export interface ProbeConnectionEvents {
  /** TCP established and the hello written. */
  ready: [];
  /** Could not connect at all. */
  failed: [error: Error];
  /** A byte arrived (PUSH_BYTE or ECHO_BYTE). */
  byte: [value: number];
  /** The connection died: RST (reset) or FIN (close). */
  died: [how: EvictionKind];
}

export class ProbeConnection extends EventEmitter<ProbeConnectionEvents> {
  private readonly socket: Socket;
  private state: 'connecting' | 'open' | 'dead' = 'connecting';

  constructor(
    host: string,
    port: number,
    credentials: SessionCredentials,
    readonly probe: ProbeId,
  ) {
    super();
    this.socket = connect({ host, port, noDelay: true, keepAlive: false });
    this.socket.setTimeout(0);
    this.socket.once('connect', this.socketOnConnect);
    this.socket.on('data', this.socketOnData);
    this.socket.on('end', this.socketOnEnd);
    this.socket.on('error', this.socketOnError);
    this.socket.on('close', this.socketOnClose);
    const { session, secret } = credentials;
    const mac = probeMac(secret, session, probe);
    this.hello = encodeProbeHello({ version: PROTOCOL_VERSION, session, probe, mac });
  }

  private readonly hello: Buffer;

  /** Outbound test: one byte towards the reflector. */
  ping(): void {
    if (this.state !== 'open') return;
    this.socket.write(Buffer.of(PING_BYTE));
  }

  /**
   * Lets an owner set socket options on an open connection: the verification's held connections
   * use it for TCP keepalive, the one thing a probe must never have. False when it is not open.
   */
  configure(apply: (socket: Socket) => void): boolean {
    if (this.state !== 'open') return false;
    apply(this.socket);
    return true;
  }

  /**
   * Payload bytes written and read so far (hello, tests, answers; no headers). Reads the socket's
   * counters only: no I/O, so it is safe on an idle probe. Final once the connection is dead.
   */
  get bytesCarried(): number {
    return this.socket.bytesWritten + this.socket.bytesRead;
  }

  /**
   * The socket's own address and port (getsockname: no I/O, safe on an idle probe), to compare with
   * what the reflector saw; null before it connected.
   */
  get localEndpoint(): SeenEndpoint | null {
    const host = this.socket.localAddress;
    const port = this.socket.localPort;
    return host === undefined || port === undefined ? null : { host, port };
  }

  /** Tears the connection down with RST, so no kernel keeps retransmitting into a dead mapping. */
  destroy(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.socket.removeAllListeners('data');
    this.socket.on('error', noop); // late errors after teardown are expected and meaningless
    if (this.socket.readyState === 'open') this.socket.resetAndDestroy();
    else this.socket.destroy();
  }

  private readonly socketOnConnect = (): void => {
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this.socket.setKeepAlive(false);
    this.socket.write(this.hello);
    this.emit('ready');
  };

  private readonly socketOnData = (chunk: Buffer): void => {
    for (const value of chunk) this.emit('byte', value);
  };

  private readonly socketOnEnd = (): void => {
    this.die('close');
  };

  private readonly socketOnError = (error: Error): void => {
    if (this.state === 'connecting') {
      this.state = 'dead';
      this.emit('failed', error);
      return;
    }
    this.die('reset');
  };

  private readonly socketOnClose = (): void => {
    // A close without 'end' or 'error' first means the peer vanished mid-connect or we were destroyed.
    if (this.state === 'open') this.die('reset');
  };

  private die(how: EvictionKind): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.socket.on('error', noop);
    this.socket.destroy();
    this.emit('died', how);
  }
}

function noop(): void {}
