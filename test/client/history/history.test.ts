import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultHistoryDir } from '../../../client/history/state-dir.js';
import { listRuns, runFileName, saveRun } from '../../../client/history/run-store.js';
import { compareWithHistory, relativeTime } from '../../../client/history/run-comparison.js';
import { summarizeRun } from '../../../client/history/run-summary.js';
import { HistoryError } from '../../../protocol/errors.js';
import { savedRun } from './fixtures.js';

const NOW = new Date('2026-12-01T18:00:00.000Z');
const DAY_MS = 86_400_000;
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();

async function tempDir(onTestFinished: (fn: () => Promise<void>) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'idlescope-history-test-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('the history directory', () => {
  it('is $XDG_STATE_HOME/idlescope/runs, or ~/.local/state when it is unset or relative', () => {
    expect(defaultHistoryDir({ XDG_STATE_HOME: '/var/state' }, '/home/a')).toBe('/var/state/idlescope/runs');
    expect(defaultHistoryDir({}, '/home/a')).toBe('/home/a/.local/state/idlescope/runs');
    expect(defaultHistoryDir({ XDG_STATE_HOME: 'relative/state' }, '/home/a')).toBe(
      '/home/a/.local/state/idlescope/runs',
    );
  });

  it('is a temporary one in every suite, never the real home (test/state-dir-setup.ts)', () => {
    const state = process.env['XDG_STATE_HOME'] ?? '';
    expect(state.startsWith(tmpdir()), `XDG_STATE_HOME=${state}`).toBe(true);
    expect(defaultHistoryDir().startsWith(state)).toBe(true);
  });
});

describe('saving and listing runs', () => {
  it('names a run by when it started and its public address', () => {
    const run = savedRun({ startedAt: '2026-12-01T18:03:22.123Z', network: '198.51.100.7', timeoutS: 350 });
    expect(runFileName(run)).toBe('2026-12-01T18-03-22.123Z_198.51.100.7.json');
    const v6 = savedRun({ startedAt: '2026-12-01T18:03:22.123Z', network: '2001:db8::7', timeoutS: 350 });
    expect(runFileName(v6)).toBe('2026-12-01T18-03-22.123Z_2001-db8-7.json');
    const unknown = savedRun({ startedAt: '2026-12-01T18:03:22.123Z', network: null, timeoutS: null });
    expect(runFileName(unknown)).toBe('2026-12-01T18-03-22.123Z_unknown-network.json');
  });

  it('lists saved runs oldest first, passing over files that are not reports', async ({ onTestFinished }) => {
    const dir = join(await tempDir(onTestFinished), 'nested', 'runs');
    const newer = savedRun({ startedAt: ago(DAY_MS), network: '198.51.100.7', timeoutS: 300 });
    const older = savedRun({ startedAt: ago(7 * DAY_MS), network: '198.51.100.7', timeoutS: 350 });
    await saveRun(dir, newer);
    await saveRun(dir, older);
    await writeFile(join(dir, 'notes.json'), '{"schema": 2}');
    await writeFile(join(dir, 'broken.json'), '{');
    const { runs, unreadable } = await listRuns(dir);
    expect(runs.map((r) => r.report.started_at)).toEqual([older.started_at, newer.started_at]);
    expect(runs[0]?.report).toEqual(older);
    expect(unreadable).toBe(2);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('reads a missing directory as an empty history', async ({ onTestFinished }) => {
    const dir = await tempDir(onTestFinished);
    expect(await listRuns(join(dir, 'none'))).toEqual({ runs: [], unreadable: 0 });
  });

  it('fails with IDLESCOPE_HISTORY where the directory cannot be made', async ({ onTestFinished }) => {
    const dir = await tempDir(onTestFinished);
    await writeFile(join(dir, 'file'), 'not a directory');
    const failure = saveRun(
      join(dir, 'file', 'runs'),
      savedRun({ startedAt: ago(0), network: null, timeoutS: null }),
    );
    await expect(failure).rejects.toBeInstanceOf(HistoryError);
    await expect(failure).rejects.toMatchObject({
      code: 'IDLESCOPE_HISTORY',
      message: expect.stringMatching(/^run history in .*file\/runs: ENOTDIR/),
    });
  });
});

describe('comparing with earlier runs from the same network', () => {
  it('says how the timeout moved since the last run from this network', () => {
    const now = savedRun({ startedAt: NOW.toISOString(), network: '198.51.100.7', timeoutS: 300 });
    const earlier = [
      savedRun({ startedAt: ago(7 * DAY_MS), network: '198.51.100.7', timeoutS: 350 }),
      savedRun({
        startedAt: ago(30 * DAY_MS),
        network: '198.51.100.7',
        timeoutS: 350,
        reflector: 'other.test:7000',
      }),
      savedRun({ startedAt: ago(DAY_MS), network: '203.0.113.9', timeoutS: 60 }),
    ];
    expect(compareWithHistory(now, earlier, NOW)).toEqual([
      'From this network (198.51.100.7) 2 times before: last week 350 s, now 300 s (50 s shorter).',
      '2026-11-24 18:00 (last week): 350 s (inbound, silent drop), keepalive 240 s / 10 s × 3; ' +
        'via reflector.test:7000',
      '2026-11-01 18:00 (last month): 350 s (inbound, silent drop), keepalive 240 s / 10 s × 3; ' +
        'via other.test:7000',
    ]);
  });

  it('calls answers within a second the same, and words a run with no eviction', () => {
    const now = savedRun({ startedAt: NOW.toISOString(), network: '198.51.100.7', timeoutS: 350.4 });
    const same = [savedRun({ startedAt: ago(DAY_MS), network: '198.51.100.7', timeoutS: 350 })];
    expect(compareWithHistory(now, same, NOW)[0]).toBe(
      'From this network (198.51.100.7) once before: yesterday 350 s, now 350 s (the same).',
    );
    const none = savedRun({ startedAt: NOW.toISOString(), network: '198.51.100.7', timeoutS: null });
    expect(compareWithHistory(none, same, NOW)[0]).toBe(
      'From this network (198.51.100.7) once before: yesterday 350 s, now no eviction up to 10 s.',
    );
  });

  it('compares nothing without a network, or with no earlier run from it', () => {
    const unknown = savedRun({ startedAt: NOW.toISOString(), network: null, timeoutS: 300 });
    const earlier = [savedRun({ startedAt: ago(DAY_MS), network: '198.51.100.7', timeoutS: 350 })];
    expect(compareWithHistory(unknown, earlier, NOW)).toEqual([]);
    const elsewhere = savedRun({ startedAt: NOW.toISOString(), network: '192.0.2.1', timeoutS: 300 });
    expect(compareWithHistory(elsewhere, earlier, NOW)).toEqual([]);
    // A run is not compared with itself (the same start), as when a saved run is rendered again.
    const itself = savedRun({ startedAt: ago(DAY_MS), network: '198.51.100.7', timeoutS: 350 });
    expect(compareWithHistory(itself, earlier, NOW)).toEqual([]);
  });

  it('words how long ago', () => {
    expect(relativeTime(new Date(NOW.getTime() - 5 * 60_000), NOW)).toBe('5 minutes ago');
    expect(relativeTime(new Date(NOW.getTime() - 3 * 3_600_000), NOW)).toBe('3 hours ago');
    expect(relativeTime(new Date(ago(DAY_MS)), NOW)).toBe('yesterday');
    expect(relativeTime(new Date(ago(3 * DAY_MS)), NOW)).toBe('3 days ago');
    expect(relativeTime(new Date(ago(14 * DAY_MS)), NOW)).toBe('2 weeks ago');
    expect(relativeTime(new Date(ago(400 * DAY_MS)), NOW)).toBe('last year');
  });

  it('summarizes a run for the listing', () => {
    expect(summarizeRun(savedRun({ startedAt: ago(0), network: '198.51.100.7', timeoutS: 350 }))).toEqual({
      startedAt: NOW.toISOString(),
      network: '198.51.100.7',
      reflector: 'reflector.test:7000',
      timeoutS: 350,
      result: '350 s (inbound, silent drop)',
      recommendation: 'keepalive 240 s / 10 s × 3',
    });
  });
});
