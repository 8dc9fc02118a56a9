/**
 * The live view as text. Pure: a function of the model, the width and whether colour is allowed.
 *
 *   idlescope ██████████░░░░░░░░░░░░░░ 42%  1m 12s elapsed, about 48s left
 *     inbound   dies between 23.10 s and 31.00 s idle, narrowing
 *     outbound  no eviction yet: survived 40.0 s idle (longest idle now 41.2 s)
 *     connections: 120 idle, 3 under test, 2 opening, 14 evicted
 *     0:58 inbound evicted at 31.00 s idle
 *
 * Every line is cut to the terminal's width (cli-truncate, which counts wide and combining
 * characters), so a redraw in place never wraps and leaves stale lines behind.
 */
import { styleText } from 'node:util';
import cliTruncate from 'cli-truncate';
import prettyMilliseconds from 'pretty-ms';
import type { DiscoveryProgress } from '../../discovery/discovery-run.js';
import {
  bracketWords,
  doneFraction,
  remaining,
  type LiveEvent,
  type LiveSettings,
  type LiveState,
  type Remaining,
} from './live-state.js';

export interface TextStyle {
  columns: number;
  colour: boolean;
}

const BAR_MAX = 24;

/** "0s", "42s", "1m 12s", "2h 4m": whole seconds, two units at most. */
export function clock(ms: number): string {
  const wholeMs = Math.floor(Math.max(0, ms) / 1000) * 1000;
  return wholeMs === 0 ? '0s' : prettyMilliseconds(wholeMs, { unitCount: 2 });
}

function remainingWords(left: Remaining): string {
  switch (left.kind) {
    case 'finishing':
      return 'finishing';
    case 'estimate':
      return `about ${clock(left.ms)} left`;
    case 'up-to':
      return `up to ${clock(left.ms)} left (less once an eviction is seen)`;
    default: {
      const never: never = left;
      throw new Error(`unknown remaining ${String(never)}`);
    }
  }
}

function paint(style: TextStyle, format: Parameters<typeof styleText>[0], text: string): string {
  // The caller decided (terminal-mode.ts) for the stream it writes to, not process.stdout.
  return style.colour ? styleText(format, text, { validateStream: false }) : text;
}

function bar(fraction: number, width: number, style: TextStyle): string {
  const filled = Math.round(fraction * width);
  return paint(style, 'cyan', '█'.repeat(filled)) + paint(style, 'dim', '░'.repeat(width - filled));
}

function eventLine(event: LiveEvent, style: TextStyle): string {
  const text = event.kind === 'evicted' ? paint(style, 'red', event.text) : event.text;
  return `${clock(event.elapsedMs).padStart(7)}  ${event.direction} ${text}`;
}

function connectionsLine(progress: DiscoveryProgress, style: TextStyle): string {
  let idle = 0;
  let testing = 0;
  let opening = 0;
  let evicted = 0;
  for (const d of progress.directions) {
    idle += d.connections.idle;
    testing += d.connections.probing;
    opening += d.connections.opening;
    evicted += d.evicted;
  }
  const evictedText = paint(style, evicted > 0 ? 'red' : 'reset', `${evicted} evicted`);
  return `connections: ${idle} idle, ${testing} under test, ${opening} opening, ${evictedText}`;
}

/** The status block for an interactive terminal, one entry per line, each within `columns`. */
export function liveLines(
  state: LiveState,
  progress: DiscoveryProgress,
  settings: LiveSettings,
  style: TextStyle,
): string[] {
  const left = remaining(progress, settings);
  const fraction = doneFraction(progress.elapsedMs, left);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const tail = `${percent}  ${clock(progress.elapsedMs)} elapsed, ${remainingWords(left)}`;
  const barWidth = Math.max(0, Math.min(BAR_MAX, style.columns - 'idlescope '.length - tail.length - 1));
  const lines = [
    `idlescope ${barWidth > 0 ? `${bar(fraction, barWidth, style)} ` : ''}${tail}`,
    ...progress.directions.map((d) => `  ${d.direction.padEnd(9)} ${bracketWords(d)}`),
    `  ${connectionsLine(progress, style)}`,
    ...state.recent.map((event) => `  ${eventLine(event, style)}`),
  ];
  return lines.map((line) => cliTruncate(line, style.columns));
}

/**
 * One line for a log (no terminal): the time, the remaining time, and each direction's bracket
 * in words. Written now and then, and whenever something was evicted or finished.
 */
export function logLine(progress: DiscoveryProgress, settings: LiveSettings): string {
  const left = remaining(progress, settings);
  const directions = progress.directions.map((d) => `${d.direction} ${bracketWords(d)}`).join('; ');
  return `idlescope: ${clock(progress.elapsedMs)} elapsed, ${remainingWords(left)}: ${directions}`;
}

/** An event as a log line. */
export function eventLogLine(event: LiveEvent): string {
  return `idlescope: ${clock(event.elapsedMs)} ${event.direction} ${event.text}`;
}
