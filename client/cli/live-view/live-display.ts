/**
 * Live progress for long runs, on stderr only (stdout carries nothing but the report). On an
 * interactive terminal one status block is redrawn in place (log-update) at the terminal's width
 * as it is at each redraw; elsewhere (a pipe, a CI log, TERM=dumb) whole lines are written: every
 * eviction and finished direction at once, and a status line now and then, so a log stays readable.
 */
import type { DiscoveryProgress } from '../../discovery/discovery-run.js';
import { INITIAL_LIVE_STATE, observe, type LiveSettings, type LiveState } from './live-state.js';
import { eventLogLine, liveLines, logLine } from './live-text.js';
import { columnsOf, terminalMode, type ProgressStream } from './terminal-mode.js';

/** A status line in a log at most this often (events are written as they happen). */
export const LOG_INTERVAL_MS = 10_000;

export interface ProgressDisplay {
  update(progress: DiscoveryProgress): void;
  /** Clears the live block (the report follows on stdout); a no-op in a log. */
  done(): void;
}

/** Async only to import log-update on a terminal: a log (a pipe, a CI job) never loads it. */
export async function createProgressDisplay(
  stream: ProgressStream,
  settings: LiveSettings,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProgressDisplay> {
  const mode = terminalMode(stream, env);
  let state: LiveState = INITIAL_LIVE_STATE;
  if (mode.live) {
    const { createLogUpdate } = await import('log-update');
    const render = createLogUpdate(stream, { showCursor: true });
    return {
      update: (progress) => {
        state = observe(state, progress).state;
        render(
          liveLines(state, progress, settings, { columns: columnsOf(stream), colour: mode.colour }).join(
            '\n',
          ),
        );
      },
      done: () => render.clear(),
    };
  }
  let lastLineMs = Number.NEGATIVE_INFINITY;
  return {
    update: (progress) => {
      const next = observe(state, progress);
      state = next.state;
      for (const event of next.events) {
        if (event.kind !== 'survived') stream.write(`${eventLogLine(event)}\n`);
      }
      if (progress.elapsedMs - lastLineMs < LOG_INTERVAL_MS) return;
      lastLineMs = progress.elapsedMs;
      stream.write(`${logLine(progress, settings)}\n`);
    },
    done: () => {},
  };
}
