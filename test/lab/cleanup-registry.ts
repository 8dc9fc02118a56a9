/**
 * Last-resort teardown for labs: when the process exits or is interrupted (Ctrl-C, SIGTERM, SIGHUP)
 * before `destroy()` ran, every registered lab is torn down synchronously. Normal teardown goes
 * through `destroy()`; this only catches what it missed. A SIGKILL cannot be caught: the next run's
 * stale sweep removes what such a crash leaves.
 */

export interface SyncTeardown {
  destroySync(): void;
}

const live = new Set<SyncTeardown>();
let installed = false;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function tearDownAll(): void {
  for (const lab of [...live]) {
    live.delete(lab);
    lab.destroySync();
  }
}

function processOnSignal(signal: NodeJS.Signals): void {
  tearDownAll();
  // If nobody else handles the signal, restore the default action (terminate) and re-raise it, so
  // installing this handler never changes how the process reacts to Ctrl-C.
  if (process.listenerCount(signal) <= 1) {
    for (const s of SIGNALS) process.removeListener(s, processOnSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', tearDownAll);
  for (const signal of SIGNALS) process.on(signal, processOnSignal);
}

export function registerTeardown(lab: SyncTeardown): void {
  install();
  live.add(lab);
}

export function unregisterTeardown(lab: SyncTeardown): void {
  live.delete(lab);
}
