/**
 * Runs a command under a pseudo-terminal (Python's pty module: python3 is a CI dependency already),
 * so that its stdout and stderr are a TTY of a known size. Returns everything the terminal showed,
 * escapes included, and the exit status. Bounded: the child is killed at the deadline.
 */
import { spawn } from 'node:child_process';
import type { Defer } from './teardown.js';
import { within } from './teardown.js';

// Forks under a pty sized COLS x 24, execs argv, copies the terminal's output to stdout until the
// child exits, and exits with its status (128 + signal when killed).
const PTY_RUNNER = `
import fcntl, os, pty, struct, sys, termios
cols = int(sys.argv[1])
argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, cols, 0, 0))
    os.execvp(argv[0], argv)
out = sys.stdout.buffer
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out.write(chunk)
    out.flush()
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
`;

export interface PtyExit {
  code: number | null;
  output: string;
}

export function runUnderPty(
  defer: Defer,
  argv: string[],
  options: { columns: number; env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number },
): Promise<PtyExit> {
  const child = spawn('python3', ['-c', PTY_RUNNER, String(options.columns), ...argv], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<PtyExit>((resolve) => child.once('close', (code) => resolve({ code, output })));
  const deadline = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs + 1000);
  defer(async () => {
    clearTimeout(deadline);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return within(
    exited,
    options.timeoutMs,
    `the command under a pty to exit (output so far: ${JSON.stringify(output.slice(-400))})`,
  );
}
