/**
 * The seam between how a connection reaches the reflector (directly, or through an HTTP CONNECT or
 * SOCKS5 proxy) and what runs over it (raw TCP probes, TLS, WebSocket). A dialer resolves with a
 * connected TCP socket to the target, or with a tunnel through a proxy that behaves as one, already
 * set up as every idlescope socket must be: no keepalive, no Node socket timeout, Nagle off. The
 * caller owns the socket from then on. A dialer rejects when the target cannot be reached.
 */
import { connect, type Socket } from 'node:net';
import type { HostPort } from '../../protocol/address.js';

export interface RawDialer {
  /** What the report names: 'direct', or the proxy's URL without credentials. */
  readonly route: string;
  dial(target: HostPort, signal?: AbortSignal): Promise<Socket>;
}

/** Straight to the target over TCP. */
export const directDialer: RawDialer = {
  route: 'direct',
  dial(target, signal) {
    return new Promise((resolve, reject) => {
      const aborted = (): Error => (signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      // An 'abort' listener never fires for a signal that is aborted already.
      if (signal?.aborted === true) {
        reject(aborted());
        return;
      }
      const socket = connect({ host: target.host, port: target.port, noDelay: true, keepAlive: false });
      socket.setTimeout(0);
      const socketOnError = (error: Error): void => {
        signal?.removeEventListener('abort', signalOnAbort);
        reject(error);
      };
      const signalOnAbort = (): void => {
        socket.off('connect', socketOnConnect);
        socket.destroy();
        reject(aborted());
      };
      const socketOnConnect = (): void => {
        socket.off('error', socketOnError);
        signal?.removeEventListener('abort', signalOnAbort);
        resolve(socket);
      };
      socket.once('error', socketOnError);
      socket.once('connect', socketOnConnect);
      signal?.addEventListener('abort', signalOnAbort, { once: true });
    });
  },
};
