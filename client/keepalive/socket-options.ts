/**
 * Reads and writes a socket's keepalive options in the kernel, through net-keepalive and, for the
 * two options net-keepalive has no getter for (SO_KEEPALIVE and the idle, TCP_KEEPIDLE), through the
 * same FFI path it uses: ffi-rs calling libc's getsockopt(fd, level, name, &int, &len).
 *
 * ffi-rs is loaded from net-keepalive's own location (it pins the exact version), so this module
 * uses the very copy net-keepalive does and adds no dependency. Both load lazily, on first use: a
 * platform without a prebuilt ffi-rs binary only loses keepalive, not the rest of idlescope.
 *
 * Like net-keepalive, this needs the descriptor in the private `socket._handle.fd` (Node 20 has no
 * public accessor); Windows has none there, and net-keepalive is a no-op there.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { KeepaliveSocketError } from './keepalive-errors.js';

/** The getsockopt constants for the options net-keepalive cannot read, per platform. */
export interface SockoptConstants {
  solSocket: number;
  soKeepalive: number;
  ipprotoTcp: number;
  /** TCP_KEEPIDLE (Linux, FreeBSD) or its macOS name TCP_KEEPALIVE: the idle before the first probe. */
  tcpKeepidle: number;
}

/**
 * From the system headers: Linux <asm-generic/socket.h>, <netinet/tcp.h>; macOS and FreeBSD
 * <sys/socket.h> (SOL_SOCKET 0xffff, SO_KEEPALIVE 0x8) and <netinet/tcp.h> (darwin TCP_KEEPALIVE
 * 0x10, FreeBSD TCP_KEEPIDLE 256). IPPROTO_TCP is 6 everywhere. Null: no descriptor to read.
 */
export function sockoptConstants(platform: NodeJS.Platform): SockoptConstants | null {
  switch (platform) {
    case 'linux':
    case 'android':
      return { solSocket: 1, soKeepalive: 9, ipprotoTcp: 6, tcpKeepidle: 4 };
    case 'darwin':
      return { solSocket: 0xffff, soKeepalive: 0x8, ipprotoTcp: 6, tcpKeepidle: 0x10 };
    case 'freebsd':
      return { solSocket: 0xffff, soKeepalive: 0x8, ipprotoTcp: 6, tcpKeepidle: 256 };
    default:
      return null;
  }
}

/** The part of net-keepalive 4.x used here (its setters take ms and round down to whole seconds). */
export interface NetKeepalive {
  setKeepAliveInterval(socket: Socket, ms: number): boolean;
  getKeepAliveInterval(socket: Socket): number;
  setKeepAliveProbes(socket: Socket, count: number): boolean;
  getKeepAliveProbes(socket: Socket): number;
  setUserTimeout(socket: Socket, ms: number): boolean;
  getUserTimeout(socket: Socket): number;
}

/** The part of ffi-rs 1.3 used here. */
interface FfiRs {
  DataType: { I32: number; External: number };
  PointerType: { RsPointer: number };
  open(params: { library: string; path: string }): void;
  load(params: {
    library: string;
    funcName: string;
    retType: number;
    paramsType: number[];
    paramsValue: unknown[];
    errno: true;
  }): { value: number; errnoCode: number; errnoMessage: string };
  createPointer(params: { paramsType: number[]; paramsValue: unknown[] }): unknown[];
  restorePointer(params: { retType: number[]; paramsValue: unknown[] }): unknown[];
  freePointer(params: { paramsType: number[]; paramsValue: unknown[]; pointerType: number }): void;
}

// Our own name for the process's libc handle, so it never clashes with net-keepalive's 'libnative'.
const LIBC = 'idlescope-libc';

let netKeepalive: NetKeepalive | null = null;
let ffi: FfiRs | null = null;

/** net-keepalive, loaded on first use. */
export function loadNetKeepalive(): NetKeepalive {
  if (netKeepalive === null) {
    netKeepalive = createRequire(import.meta.url)('net-keepalive') as NetKeepalive;
  }
  return netKeepalive;
}

function loadFfi(): FfiRs {
  if (ffi === null) {
    const require = createRequire(import.meta.url);
    const loaded = createRequire(require.resolve('net-keepalive'))('ffi-rs') as FfiRs;
    // An empty path opens the running process itself, whose libc has getsockopt (as net-keepalive does).
    loaded.open({ library: LIBC, path: '' });
    ffi = loaded;
  }
  return ffi;
}

/** The socket's descriptor, or null when it has none (not connected yet, destroyed, Windows). */
export function socketFd(socket: Socket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/** getsockopt for an int-valued option. Throws KeepaliveSocketError when the kernel refuses. */
export function getIntSockopt(fd: number, level: number, name: number, option: string): number {
  const f = loadFfi();
  const [value] = f.createPointer({ paramsType: [f.DataType.I32], paramsValue: [0] });
  const [length] = f.createPointer({ paramsType: [f.DataType.I32], paramsValue: [4] }); // sizeof(int)
  try {
    const result = f.load({
      library: LIBC,
      funcName: 'getsockopt',
      retType: f.DataType.I32,
      paramsType: [f.DataType.I32, f.DataType.I32, f.DataType.I32, f.DataType.External, f.DataType.External],
      paramsValue: [fd, level, name, value, length],
      errno: true,
    });
    // errnoCode is only meaningful when the call failed (it keeps a stale value otherwise).
    if (result.value !== 0) {
      throw new KeepaliveSocketError(option, `getsockopt failed: ${result.errnoMessage}`);
    }
    const [read] = f.restorePointer({ retType: [f.DataType.I32], paramsValue: [value] });
    return read as number;
  } finally {
    f.freePointer({
      paramsType: [f.DataType.I32],
      paramsValue: [value],
      pointerType: f.PointerType.RsPointer,
    });
    f.freePointer({
      paramsType: [f.DataType.I32],
      paramsValue: [length],
      pointerType: f.PointerType.RsPointer,
    });
  }
}
