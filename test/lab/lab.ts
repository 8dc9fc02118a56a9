/**
 * The real-middlebox lab: three network namespaces (client, middlebox, server) joined by two veth
 * pairs, with the middlebox configured by a scenario (see scenarios.ts).
 *
 * Guarantees:
 * - Nothing outside the lab's own namespaces is changed: interfaces are created directly inside them,
 *   and every sysctl and nftables rule is applied with `ip netns exec <ns>` / `ip -n <ns>`.
 * - The namespaces have no route anywhere but each other: traffic can only reach lab addresses.
 * - Teardown always happens: `destroy()` (idempotent), plus process 'exit' / SIGINT / SIGTERM / SIGHUP
 *   handlers, plus a sweep of namespaces left by crashed earlier runs at every `createLab`.
 *
 * (About 420 lines: the namespaces, their links and routes, the daemons a scenario runs and the
 * teardown are one lifecycle; the scenarios' contents are scenarios.ts's and forward-proxies.ts's.)
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, type CommandResult } from './command.js';
import { registerTeardown, unregisterTeardown } from './cleanup-registry.js';
import {
  createNamespace,
  isProcessAlive,
  namespaceName,
  newLabPrefix,
  removeNamespace,
  removeNamespaceSync,
  sweepStaleNamespaces,
} from './namespaces.js';
import {
  ADDR,
  IF_CLIENT_SIDE,
  IF_MB_CLIENT,
  IF_MB_SERVER,
  IF_SERVER_SIDE,
  PROXY_PORT_FIRST,
  PROXY_PORT_LAST,
  SCENARIOS,
  SCENARIO_SPECS,
  haproxyConfig,
  middleboxRuleset,
  middleboxSysctls,
  type Scenario,
} from './scenarios.js';
import { forwardProxyDaemon } from './forward-proxies.js';

export { SCENARIOS, SCENARIO_SPECS, type Scenario } from './scenarios.js';

/** The repository root: the working directory for programs run inside the lab. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** haproxy listens within ms; the socks fixture needs tsx's start-up (10 s or more under load). */
const DAEMON_READY_TIMEOUT_MS = 30_000;
const CHILD_EXIT_GRACE_MS = 1_000;

export interface LabOptions {
  scenario: Scenario;
  /** The middlebox's idle timeout T in whole seconds (conntrack established timeout or proxy timeout). */
  timeoutS: number;
}

export class LabError extends Error {
  readonly code = 'IDLESCOPE_LAB_SETUP_FAILED';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'LabError';
  }
}

export interface Lab {
  readonly scenario: Scenario;
  readonly timeoutS: number;
  /** `isl-<pid>-<random>`: every namespace of this lab starts with it. */
  readonly prefix: string;
  readonly clientNs: string;
  readonly middleboxNs: string;
  readonly serverNs: string;
  /** The address a server (the reflector) binds inside the server namespace. */
  readonly serverListenHost: string;
  /** The --proxy URL the client must use (corporate-proxy, socks), or null where it connects itself. */
  readonly proxyUrl: string | null;
  /** "host:port" the client dials to reach a server listening on `port` (bracketed for IPv6). */
  targetAddress(port: number): string;
  /** Runs argv inside a namespace and waits for it; rejects with LabCommandError on failure. */
  exec(ns: string, argv: readonly string[], input?: string): Promise<CommandResult>;
  /** Starts argv inside a namespace. The child is killed by `destroy()`. */
  spawn(ns: string, argv: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Kills every child, removes the namespaces and temp files. Idempotent. */
  destroy(): Promise<void>;
}

/** argv that runs a TypeScript file with this Node and tsx (cwd must be REPO_ROOT, as `spawn` sets). */
export function nodeArgv(script: string, args: readonly string[] = []): string[] {
  return [process.execPath, '--import', 'tsx', resolve(REPO_ROOT, script), ...args];
}

class NamespaceLab implements Lab {
  readonly prefix = newLabPrefix();
  readonly clientNs = namespaceName(this.prefix, 'cli');
  readonly middleboxNs = namespaceName(this.prefix, 'mb');
  readonly serverNs = namespaceName(this.prefix, 'srv');
  readonly serverListenHost: string;
  proxyUrl: string | null = null;
  private readonly children = new Set<ChildProcess>();
  private tempDir: string | null = null;
  private destroying: Promise<void> | null = null;

  constructor(
    readonly scenario: Scenario,
    readonly timeoutS: number,
  ) {
    this.serverListenHost = SCENARIO_SPECS[scenario].family === 6 ? ADDR.server6 : ADDR.server4;
  }

  private get namespaces(): string[] {
    return [this.clientNs, this.middleboxNs, this.serverNs];
  }

  targetAddress(port: number): string {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`bad port ${port}`);
    switch (this.scenario) {
      case 'proxy':
        if (port < PROXY_PORT_FIRST || port > PROXY_PORT_LAST) {
          throw new RangeError(
            `the proxy scenario forwards ports ${PROXY_PORT_FIRST}-${PROXY_PORT_LAST} only, not ${port}`,
          );
        }
        return `${ADDR.mbClient4}:${port}`;
      case 'firewall6':
        return `[${ADDR.server6}]:${port}`;
      case 'nat-strict':
      case 'nat-lossy':
      case 'nat-loose':
      case 'firewall-reset':
      case 'corporate-proxy':
      case 'socks':
        // Through a forward proxy the client names the server itself, which it has no route to.
        return `${ADDR.server4}:${port}`;
      default: {
        const never: never = this.scenario;
        throw new Error(`unknown scenario ${String(never)}`);
      }
    }
  }

  exec(ns: string, argv: readonly string[], input?: string): Promise<CommandResult> {
    this.assertOwn(ns);
    return runCommand(['ip', 'netns', 'exec', ns, ...argv], input);
  }

  spawn(ns: string, argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    this.assertOwn(ns);
    if (this.destroying) throw new LabError(`lab ${this.prefix} is destroyed`);
    // `ip netns exec` execs the program in place, so the child's pid is the program's.
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { cwd: REPO_ROOT, ...options });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    // A spawn failure is reported by 'exit'/'close' to whoever watches; do not crash the process.
    child.on('error', () => {});
    return child;
  }

  async build(): Promise<void> {
    const family = SCENARIO_SPECS[this.scenario].family;
    for (const ns of this.namespaces) {
      await createNamespace(ns);
      // Before any interface exists: no DAD delay for IPv6, or no IPv6 at all for IPv4 scenarios.
      const v6 =
        family === 6
          ? ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']
          : ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];
      await this.sysctl(ns, v6);
    }
    const ipn = (ns: string, ...args: string[]): Promise<CommandResult> =>
      runCommand(['ip', '-n', ns, ...args]);
    await ipn(
      this.clientNs,
      'link',
      'add',
      IF_CLIENT_SIDE,
      'type',
      'veth',
      'peer',
      'name',
      IF_MB_CLIENT,
      'netns',
      this.middleboxNs,
    );
    await ipn(
      this.serverNs,
      'link',
      'add',
      IF_SERVER_SIDE,
      'type',
      'veth',
      'peer',
      'name',
      IF_MB_SERVER,
      'netns',
      this.middleboxNs,
    );

    const links: [string, string, string, string][] =
      family === 6
        ? [
            [this.clientNs, IF_CLIENT_SIDE, `${ADDR.client6}/64`, '-6'],
            [this.middleboxNs, IF_MB_CLIENT, `${ADDR.mbClient6}/64`, '-6'],
            [this.middleboxNs, IF_MB_SERVER, `${ADDR.mbServer6}/64`, '-6'],
            [this.serverNs, IF_SERVER_SIDE, `${ADDR.server6}/64`, '-6'],
          ]
        : [
            [this.clientNs, IF_CLIENT_SIDE, `${ADDR.client4}/24`, '-4'],
            [this.middleboxNs, IF_MB_CLIENT, `${ADDR.mbClient4}/24`, '-4'],
            [this.middleboxNs, IF_MB_SERVER, `${ADDR.mbServer4}/24`, '-4'],
            [this.serverNs, IF_SERVER_SIDE, `${ADDR.server4}/24`, '-4'],
          ];
    for (const [ns, dev, cidr, fam] of links) {
      await ipn(ns, fam, 'addr', 'add', cidr, 'dev', dev, ...(fam === '-6' ? ['nodad'] : []));
      await ipn(ns, 'link', 'set', dev, 'up');
    }
    // Only routes between the lab's own subnets: no default route, so nothing can leave the lab.
    if (family === 6) {
      await ipn(this.clientNs, '-6', 'route', 'add', ADDR.serverNet6, 'via', ADDR.mbClient6);
      await ipn(this.serverNs, '-6', 'route', 'add', ADDR.clientNet6, 'via', ADDR.mbServer6);
    } else if (this.scenario !== 'proxy' && SCENARIO_SPECS[this.scenario].forwardProxy === null) {
      // The server gets no route back to the client subnet: it can only answer through masquerade.
      await ipn(this.clientNs, '-4', 'route', 'add', ADDR.serverNet4, 'via', ADDR.mbClient4);
    }

    const ruleset = middleboxRuleset(this.scenario);
    if (ruleset !== null) await this.exec(this.middleboxNs, ['nft', '-f', '-'], ruleset);
    // After the rules: the nf_conntrack sysctls exist in a namespace once conntrack is in use there.
    const sysctls = middleboxSysctls(this.scenario, this.timeoutS);
    if (sysctls.length > 0) await this.sysctl(this.middleboxNs, sysctls);
    if (this.scenario === 'proxy') await this.startHaproxy();
    const forward = SCENARIO_SPECS[this.scenario].forwardProxy;
    if (forward !== null) {
      const tempDir = await this.makeTempDir();
      const pid = join(tempDir, `${forward}.pid`);
      const daemon = forwardProxyDaemon(forward, this.timeoutS, pid, nodeArgv);
      const config = daemon.configName === null ? '' : join(tempDir, daemon.configName);
      if (daemon.configName !== null) await writeFile(config, daemon.config);
      await this.startDaemon(daemon.argv(config), daemon.port, `the ${forward} proxy`);
      this.proxyUrl = daemon.url;
    }
  }

  private async makeTempDir(): Promise<string> {
    this.tempDir ??= await mkdtemp(join(tmpdir(), `${TEMP_DIR_PREFIX}${this.prefix}-`));
    return this.tempDir;
  }

  private async sysctl(ns: string, settings: readonly string[]): Promise<void> {
    await this.exec(ns, ['sysctl', '-q', '-w', ...settings]);
  }

  private async startHaproxy(): Promise<void> {
    const tempDir = await this.makeTempDir();
    const config = join(tempDir, 'haproxy.cfg');
    await writeFile(config, haproxyConfig(this.timeoutS, join(tempDir, 'haproxy.pid')));
    await this.startDaemon(['haproxy', '-db', '-f', config], PROXY_PORT_LAST);
  }

  /** Starts a daemon in the middlebox namespace and waits until it listens on `port`. */
  private async startDaemon(argv: readonly string[], port: number, name = argv[0] ?? '?'): Promise<void> {
    const daemon = this.spawn(this.middleboxNs, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    daemon.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4096);
    });
    const deadline = performance.now() + DAEMON_READY_TIMEOUT_MS;
    for (;;) {
      if (daemon.exitCode !== null || daemon.signalCode !== null) {
        throw new LabError(`${name} exited during startup: ${stderr.trim()}`);
      }
      const { stdout } = await this.exec(this.middleboxNs, ['ss', '-Hltn', `sport = :${port}`]);
      if (stdout.trim() !== '') return;
      if (performance.now() > deadline)
        throw new LabError(`${name} not listening after ${DAEMON_READY_TIMEOUT_MS} ms: ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private assertOwn(ns: string): void {
    if (!this.namespaces.includes(ns)) throw new LabError(`${ns} is not a namespace of lab ${this.prefix}`);
  }

  destroy(): Promise<void> {
    this.destroying ??= this.tearDown();
    return this.destroying;
  }

  private async tearDown(): Promise<void> {
    const exits = [...this.children].map(
      (child) =>
        new Promise<void>((resolveExit) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolveExit();
          }, CHILD_EXIT_GRACE_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolveExit();
          });
          child.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    // removeNamespace also kills anything the children left running inside.
    await Promise.all(this.namespaces.map((ns) => removeNamespace(ns)));
    if (this.tempDir !== null) await rm(this.tempDir, { recursive: true, force: true });
    unregisterTeardown(this);
  }

  destroySync(): void {
    for (const child of this.children) child.kill('SIGKILL');
    for (const ns of this.namespaces) removeNamespaceSync(ns);
    if (this.tempDir !== null) rmSync(this.tempDir, { recursive: true, force: true });
  }
}

const TEMP_DIR_PREFIX = 'idlescope-lab-';
const TEMP_DIR_PATTERN = /^idlescope-lab-isl-(\d+)-/;

/** Removes the daemons' temp dirs left by crashed earlier runs (creating pid dead). */
async function sweepStaleTempDirs(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const entry of entries) {
    const match = TEMP_DIR_PATTERN.exec(entry);
    if (!match || isProcessAlive(Number(match[1]))) continue;
    await rm(join(tmpdir(), entry), { recursive: true, force: true });
  }
}

/**
 * Builds a lab for `scenario` with idle timeout `timeoutS`. On any setup failure everything made so
 * far is removed before the error is thrown.
 */
export async function createLab(options: LabOptions): Promise<Lab> {
  const { scenario, timeoutS } = options;
  if (!SCENARIOS.includes(scenario)) throw new LabError(`unknown scenario ${JSON.stringify(scenario)}`);
  if (!Number.isInteger(timeoutS) || timeoutS < 1)
    throw new LabError(`timeoutS must be a whole number of seconds >= 1, got ${timeoutS}`);
  await sweepStaleNamespaces();
  await sweepStaleTempDirs();
  const lab = new NamespaceLab(scenario, timeoutS);
  registerTeardown(lab);
  try {
    await lab.build();
  } catch (error) {
    await lab.destroy();
    throw error instanceof LabError
      ? error
      : new LabError(`building lab ${scenario}: ${(error as Error).message}`, { cause: error });
  }
  return lab;
}

export type LabAvailability = { ok: true } | { ok: false; reason: string };

/**
 * Whether this machine can run the lab: Linux, root, `ip`, `nft`, `sysctl`, `ss`, `haproxy` (only if
 * the proxy scenario is asked for), and a namespace can actually be created and filtered.
 */
export async function labAvailability(scenarios: readonly Scenario[] = SCENARIOS): Promise<LabAvailability> {
  if (process.platform !== 'linux')
    return { ok: false, reason: `the lab needs Linux network namespaces (platform is ${process.platform})` };
  if (process.getuid?.() !== 0)
    return { ok: false, reason: 'the lab needs root (network namespaces, nftables)' };
  const tools: [string, string[]][] = [
    ['ip', ['ip', '-V']],
    ['nft', ['nft', '--version']],
    ['sysctl', ['sysctl', '--version']],
    ['ss', ['ss', '-V']],
  ];
  if (scenarios.includes('proxy')) tools.push(['haproxy', ['haproxy', '-v']]);
  if (scenarios.includes('corporate-proxy')) tools.push(['tinyproxy', ['tinyproxy', '-v']]);
  for (const [name, argv] of tools) {
    try {
      await runCommand(argv);
    } catch {
      return {
        ok: false,
        reason:
          `\`${name}\` is missing or broken (install iproute2, nftables, ` +
          `procps${scenarios.includes('proxy') ? ', haproxy' : ''}` +
          `${scenarios.includes('corporate-proxy') ? ', tinyproxy' : ''}` +
          ')',
      };
    }
  }
  const probe = namespaceName(newLabPrefix(), 'probe');
  try {
    await runCommand(['ip', 'netns', 'add', probe]);
    await runCommand(
      ['ip', 'netns', 'exec', probe, 'nft', '-f', '-'],
      'table ip idlescope_probe { chain f { type filter hook forward priority filter; ct state invalid ' +
        'drop; }; }\n',
    );
    await runCommand([
      'ip',
      'netns',
      'exec',
      probe,
      'sysctl',
      '-q',
      '-w',
      'net.netfilter.nf_conntrack_tcp_loose=0',
    ]);
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: `cannot create and configure a network namespace: ${(error as Error).message.split('\n')[0]}`,
    };
  } finally {
    await removeNamespace(probe);
  }
}
