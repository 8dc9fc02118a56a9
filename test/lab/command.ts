/**
 * Running the lab's system tools (`ip`, `nft`, `sysctl`, `haproxy`): one async helper that always
 * has a deadline, and one sync helper for teardown paths that cannot wait (process 'exit').
 */
import { execFile, execFileSync } from 'node:child_process';

/** Every tool call is bounded: no lab command may hang a test run. */
export const COMMAND_TIMEOUT_MS = 15_000;

export class LabCommandError extends Error {
  readonly code = 'IDLESCOPE_LAB_COMMAND_FAILED';
  readonly argv: readonly string[];
  readonly stderr: string;
  constructor(argv: readonly string[], stderr: string, options: { cause?: unknown } = {}) {
    super(
      `lab command failed: ${argv.join(' ')}${stderr.trim() === '' ? '' : `: ${stderr.trim()}`}`,
      options,
    );
    this.name = 'LabCommandError';
    this.argv = argv;
    this.stderr = stderr;
  }
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Runs argv (no shell), feeding `input` on stdin; rejects with LabCommandError on a non-zero exit. */
export function runCommand(
  argv: readonly string[],
  input?: string,
  timeoutMs = COMMAND_TIMEOUT_MS,
): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new LabCommandError(argv, 'empty argv'));
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new LabCommandError(argv, String(stderr) || error.message, { cause: error }));
        else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
    // A tool that does not read stdin may close it early: that is not our failure.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

/** Synchronous variant for teardown from process 'exit' / signal handlers. Never throws. */
export function runCommandSync(argv: readonly string[]): { ok: boolean; stdout: string } {
  const [file, ...args] = argv;
  if (file === undefined) return { ok: false, stdout: '' };
  try {
    const stdout = execFileSync(file, args, {
      timeout: 5_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      encoding: 'utf8',
    });
    return { ok: true, stdout };
  } catch {
    return { ok: false, stdout: '' };
  }
}
