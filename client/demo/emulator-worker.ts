/**
 * The thread side of EmulatorThread (emulator-thread.ts): one MiddleboxEmulator, unchanged, on this
 * worker thread's own event loop, driven by messages from the host. Nothing else runs here, so the
 * emulator's timers wait for nothing but its own relaying.
 *
 * An error in here (listen failing, say) is left uncaught on purpose: the host sees it as the
 * worker's 'error' event, rejects what waits and terminates the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MiddleboxEmulator, type MiddleboxEmulatorOptions } from './middlebox-emulator.js';
import type { HostToThreadMessage, ThreadToHostMessage } from './emulator-thread.js';

if (parentPort === null) throw new Error('emulator-worker runs only as a worker thread; use EmulatorThread');
const port = parentPort;
const post = (message: ThreadToHostMessage): void => port.postMessage(message);

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
