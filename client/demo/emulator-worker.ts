/**
 * The thread side of EmulatorThread (emulator-thread.ts): one MiddleboxEmulator, unchanged, on this
 * worker thread's own event loop, driven by messages from the host. Nothing else runs here, so the
 * emulator's timers wait for nothing but its own relaying.
 *
 * An error in here (listen failing, say) is left uncaught on purpose: the host sees it as the
 * worker's 'error' event, rejects what waits and terminates the thread.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { MiddleboxEmulator, type MiddleboxEmulatorOptions } from './middlebox-emulator.js';
import type { HostToThreadMessage, ThreadToHostMessage } from './emulator-thread.js';

if (parentPort === null) throw new Error('emulator-worker runs only as a worker thread; use EmulatorThread');
const port = parentPort;
const post = (message: ThreadToHostMessage): void => port.postMessage(message);

/** A nice value well above the default (0), so the emulator's thread is scheduled ahead of busy peers. */
const EMULATOR_THREAD_PRIORITY = -10;

// A middlebox in a kernel sees a packet when it arrives; this one, when its thread gets the CPU.
// On a busy machine (the client's 256 probes, a test suite beside it) that can be 100 ms late,
// and every idle it dates starts late by as much. On Linux a priority set from a thread applies to
// that thread alone: ask for a higher one (allowed for root; elsewhere the default stays).
try {
  setPriority(EMULATOR_THREAD_PRIORITY);
} catch {
  // Not permitted (not root, or not Linux): the emulator runs at the default priority.
}

const emulator = new MiddleboxEmulator(workerData as MiddleboxEmulatorOptions);
emulator.on('evicted', (event) => post({ type: 'evicted', event }));

port.on('message', (message: HostToThreadMessage) => {
  switch (message.type) {
    case 'stats':
      post({ type: 'stats', id: message.id, stats: emulator.stats() });
      return;
    case 'close':
      void emulator.close().then(() => {
        post({ type: 'closed' });
        // Nothing is left to keep the thread alive: it ends by itself (the host terminates it anyway).
        port.close();
      });
      return;
    default: {
      const never: never = message;
      throw new Error(`unknown message from the host: ${JSON.stringify(never)}`);
    }
  }
});

post({ type: 'listening', address: await emulator.listen() });
