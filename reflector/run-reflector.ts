/**
 * `idlescope reflector` as a function: start a Reflector, announce the bound address on stdout (one
 * line scripts and the lab parse: "idlescope reflector listening on HOST:PORT"), write JSON log lines
 * on stderr (reflector-log.ts) unless quiet, and shut down cleanly when the signal fires. Streams and
 * the signal are passed in, so tests run it in-process; nothing here exits the process.
 *
 * Without a token it listens on loopback only: a non-loopback address (the default [::] included)
 * is refused with a UsageError (exit 2) unless `insecureOpen` says that anyone may use it, and then
 * a plain warning says so on stderr at start (quiet or not).
 */
import { isIP } from 'node:net';
import type { Writable } from 'node:stream';
import { DEFAULT_PORT } from '../protocol/wire.js';
import { formatHostPort, type HostPort } from '../protocol/address.js';
import { Reflector, type ReflectorOptions } from './reflector.js';
import { ReflectorLog, type ReflectorLogOptions } from './reflector-log.js';
import { ReflectorListenError, UsageError } from '../protocol/errors.js';

export interface RunReflectorOptions extends ReflectorOptions {
  /** Where to listen. Without it: [::]:DEFAULT_PORT, or 0.0.0.0 where IPv6 is unavailable. */
  listen?: HostPort | undefined;
  /** No log lines on stderr at all. */
  quiet?: boolean | undefined;
  /** The per-IP log budget and summary interval (defaults in reflector-log.ts). */
  log?: ReflectorLogOptions | undefined;
  /** Without a token, listen on a non-loopback address anyway (with a warning). */
  insecureOpen?: boolean | undefined;
}

export interface ReflectorIo {
  stdout: Writable;
  stderr: Writable;
  /** The reflector stops when this fires (Ctrl-C in the CLI). */
  signal: AbortSignal;
}

/** System errors that mean "this machine has no IPv6", where falling back to IPv4 is right. */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);

/** Runs until `io.signal` fires; resolves once every connection is closed. */
export async function runReflector(options: RunReflectorOptions, io: ReflectorIo): Promise<void> {
  const host = options.listen?.host ?? '::';
  const open = (options.token ?? '') === '' && !isLoopbackHost(host);
  if (open && options.insecureOpen !== true) {
    throw new UsageError(
      `no token: refusing to listen on ${host}, which is not loopback ` +
        '(give --token, --token-file or IDLESCOPE_TOKEN, or --insecure-open to let anyone in)',
    );
  }
  if (open)
    io.stderr.write(
      `${new Date().toISOString()} warning: --insecure-open: no token, anyone who reaches ${host} ` +
        'can run sessions on this reflector\n',
    );
  const reflector = new Reflector({ processMetrics: true, ...options });
  const log = options.quiet === true ? null : new ReflectorLog(reflector, io.stderr, options.log);
  let listening = false;
  try {
    if (io.signal.aborted) return;
    const bound = await listenWithFallback(reflector, options.listen);
    listening = true;
    io.stdout.write(`idlescope reflector listening on ${formatHostPort(bound)}\n`);
    log?.listening(bound);
    log?.limits(reflector.admissionLimits());
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await reflector.close();
    if (listening) log?.shutdown();
    else log?.stop();
  }
}

/**
 * Binds `listen`, or by default the dual-stack wildcard [::], falling back to 0.0.0.0 only when the
 * machine has no IPv6 (any other failure, such as EADDRINUSE, is reported as it is).
 */
export async function listenWithFallback(
  reflector: Pick<Reflector, 'listen'>,
  listen: HostPort | undefined,
): Promise<HostPort> {
  if (listen !== undefined) return reflector.listen(listen.host, listen.port);
  try {
    return await reflector.listen('::', DEFAULT_PORT);
  } catch (error) {
    if (!(error instanceof ReflectorListenError) || !NO_IPV6.has(error.systemCode ?? '')) throw error;
    return reflector.listen('0.0.0.0', DEFAULT_PORT);
  }
}

/** True for an address only this machine can reach: 127.0.0.0/8, ::1, ::ffff:127.x, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare.startsWith('::ffff:127.');
  return false;
}
