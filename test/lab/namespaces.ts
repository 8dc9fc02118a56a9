/**
 * Network namespace names, creation and removal for the lab.
 *
 * Names are `isl-<pid>-<random>-<role>`: the pid of the process that made them (so a later run can
 * tell a crashed run's leftovers from a live run's namespaces) and a random part (so two labs in one
 * process, or two runs, never clash). Interface names live inside the namespaces, so they never meet
 * the host's and can stay short and fixed.
 */
import { randomBytes } from 'node:crypto';
import { runCommand, runCommandSync } from './command.js';

export const NAMESPACE_PREFIX = 'isl';
export type NamespaceRole = 'cli' | 'mb' | 'srv';
const NAME_PATTERN = /^isl-(\d+)-([0-9a-f]+)-([a-z]+)$/;

/** The prefix shared by every namespace this process creates. */
export function processPrefix(pid = process.pid): string {
  return `${NAMESPACE_PREFIX}-${pid}-`;
}

/** A fresh prefix for one lab: `isl-<pid>-<6 hex>`. */
export function newLabPrefix(): string {
  return `${processPrefix()}${randomBytes(3).toString('hex')}`;
}

export function namespaceName(labPrefix: string, role: NamespaceRole | 'probe'): string {
  return `${labPrefix}-${role}`;
}

function parseNetnsList(stdout: string): string[] {
  // `ip netns list` prints "name" or "name (id: 3)", one per line.
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}

/** All namespaces whose name starts with `prefix` (default: every lab namespace). */
export async function listLabNamespaces(prefix = `${NAMESPACE_PREFIX}-`): Promise<string[]> {
  const { stdout } = await runCommand(['ip', 'netns', 'list']);
  return parseNetnsList(stdout).filter((name) => name.startsWith(prefix));
}

/** Whether a process with this pid exists (possibly someone else's). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; only ESRCH means gone.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export async function createNamespace(name: string): Promise<void> {
  await runCommand(['ip', 'netns', 'add', name]);
  await runCommand(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

/** Kills every process still inside `name`, then removes it. Idempotent, never throws. */
export async function removeNamespace(name: string): Promise<void> {
  const pids = await runCommand(['ip', 'netns', 'pids', name]).then(
    (r) => r.stdout,
    () => '',
  );
  for (const pid of pids.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await runCommand(['ip', 'netns', 'del', name]).catch(() => undefined);
}

/** Synchronous removal for process 'exit' and signal handlers. Never throws. */
export function removeNamespaceSync(name: string): void {
  const pids = runCommandSync(['ip', 'netns', 'pids', name]).stdout;
  for (const pid of pids.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  runCommandSync(['ip', 'netns', 'del', name]);
}

/**
 * Removes lab namespaces left behind by a crashed earlier run: those whose creating pid is dead.
 * Namespaces of live processes (another run in parallel, or this one) are never touched.
 * Returns the names removed.
 */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listLabNamespaces()) {
    const match = NAME_PATTERN.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    await removeNamespace(name);
    removed.push(name);
  }
  return removed;
}
