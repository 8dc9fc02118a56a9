/**
 * Runs the real CLI (`node --import tsx client/cli/main.ts ...`) from the repository root as a child
 * process, capturing stdout and stderr. Every child is killed by the test's teardown and by a hard
 * deadline of its own, so a hung CLI fails the test instead of hanging the suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Defer } from './teardown.js';
import { waitFor, within } from './teardown.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit, ms. */
  elapsedMs: number;
}

export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliExit>;
  private readonly startedMs = performance.now();

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) =>
        resolve({
          code,
          signal,
          stdout: this.stdout,
          stderr: this.stderr,
          elapsedMs: performance.now() - this.startedMs,
        }),
      );
    });
  }

  /** Waits for the child to exit, failing after `ms` with what it printed so far. */
  async exit(ms: number): Promise<CliExit> {
    return within(
      this.exited,
      ms,
      `the CLI to exit (stdout so far: ${JSON.stringify(this.stdout.slice(-500))}, stderr: ` +
        `${JSON.stringify(this.stderr.slice(-500))})`,
    );
  }

  async stdoutMatches(pattern: RegExp, ms: number): Promise<RegExpExecArray> {
    await waitFor(
      `stdout to match ${pattern} (got ${JSON.stringify(this.stdout)}, stderr ` +
        `${JSON.stringify(this.stderr)})`,
      () => pattern.test(this.stdout),
      ms,
    );
    return pattern.exec(this.stdout) as RegExpExecArray;
  }

  async stderrMatches(pattern: RegExp, ms: number): Promise<void> {
    await waitFor(
      `stderr to match ${pattern} (got ${JSON.stringify(this.stderr)})`,
      () => pattern.test(this.stderr),
      ms,
    );
  }
}

/**
 * Starts `idlescope ...args` (with `env` added to this process's environment); killed (SIGKILL) by
 * teardown and after `deadlineMs` at the latest.
 */
export function spawnCli(
  defer: Defer,
  args: string[],
  deadlineMs: number,
  env: Record<string, string> = {},
): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'client/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const cli = new CliProcess(child);
  const deadline = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  defer(async () => {
    clearTimeout(deadline);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cli.exited;
  });
  return cli;
}

/** Runs `idlescope ...args` to the end; fails if it takes longer than `ms`. */
export function runCli(
  defer: Defer,
  args: string[],
  ms: number,
  env: Record<string, string> = {},
): Promise<CliExit> {
  return spawnCli(defer, args, ms + 1000, env).exit(ms);
}
