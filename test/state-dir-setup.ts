/**
 * Vitest global setup: every suite, and every CLI a suite starts (they inherit the environment),
 * sees a fresh temporary XDG_STATE_HOME, so no test writes a run into the real user's history
 * (discover saves each run there by default). Removed when the suites end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'idlescope-test-state-'));
  process.env['XDG_STATE_HOME'] = dir;
  return () => rm(dir, { recursive: true, force: true });
}
