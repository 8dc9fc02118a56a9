/**
 * The middlebox emulator on a worker thread of its own, for `idlescope demo`.
 *
 * Why: the demo runs the reflector and a discovery client with hundreds of probe connections in one
 * process. On that one event loop the emulator sees each probe's bytes only when the client's work
 * lets it: with 256 probes it dated their hellos 90-230 ms after the client wrote them, and its
 * timers could fire late as well. Either way a probe survives an idle above the timeout by the
 * client's reckoning (the survived bound came out 75-140 ms above T): a bracket no real middlebox
 * gives. On its own thread the emulator has its own event loop, so its reading and its timers no
 * longer wait for the client.
 *
 * Accuracy, measured with the demo's 256 probes on 2 cores: evictions 1-16 ms after the timeout by
 * the thread's clock. What remains is the relay's own cost when the client opens all its probes at
 * once: ~0.3 ms a connection, so the last hellos of that burst reach the thread 30-100 ms after
 * they were written, and a fresh probe from it may survive that much above T (seen: at most 43 ms
 * above T in 19 runs at T = 3 s, 105 ms once in 19 runs at T = 5 s; on the client's loop it was
 * 75-140 ms above T in 15 of 20 runs).
 *
 * This is a thin adapter: the thread runs an unchanged MiddleboxEmulator (emulator-worker.ts) and
 * this class starts it, learns its address, forwards stats() and evictions, and stops it.
 *
 *   host (this class)                    thread (emulator-worker.ts)
 *   listen(): new Worker(options) ─────► emulator.listen()
 *                               ◄─────── listening {address}
 *   stats(): stats {id}          ─────►
 *                               ◄─────── stats {id, stats}
 *                               ◄─────── evicted {event}          (as they happen)
 *   close(): close               ─────► emulator.close()
 *                               ◄─────── closed                   (or CLOSE_GRACE_MS passes)
 *            worker.terminate()                                   (always)
 *
 * Lifecycle: the thread is started by listen(), not by the constructor, so an instance that never
 * listened holds nothing. close() terminates the thread in every case, and is what a caller must
 * call (in a finally) when done. A thread that fails (an uncaught error, an exit nobody asked for)
 * rejects what is pending, emits 'failed' once and is terminated; errors after close() are swallowed.
 *
 * Runs compiled (dist/, emulator-worker.js) and from TypeScript sources under tsx (vitest,
 * `node --import tsx`; emulator-worker.ts): see startWorker().
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { HostPort } from '../../protocol/address.js';
import { EmulatorThreadError } from '../../protocol/errors.js';
import type { EvictionEvent, MiddleboxEmulatorOptions, MiddleboxStats } from './middlebox-emulator.js';

/** What the host sends to the thread. */
export type HostToThreadMessage = { type: 'stats'; id: number } | { type: 'close' };

/** What the thread sends to the host. */
export type ThreadToHostMessage =
  | { type: 'listening'; address: HostPort }
  | { type: 'stats'; id: number; stats: MiddleboxStats }
  | { type: 'evicted'; event: EvictionEvent }
  | { type: 'closed' };

export interface EmulatorThreadEvents {
  /** An eviction inside the thread (its idleMs measured there), delivered a message-hop later. */
  evicted: [EvictionEvent];
  /** The thread failed while listening; it is being terminated. Emitted at most once. */
  failed: [EmulatorThreadError];
}

export type EmulatorThreadState = 'new' | 'starting' | 'listening' | 'closing' | 'closed';

/** How long close() lets the thread close its sockets before terminating it anyway. */
export const CLOSE_GRACE_MS = 2000;

const WORKER_URL = new URL(
  `./emulator-worker${new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/**
 * Starts the thread on emulator-worker with this module's extension. A .ts worker needs tsx, and on
 * Node 20 `execArgv: ['--import', 'tsx']` does not reach a worker's entry module (nodejs/node#47747,
 * privatenumber/tsx#354: ERR_UNKNOWN_FILE_EXTENSION), so a two-line bootstrap registers tsx in the
 * thread first. tsx is resolved from here, not from the working directory. The compiled .js worker
 * starts directly and never looks for tsx.
 */
function startWorker(workerData: MiddleboxEmulatorOptions): Worker {
  if (WORKER_URL.pathname.endsWith('.js')) return new Worker(WORKER_URL, { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap =
    `import(${tsx}).then((tsx) => { tsx.register(); return ` +
    `import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** Every thread started here that has not exited yet: what a leak check counts. */
const liveWorkers = new Set<Worker>();

/** Emulator threads started and not yet exited, in this process. */
export function liveEmulatorThreads(): number {
  return liveWorkers.size;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/** A MiddleboxEmulator on its own worker thread; the same options, an asynchronous stats(). */
export class EmulatorThread extends EventEmitter<EmulatorThreadEvents> {
  readonly #options: MiddleboxEmulatorOptions;
  #state: EmulatorThreadState = 'new';
  #worker: Worker | null = null;
  #exited: Promise<void> = Promise.resolve();
  #listening: Waiter<HostPort> | null = null;
  readonly #statsWaiting = new Map<number, Waiter<MiddleboxStats>>();
  #nextStatsId = 1;
  #threadOnClosed: (() => void) | null = null;
  #closing: Promise<void> | null = null;

  constructor(options: MiddleboxEmulatorOptions) {
    super();
    // Plain data only: the options are cloned into the thread.
    this.#options = { ...options, target: { host: options.target.host, port: options.target.port } };
  }

  get state(): EmulatorThreadState {
    return this.#state;
  }

  /** Starts the thread and the emulator in it; resolves with the address clients should connect to. */
  listen(): Promise<HostPort> {
    if (this.#state !== 'new') {
      return Promise.reject(
        new EmulatorThreadError(`EmulatorThread.listen() called in state ${this.#state}`),
      );
    }
    this.#state = 'starting';
    const listening = new Promise<HostPort>((resolve, reject) => (this.#listening = { resolve, reject }));
    const worker = startWorker(this.#options);
    this.#worker = worker;
    liveWorkers.add(worker);
    this.#exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        liveWorkers.delete(worker);
        this.#fail(new EmulatorThreadError(`the emulator thread exited unexpectedly (exit code ${code})`));
        resolve();
      }),
    );
    worker.on('message', (message: ThreadToHostMessage) => this.#workerOnMessage(message));
    worker.on('error', (error) =>
      this.#fail(new EmulatorThreadError(`the emulator thread failed: ${error.message}`, { cause: error })),
    );
    worker.on('messageerror', (error) =>
      this.#fail(
        new EmulatorThreadError(`bad message from the emulator thread: ${error.message}`, { cause: error }),
      ),
    );
    return listening;
  }

  /** The emulator's counters, as of when the thread reads them. */
  stats(): Promise<MiddleboxStats> {
    const worker = this.#worker;
    if (this.#state !== 'listening' || worker === null) {
      return Promise.reject(new EmulatorThreadError(`EmulatorThread.stats() called in state ${this.#state}`));
    }
    const id = this.#nextStatsId++;
    const stats = new Promise<MiddleboxStats>((resolve, reject) =>
      this.#statsWaiting.set(id, { resolve, reject }),
    );
    this.#post(worker, { type: 'stats', id });
    return stats;
  }

  /**
   * Closes the emulator (bounded by CLOSE_GRACE_MS) and terminates the thread; resolves once it has exited.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#state = 'closing';
    this.#rejectPending(new EmulatorThreadError('the emulator thread was closed'));
    this.#closing = this.#stop().then(() => {
      this.#state = 'closed';
    });
    return this.#closing;
  }

  async #stop(): Promise<void> {
    const worker = this.#worker;
    if (worker === null) return;
    const closedByThread = new Promise<void>((resolve) => (this.#threadOnClosed = resolve));
    this.#post(worker, { type: 'close' });
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, CLOSE_GRACE_MS)));
    try {
      await Promise.race([closedByThread, this.#exited, grace]);
    } finally {
      clearTimeout(graceTimer);
      this.#threadOnClosed = null;
    }
    // Whatever the thread did with the request, it ends here.
    await worker.terminate();
    await this.#exited;
  }

  #post(worker: Worker, message: HostToThreadMessage): void {
    worker.postMessage(message);
  }

  #workerOnMessage(message: ThreadToHostMessage): void {
    switch (message.type) {
      case 'listening':
        if (this.#state !== 'starting') return;
        this.#state = 'listening';
        this.#listening?.resolve(message.address);
        this.#listening = null;
        return;
      case 'stats':
        this.#statsWaiting.get(message.id)?.resolve(message.stats);
        this.#statsWaiting.delete(message.id);
        return;
      case 'evicted':
        this.emit('evicted', message.event);
        return;
      case 'closed':
        this.#threadOnClosed?.();
        return;
      default: {
        const never: never = message;
        this.#fail(
          new EmulatorThreadError(`unknown message from the emulator thread: ${JSON.stringify(never)}`),
        );
      }
    }
  }

  /** A failure before close(): reject what waits, say so once, terminate. Late ones are swallowed. */
  #fail(error: EmulatorThreadError): void {
    if (this.#state === 'closing' || this.#state === 'closed' || this.#state === 'new') return;
    const wasListening = this.#state === 'listening';
    this.#rejectPending(error);
    void this.close();
    if (wasListening) this.emit('failed', error);
  }

  #rejectPending(error: EmulatorThreadError): void {
    this.#listening?.reject(error);
    this.#listening = null;
    for (const waiter of this.#statsWaiting.values()) waiter.reject(error);
    this.#statsWaiting.clear();
  }
}
