/**
 * TCP keepalive on a held connection's socket: Node's setKeepAlive first (it sets TCP_KEEPIDLE and
 * resets the interval and count to 1 s and 10), then net-keepalive's interval and count.
 */
import type { Socket } from 'node:net';
import * as NetKeepAlive from 'net-keepalive';
import type { RefreshSetting } from './verdict.js';

export function applySocketKeepalive(
  socket: Socket,
  setting: Extract<RefreshSetting, { kind: 'keepalive' }>,
): void {
  socket.setKeepAlive(true, setting.idleS * 1000);
  NetKeepAlive.setKeepAliveInterval(socket, setting.intervalS * 1000);
  NetKeepAlive.setKeepAliveProbes(socket, setting.count);
}
