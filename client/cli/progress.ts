/**
 * Live progress for long runs, on stderr only (stdout carries nothing but the report). On a
 * terminal one status block is redrawn in place; elsewhere (CI logs, pipes) a plain line is
 * written now and then so a log stays readable.
 */
import type { Writable } from 'node:stream';
import { createLogUpdate } from 'log-update';
import type { DiscoveryProgress } from '../discovery/discovery-run.js';
import type { SearchProgress } from '../search/types.js';
import { compactDuration } from '../report/format.js';

/** Plain (non-terminal) progress is written at most this often. */
const PLAIN_INTERVAL_MS = 10_000;

function formatDirection(p: SearchProgress): string {
  const c = p.connections;
  const state = p.finished ? 'done' : p.evictedMs === null ? 'searching' : 'refining';
  return (
    `${p.direction.padEnd(8)} ${state.padEnd(9)} survived ${compactDuration(p.survivedMs).padStart(10)}` +
    `  evicted ${compactDuration(p.evictedMs).padStart(10)}` +
    `  idle ${c.idle} testing ${c.probing} opening ${c.opening} evicted ${p.evicted}`
  );
}

export function formatProgress(progress: DiscoveryProgress): string {
  const running = progress.directions.filter((d) => !d.finished);
  const etas = running.map((d) => d.etaMs);
  const eta =
    running.length === 0
      ? 'finishing'
      : etas.some((e) => e === null)
        ? 'ETA after the first eviction'
        : `ETA ${compactDuration(Math.max(0, Math.max(...(etas as number[])) - performance.now()))}`;
  return [
    `idlescope: ${compactDuration(progress.elapsedMs)} elapsed, ${eta}`,
    ...progress.directions.map((d) => `  ${formatDirection(d)}`),
  ].join('\n');
}

export interface ProgressDisplay {
  update(progress: DiscoveryProgress): void;
  done(): void;
}

export function createProgressDisplay(stream: Writable & { isTTY?: boolean }): ProgressDisplay {
  if (stream.isTTY === true) {
    const render = createLogUpdate(stream, { showCursor: true });
    return {
      update: (progress) => render(formatProgress(progress)),
      done: () => render.clear(),
    };
  }
  let lastWrittenMs = Number.NEGATIVE_INFINITY;
  return {
    update: (progress) => {
      if (progress.elapsedMs - lastWrittenMs < PLAIN_INTERVAL_MS) return;
      lastWrittenMs = progress.elapsedMs;
      stream.write(`${formatProgress(progress)}\n`);
    },
    done: () => {},
  };
}
