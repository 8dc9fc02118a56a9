import { QUICK_RANGE_CASES, rangeTable } from '../../bench/range-table.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/run-bench.js';
import { runBench } from '../../bench/run-bench.js';
import { renderMarkdown, renderText } from '../../bench/render.js';
import { maxMsFor, meetsAcceptance } from '../../bench/scenarios.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the bench as `npm run bench` would, bounded; resolves with its output. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/main.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bench --quick --json', () => {
  it('prints exactly one JSON document with both baselines beside idlescope for the same T', async () => {
    const { code, stdout, stderr } = await runCli(['--quick', '--json']);
    expect(code, `exit code (stderr: ${stderr})`).toBe(0);
    expect(stderr, 'quick does not write BENCH.md').not.toContain('wrote');
    const report = JSON.parse(stdout) as BenchReport;
    expect(report.schema).toBe(1);
    expect(report.quick).toBe(true);
    const timeouts = [...new Set(report.main.rows.map((r) => r.timeoutS))];
    expect(timeouts.length, 'at least one T').toBeGreaterThan(0);
    for (const t of timeouts) {
      const strategies = report.main.rows.filter((r) => r.timeoutS === t).map((r) => r.strategy);
      expect(strategies, `strategies at T=${t}`).toEqual(
        expect.arrayContaining(['idlescope', 'serial-binary', 'linear-ladder']),
      );
    }
    for (const row of report.main.rows) {
      expect(row.containsT, `${row.strategy} at T=${row.timeoutS}: honest bracket`).toBe(true);
      expect(row.hitLimit, `${row.strategy} at T=${row.timeoutS} finished`).toBe(false);
    }
    expect(report.tradeoff.cells.length).toBeGreaterThan(0);
    expect(report.noisy.length).toBeGreaterThan(0);
    for (const behaviour of ['sweep', 'loss', 'table', 'directional'] as const) {
      const rows = report.robustness.filter((r) => r.behaviour === behaviour);
      expect(rows.length, `robustness rows for ${behaviour}`).toBeGreaterThan(0);
      for (const r of rows) expect(r.runs, `${r.case}: runs`).toBeGreaterThan(0);
    }
    expect(report.memory?.rows.length, 'memory table present').toBeGreaterThan(0);
    for (const row of report.memory?.rows ?? []) {
      for (const m of [row.raw, row.idlescope]) {
        // A failed child must still leave valid JSON; report why rather than pass silently.
        expect(m.error, `${m.mode} memory child`).toBeNull();
        expect(m.established, `${m.mode}: every connection established`).toBe(m.n);
      }
    }
  });

  it('refuses an unknown option', async () => {
    const { code, stderr } = await runCli(['--bogus']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown option');
  });
});

describe('bench tables', () => {
  it('idlescope beats both baselines on wall time and meets its acceptance in the quick set', async () => {
    const report = await runBench({ quick: true, memory: false });
    for (const t of new Set(report.main.rows.map((r) => r.timeoutS))) {
      const at = (s: string): number =>
        report.main.rows.find((r) => r.timeoutS === t && r.strategy === s)?.elapsedS as number;
      expect(at('idlescope'), `T=${t}: idlescope faster than serial-binary`).toBeLessThan(
        at('serial-binary'),
      );
      expect(at('idlescope'), `T=${t}: idlescope faster than the full ladder`).toBeLessThan(
        at('linear-ladder'),
      );
    }
    expect(report.main.idlescopePassed).toBe(report.main.idlescopeRows);
    const text = renderText(report);
    expect(text).toContain('serial-binary');
    expect(text).toContain('Not run');
    expect(text).toContain('== Noisy middleboxes across seeds');
    const md = renderMarkdown(report, 'npm run bench', '## Method');
    expect(md).toMatch(/^# idlescope bench/);
    expect(md).toContain('| T (s) | strategy |');
    expect(md).toContain('## Noisy middleboxes across seeds');
    expect(md).toContain(
      '| case | searched, conns | varied | runs | truth inside | named | never contradicted |',
    );
    expect(renderMarkdown(report, 'npm run bench', '## Method'), 'rendering is deterministic').toBe(md);
  });

  it('applies the acceptance as stated: 1.1 T + 10 s and max(1 s, 1% of T)', () => {
    expect(meetsAcceptance(350_000, 1.1 * 350_000 + 10_000, 3500)).toBe(true);
    expect(meetsAcceptance(350_000, 1.1 * 350_000 + 10_001, 3500)).toBe(false);
    expect(meetsAcceptance(350_000, 350_000, 3501)).toBe(false);
    expect(meetsAcceptance(5_000, 5_000, 1000)).toBe(true);
    expect(meetsAcceptance(5_000, 5_000, null)).toBe(false);
    expect(maxMsFor(7440), 'T at --max searches a little above it').toBe(9300_000);
    expect(maxMsFor(3600)).toBe(7440_000);
  });
});

describe('the search-range table', () => {
  it('runs idlescope and the k-ary peer side by side on each range, never under the floor', () => {
    const rows = rangeTable(QUICK_RANGE_CASES);
    expect(rows.map((r) => r.strategy).sort()).toEqual(
      QUICK_RANGE_CASES.flatMap(() => ['idlescope', 'k-ary rounds']).sort(),
    );
    for (const r of rows) {
      const label = `${r.strategy} T=${r.timeoutS} ${r.minS}..${r.maxS}`;
      expect(r.bracket.containsTruth, `${label}: T inside`).toBe(true);
      // Nothing can see a silent drop before T + grace + 2 RTT: a row under it would be a bench bug.
      expect(r.elapsedS, `${label}: at or above the floor ${r.floorS} s`).toBeGreaterThanOrEqual(r.floorS);
      expect(r.overFloorS).toBeCloseTo(r.elapsedS - r.floorS, 2);
    }
  });
});
