/**
 * Runs idlescope end to end inside a lab: the reflector in the server namespace, `idlescope discover
 * --json` in the client namespace, dialling the lab's target address. Written against the CLI
 * contract:
 *   client/cli/main.ts reflector --listen HOST:PORT    prints "idlescope reflector listening on HOST:PORT"
 *   client/cli/main.ts discover --reflector HOST:PORT ... --json    prints one JSON report on stdout
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { formatHostPort } from '../../protocol/address.js';
import { nodeArgv, type Lab } from './lab.js';

/** The proxy variables discover reads: none of the host's may leak into a lab, which has no way out. */
const PROXY_VARIABLES = /^(https?|all|no)_proxy$/i;

/**
 * The token every lab reflector and client shares, through IDLESCOPE_TOKEN: the lab listens on
 * namespace addresses, which a reflector without a token refuses (and it tests the token path).
 * The host's proxy variables are left out (a suite that wants one sets it: `env`).
 */
export const LAB_ENV = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !PROXY_VARIABLES.test(name))),
  IDLESCOPE_TOKEN: randomBytes(16).toString('hex'),
};

export const CLI_ENTRY = 'client/cli/main.ts';
const REFLECTOR_READY_LINE = 'idlescope reflector listening on';
const REFLECTOR_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;

export type EvictionKind = 'silent-drop' | 'reset' | 'close';

/** The part of the report (schema 1) the lab looks at; everything else is passed through untouched. */
export interface LabDiscoveryReport {
  schema: 1;
  directions: Partial<
    Record<
      'inbound' | 'outbound',
      {
        survived_s: number | null;
        evicted_s: number | null;
        eviction: EvictionKind | string | null;
        notes?: string[];
      }
    >
  >;
  timeout?: unknown;
  recommendation?: { keepalive_idle_s?: number | null; [key: string]: unknown };
  [key: string]: unknown;
}

export interface LabDiscoveryOptions {
  /** Port the reflector listens on in the server namespace (proxy scenario: 7000-7031). */
  port?: number;
  /** Kill `discover` after this long (default 15 min). */
  timeoutMs?: number;
  /** Receives the reflector's and discover's stderr (progress, diagnostics) as it arrives. */
  onStderr?: (chunk: string, from: 'reflector' | 'discover') => void;
  /** Added to discover's environment (LAB_ENV), e.g. HTTPS_PROXY. */
  env?: Record<string, string>;
  /**
   * The reflector serves TLS with a certificate of its own (--self-signed), and discover pins the
   * fingerprint it prints (--pin): for --transport tls and wss.
   */
  selfSigned?: boolean;
  /** The argv that starts discover with these arguments (default: the sources, through tsx). */
  command?: (args: readonly string[]) => string[];
}

export interface LabDiscoveryResult {
  report: LabDiscoveryReport;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  elapsedMs: number;
}

export class LabDiscoveryError extends Error {
  readonly code = 'IDLESCOPE_LAB_DISCOVERY_FAILED';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'LabDiscoveryError';
  }
}

/** Resolves true on 'exit' (or 'close': exited and stdio drained), false after timeoutMs. */
export function waitForExit(
  child: ChildProcess,
  timeoutMs: number,
  event: 'exit' | 'close' = 'exit',
): Promise<boolean> {
  if (event === 'exit' && (child.exitCode !== null || child.signalCode !== null))
    return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off(event, childOnExit);
      resolve(false);
    }, timeoutMs);
    const childOnExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once(event, childOnExit);
  });
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitForExit(child, STOP_GRACE_MS))) {
    child.kill('SIGKILL');
    await waitForExit(child, STOP_GRACE_MS);
  }
}

/** The line a reflector serving TLS prints before it listens, with the fingerprint to pin. */
const CERTIFICATE_LINE = /^idlescope reflector TLS certificate (sha256:[0-9a-f]{64}) /;

export async function startReflector(
  lab: Lab,
  port: number,
  onStderr: LabDiscoveryOptions['onStderr'],
  /** Given: the reflector makes a certificate (--self-signed), and this receives its fingerprint. */
  onPin?: (pin: string) => void,
): Promise<ChildProcess> {
  const listen = formatHostPort({ host: lab.serverListenHost, port });
  const tls = onPin === undefined ? [] : ['--self-signed'];
  const child = lab.spawn(lab.serverNs, nodeArgv(CLI_ENTRY, ['reflector', '--listen', listen, ...tls]), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: LAB_ENV,
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
    onStderr?.(chunk, 'reflector');
  });
  const lines = createInterface({ input: child.stdout! });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new LabDiscoveryError(
              `reflector not ready after ${REFLECTOR_READY_TIMEOUT_MS} ms: ${stderr.trim()}`,
            ),
          ),
        REFLECTOR_READY_TIMEOUT_MS,
      );
      lines.on('line', (line) => {
        const pin = CERTIFICATE_LINE.exec(line)?.[1];
        if (pin !== undefined) onPin?.(pin);
        if (!line.startsWith(REFLECTOR_READY_LINE)) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new LabDiscoveryError(
            `reflector exited (${code ?? signal ?? '?'}) before it was ready: ${stderr.trim()}`,
          ),
        );
      });
    });
  } catch (error) {
    await stop(child);
    throw error;
  }
  return child;
}

/** The last line of stdout that parses as a schema-1 report (the CLI prints exactly one). */
export function parseReport(stdout: string): LabDiscoveryReport {
  const text = stdout.trim();
  const candidates = [text, ...text.split('\n').reverse()];
  for (const candidate of candidates) {
    try {
      const value = JSON.parse(candidate) as Partial<LabDiscoveryReport> | null;
      if (
        value !== null &&
        typeof value === 'object' &&
        value.schema === 1 &&
        typeof value.directions === 'object'
      ) {
        return value as LabDiscoveryReport;
      }
    } catch {
      // not this one
    }
  }
  throw new LabDiscoveryError(`no schema-1 JSON report on stdout: ${JSON.stringify(text.slice(0, 400))}`);
}

/**
 * Starts a reflector in the lab's server namespace, runs `idlescope discover` with `discoverArgs`
 * (e.g. `['--min', '1', '--max', '30', '--direction', 'both']`; `--reflector` and `--json` are added)
 * in the client namespace, and returns its parsed report. Both processes are stopped before it returns.
 */
export async function runDiscoveryInLab(
  lab: Lab,
  discoverArgs: readonly string[],
  options: LabDiscoveryOptions = {},
): Promise<LabDiscoveryResult> {
  const port = options.port ?? 7000;
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  let pin: string | null = null;
  const onPin = options.selfSigned === true ? (printed: string) => (pin = printed) : undefined;
  const reflector = await startReflector(lab, port, options.onStderr, onPin);
  try {
    const args = ['discover', '--reflector', lab.targetAddress(port), ...discoverArgs];
    if (pin !== null) args.push('--pin', pin);
    if (!args.includes('--json')) args.push('--json');
    // A lab run is no network of the user's: kept out of the run history.
    if (!args.includes('--save')) args.push('--no-save');
    const started = performance.now();
    const argv = options.command?.(args) ?? nodeArgv(CLI_ENTRY, args);
    const discover = lab.spawn(lab.clientNs, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...LAB_ENV, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    discover.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    discover.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-65_536);
      options.onStderr?.(chunk, 'discover');
    });
    const finished = await waitForExit(discover, timeoutMs, 'close');
    if (!finished) {
      await stop(discover);
      throw new LabDiscoveryError(
        `discover did not finish within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`,
      );
    }
    const elapsedMs = performance.now() - started;
    let report: LabDiscoveryReport;
    try {
      report = parseReport(stdout);
    } catch (error) {
      throw new LabDiscoveryError(
        `discover exited ${discover.exitCode ?? discover.signalCode ?? '?'} without a report; stderr: ` +
          `${stderr.slice(-2000)}`,
        { cause: error },
      );
    }
    return { report, stdout, stderr, exitCode: discover.exitCode, elapsedMs };
  } finally {
    await stop(reflector);
  }
}
