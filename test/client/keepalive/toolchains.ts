/**
 * Which local toolchains the snippet tests can compile or run with, and what CI promises.
 *
 * CI (.ci/run: Debian, as root, CI=true) checks for node, installs haproxy (for the lab) and gcc,
 * libc6-dev and python3 (for these tests), has unshare (util-linux) and may create network
 * namespaces. Under CI=true a missing required tool fails its test instead of skipping it, so a
 * snippet is never left unchecked on CI by accident. java, go and dotnet are optional everywhere.
 */
import { spawnSync } from 'node:child_process';

export type Tool = 'cc' | 'python3' | 'node' | 'java' | 'haproxy' | 'unshare' | 'go' | 'dotnet';

/** Tools CI must have: a test needing one fails there when it is missing. */
export const REQUIRED_ON_CI: readonly Tool[] = ['cc', 'python3', 'node', 'haproxy', 'unshare'];

export const ON_CI = process.env.CI === 'true';

/** True if `tool` is on PATH. */
export function hasTool(tool: Tool): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Null when the machine can create a network namespace (root, unshare), else why not. */
export function netnsUnavailable(): string | null {
  if (!hasTool('unshare')) return 'unshare is not installed';
  const probe = spawnSync('unshare', ['--net', 'true'], { stdio: 'ignore', timeout: 5000 });
  return probe.status === 0 ? null : 'cannot create a network namespace (needs root)';
}

/**
 * How a test needing `tools` runs: 'run', or 'skip' with the reason, or 'fail' (CI=true and a
 * required tool is missing) with the reason.
 */
export function toolPlan(
  tools: readonly Tool[],
  extra: string | null = null,
): { mode: 'run' | 'skip' | 'fail'; reason: string } {
  const missing = tools.filter((tool) => !hasTool(tool));
  const reasons = [
    ...missing.map((tool) => `${tool} is not on this machine`),
    ...(extra === null ? [] : [extra]),
  ];
  if (reasons.length === 0) return { mode: 'run', reason: '' };
  const requiredMissing =
    ON_CI && (tools.some((t) => REQUIRED_ON_CI.includes(t) && missing.includes(t)) || extra !== null);
  return { mode: requiredMissing ? 'fail' : 'skip', reason: reasons.join('; ') };
}
