/**
 * A child process of the capacity bench, seen from the parent: forked with an IPC channel under
 * tsx and --expose-gc, spoken to in typed messages, and always killed.
 *
 * Lifecycle: start() forks; expect(type, ms) resolves with the first message of that type not yet
 * taken (queued or to come) and rejects when `ms` passes or the child exits first; kill() sends
 * SIGKILL and resolves once it is gone (bounded). Every child started is also killed when the
 * parent process exits, whatever the path (see killAllChildren), and the child exits by itself
 * when its IPC channel closes (see exitWhenOrphaned), so no child outlives a crashed parent.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * How long a child may take to answer a request: long, because beside the flood the reflector's
 * loop can be busy for tens of seconds (issue 11: 4 MiB of PINGs blocked it for about 30 s); the
 * flood's caps bound how long.
 */
export const REPLY_LIMIT_MS = 120_000;

/** How long kill() waits for the child's exit before giving up on it. */
const KILL_WAIT_MS = 5000;

/** Every message between parent and child has a `type`. */
export interface ChildMessage {
  type: string;
}

const living = new Set<ChildProcess>();

/** Kills every child still alive: the parent's exit path of last resort (synchronous on purpose). */
export function killAllChildren(): void {
  for (const child of living) child.kill('SIGKILL');
  living.clear();
}

process.on('exit', killAllChildren);

export class BenchChild<In extends ChildMessage, Out extends ChildMessage> {
  private readonly queue: Out[] = [];
  private readonly waiters = new Set<{ type: string; take: (m: Out) => boolean }>();
  private exited: string | null = null;
  private readonly exitListeners = new Set<(why: string) => void>();
  /** The child's last stderr lines, for an error that says why it died. */
  private stderrTail = '';

  private constructor(private readonly child: ChildProcess) {
    living.add(child);
    child.on('message', (message: Out) => {
      for (const waiter of this.waiters) if (waiter.take(message)) return;
      this.queue.push(message);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    const onGone = (why: string): void => {
      if (this.exited !== null) return;
      living.delete(child);
      this.exited = `${why}${this.stderrTail === '' ? '' : `: ${lastLines(this.stderrTail)}`}`;
      for (const listener of this.exitListeners) listener(this.exited);
    };
    child.on('exit', (code, signal) => onGone(`child exited (${signal ?? code})`));
    child.on('error', (error) => onGone(`child failed: ${error.message}`));
  }

  /** Forks `script` (a path relative to this folder) with `args`. */
  static start<In extends ChildMessage, Out extends ChildMessage>(
    script: string,
    args: string[],
  ): BenchChild<In, Out> {
    const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
      cwd: ROOT,
      execArgv: ['--expose-gc', '--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    return new BenchChild<In, Out>(child);
  }

  send(message: In): void {
    if (this.exited === null && this.child.connected) this.child.send(message);
  }

  /** The first message of `type` not yet taken; rejects after `ms` or when the child exits. */
  expect<T extends Out['type']>(type: T, ms: number): Promise<Extract<Out, { type: T }>> {
    const queued = this.queue.findIndex((m) => m.type === type);
    if (queued >= 0) {
      const [message] = this.queue.splice(queued, 1);
      return Promise.resolve(message as Extract<Out, { type: T }>);
    }
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        this.exitListeners.delete(onExit);
      };
      const waiter = {
        type,
        take: (m: Out): boolean => {
          if (m.type !== type) return false;
          finish();
          resolve(m as Extract<Out, { type: T }>);
          return true;
        },
      };
      const onExit = (why: string): void => {
        finish();
        reject(new Error(`waiting for '${type}': ${why}`));
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no '${type}' from the child in ${ms} ms`));
      }, ms);
      if (this.exited !== null) {
        onExit(this.exited);
        return;
      }
      this.waiters.add(waiter);
      this.exitListeners.add(onExit);
    });
  }

  /** SIGKILL, then waits (bounded) for the exit. */
  async kill(): Promise<void> {
    if (this.exited !== null) return;
    const gone = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, KILL_WAIT_MS);
      this.exitListeners.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.child.kill('SIGKILL');
    await gone;
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

/** In a child: exit when the parent's IPC channel closes (the parent died or let go). */
export function exitWhenOrphaned(): void {
  process.on('disconnect', () => process.exit(0));
}

/** In a child: sends a message to the parent (a no-op once the channel is gone). */
export function tellParent(message: ChildMessage): void {
  if (process.send !== undefined && process.connected) process.send(message);
}
