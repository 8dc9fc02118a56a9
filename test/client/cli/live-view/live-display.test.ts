import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LOG_INTERVAL_MS, createProgressDisplay } from '../../../../client/cli/live-view/live-display.js';
import type { DiscoveryProgress } from '../../../../client/discovery/discovery-run.js';
import type { SearchProgress } from '../../../../client/search/types.js';

const S = 1000;
const SETTINGS = { maxMs: 60 * S, graceMs: 1.5 * S };

/** A stream that records what is written, optionally claiming to be a terminal. */
function sink(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { isTTY, columns: 80, text: () => chunks.join('') });
}

function snapshot(elapsedMs: number, inbound: Partial<SearchProgress>): DiscoveryProgress {
  return {
    elapsedMs,
    nowMs: elapsedMs,
    directions: [
      {
        direction: 'inbound',
        survivedMs: null,
        evictedMs: null,
        connections: { idle: 10, probing: 0, opening: 0 },
        evicted: 0,
        finished: false,
        etaMs: null,
        oldestIdleMs: elapsedMs,
        ...inbound,
      },
    ],
  };
}

async function feed(stream: ReturnType<typeof sink>, env: NodeJS.ProcessEnv): Promise<string[]> {
  const display = await createProgressDisplay(stream, SETTINGS, env);
  display.update(snapshot(1 * S, {}));
  display.update(snapshot(2 * S, { survivedMs: 1 * S }));
  display.update(snapshot(5 * S, { survivedMs: 4 * S, evictedMs: 4.5 * S, etaMs: 14 * S }));
  display.update(
    snapshot(1 * S + LOG_INTERVAL_MS, { survivedMs: 4.4 * S, evictedMs: 4.5 * S, etaMs: 14 * S }),
  );
  display.update(snapshot(12 * S, { survivedMs: 4.4 * S, evictedMs: 4.5 * S, finished: true }));
  display.done();
  return stream.text().split('\n').filter(Boolean);
}

describe('createProgressDisplay, line by line', () => {
  const expected = [
    'idlescope: 1s elapsed, up to 1m left (less once an eviction is seen): ' +
      'inbound searching (longest idle now 1.00 s)',
    'idlescope: 5s inbound evicted at 4.50 s idle',
    'idlescope: 11s elapsed, about 3s left: inbound dies between 4.40 s and 4.50 s idle, narrowing',
    'idlescope: 12s inbound done',
  ];

  it('not a terminal: a status line every 10 s, every eviction and finish at once, no escapes', async () => {
    const lines = await feed(sink(false), { TERM: 'xterm-256color' });
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(expected[0]);
    expect(lines[1]).toBe(expected[1]);
    expect(lines[2]).toBe(expected[2]);
    expect(lines[3]).toBe(expected[3]);
    expect(lines.join('\n')).not.toContain('\u001b');
  });

  it('a terminal with TERM=dumb: the same lines, no escapes', async () => {
    const lines = await feed(sink(true), { TERM: 'dumb' });
    expect(lines[0]).toBe(expected[0]);
    expect(lines.join('\n')).not.toContain('\u001b');
  });

  it('a terminal under CI: the same lines, no escapes', async () => {
    const lines = await feed(sink(true), { TERM: 'xterm-256color', CI: 'true' });
    expect(lines[0]).toBe(expected[0]);
    expect(lines.join('\n')).not.toContain('\u001b');
  });
});
