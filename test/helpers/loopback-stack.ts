/**
 * An in-process reflector with the userspace middlebox emulator in front of it, on loopback port 0,
 * both closed by the test's teardown the moment they exist.
 *
 *   client ──► [extra hops, e.g. a counting relay] ──► emulator (mode, timeout) ──► reflector
 */
import net from 'node:net';
import { Reflector, type ReflectorOptions } from '../../reflector/reflector.js';
import { MiddleboxEmulator, type MiddleboxMode } from '../../client/demo/middlebox-emulator.js';
import type { HostPort } from '../../protocol/address.js';
import type { Defer } from './teardown.js';

export interface LoopbackStack {
  reflector: Reflector;
  reflectorAddress: HostPort;
  emulator: MiddleboxEmulator;
  /** Where a client dials to go through the emulator. */
  front: HostPort;
}

/** A reflector alone, closed by the test's teardown; put a relay or an emulator in front of it. */
export async function startReflector(
  defer: Defer,
  host = '127.0.0.1',
  options: ReflectorOptions = {},
): Promise<{ reflector: Reflector; reflectorAddress: HostPort }> {
  const reflector = new Reflector({ closeHandshakeMs: 200, ...options });
  defer(() => reflector.close());
  return { reflector, reflectorAddress: await reflector.listen(host, 0) };
}

export async function startStack(
  defer: Defer,
  options: { mode: MiddleboxMode; timeoutMs: number; host?: string; reflector?: ReflectorOptions },
): Promise<LoopbackStack> {
  const host = options.host ?? '127.0.0.1';
  const { reflector, reflectorAddress } = await startReflector(defer, host, options.reflector);
  const emulator = new MiddleboxEmulator({
    target: reflectorAddress,
    timeoutMs: options.timeoutMs,
    mode: options.mode,
    listenHost: host,
  });
  defer(() => emulator.close());
  const front = await emulator.listen();
  return { reflector, reflectorAddress, emulator, front };
}

/** True when this machine can bind ::1 (IPv6 loopback). */
export async function hasIpv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '::1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

/** A port on `host` that nothing listens on: bound, then released. */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
