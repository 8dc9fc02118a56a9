/**
 * How progress may be shown on a stream: redrawn in place (an interactive terminal) or line by
 * line (a pipe, a CI log, TERM=dumb), and whether in colour. Decided once per run from the stream
 * and the environment, with well-kept detectors rather than our own guesses:
 * is-interactive (a TTY, TERM is not dumb, not under CI) and supports-color, which knows terminals
 * and FORCE_COLOR but not NO_COLOR: that one (no-color.org: set and not empty) is checked here.
 */
import isInteractive from 'is-interactive';
import { createSupportsColor } from 'supports-color';
import type { Writable } from 'node:stream';
import type { WriteStream } from 'node:tty';

export interface TerminalMode {
  /** Redraw a status block in place; false: write whole lines now and then. */
  live: boolean;
  colour: boolean;
  /** The width to fit lines into; 80 where the stream does not say. */
  columns: number;
}

export type ProgressStream = Writable & { isTTY?: boolean; columns?: number };

export const FALLBACK_COLUMNS = 80;

export function terminalMode(stream: ProgressStream, env: NodeJS.ProcessEnv = process.env): TerminalMode {
  // is-interactive reads process.env itself; a caller's env (tests) must decide the same way.
  const live = isInteractive({ stream }) && env.TERM !== 'dumb' && !('CI' in env);
  const noColour = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  // supports-color reads process.env (TERM, COLORTERM, FORCE_COLOR, CI) and only isTTY of the stream.
  const colour =
    !noColour &&
    live &&
    createSupportsColor(stream as unknown as WriteStream, { sniffFlags: false }) !== false;
  return { live, colour, columns: columnsOf(stream) };
}

/** The stream's width now (a terminal can be resized between redraws). */
export function columnsOf(stream: ProgressStream): number {
  const columns = stream.columns;
  return typeof columns === 'number' && columns > 0 ? columns : FALLBACK_COLUMNS;
}
