/**
 * The run history through the real CLI: discover saves each run (--save DIR, or the state
 * directory by default; --no-save: nowhere), compares it with the earlier runs from its network,
 * writes --html; `history` lists the runs, `report` renders a saved one. Every directory is a
 * temporary one made here, and the children get a temporary XDG_STATE_HOME: never the real home.
 * Slow: three real discover runs to --max 2 s on loopback, and the CLI's start-up, about 25 s.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveRun } from '../../../client/history/run-store.js';
import { formatHostPort } from '../../../protocol/address.js';
import { startReflector } from '../../helpers/loopback-stack.js';
import { runCli } from '../../helpers/cli.js';
import { useTeardown, type Defer } from '../../helpers/teardown.js';
import { savedRun } from '../history/fixtures.js';

const WEEK_MS = 7 * 86_400_000;
const RUN_MS = 30_000;

async function tempDir(defer: Defer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'idlescope-cli-history-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const discoverArgs = (reflector: string): string[] => [
  'discover',
  '--reflector',
  reflector,
  '--min',
  '1',
  '--max',
  '2',
  '--connections',
  '8',
  '--no-verify',
  '--quiet',
];

describe('the run history, through the CLI', () => {
  it(
    "saves runs, compares one with last week's from the same network, lists them and renders one",
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { reflectorAddress } = await startReflector(defer);
      const reflector = formatHostPort(reflectorAddress);
      const home = await tempDir(defer);
      const env = { XDG_STATE_HOME: join(home, 'state') };
      const dir = join(home, 'runs');
      const lastWeek = savedRun({
        startedAt: new Date(Date.now() - WEEK_MS).toISOString(),
        network: '127.0.0.1',
        timeoutS: 350,
      });
      await saveRun(dir, lastWeek);

      const html = join(home, 'run.html');
      const run = await runCli(
        defer,
        [...discoverArgs(reflector), '--save', dir, '--html', html],
        RUN_MS,
        env,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        /\n\nEarlier runs from this network:\n {2}From this network \(127\.0\.0\.1\) once before: last week 350 s, now no eviction up to 2(\.\d+)? s\.\n {2}\d{4}-\d\d-\d\d \d\d:\d\d \(last week\): 350 s \(inbound, silent drop\), keepalive 240 s \/ 10 s × 3; via reflector\.test:7000\n$/,
      );
      const saved = (await readdir(dir)).filter((n) => n.endsWith('_127.0.0.1.json'));
      expect(saved.length, `saved runs in ${dir}: ${saved.join(', ')}`).toBe(2);
      expect(run.stderr).toContain(`idlescope: run saved to ${dir}/`);
      expect(run.stderr).toContain(`idlescope: HTML report written to ${html}`);
      const page = await readFile(html, 'utf8');
      expect(page.startsWith('<!doctype html>')).toBe(true);
      expect(page).toContain('last week 350 s, now no eviction up to');

      const listed = await runCli(defer, ['history', '--dir', dir, '--json'], RUN_MS, env);
      expect(listed.code, listed.stderr).toBe(0);
      const document = JSON.parse(listed.stdout) as {
        dir: string;
        runs: { started_at: string; public_address: string; result: string; recommendation: string }[];
        unreadable: number;
      };
      expect(document.dir).toBe(dir);
      expect(document.unreadable).toBe(0);
      expect(document.runs.map((r) => [r.public_address, r.result, r.recommendation])).toEqual([
        ['127.0.0.1', '350 s (inbound, silent drop)', 'keepalive 240 s / 10 s × 3'],
        ['127.0.0.1', expect.stringMatching(/^no eviction up to 2(\.\d+)? s$/), 'none needed'],
      ]);
      expect(document.runs[0]?.started_at).toBe(lastWeek.started_at);

      const text = await runCli(defer, ['history', '--dir', dir], RUN_MS, env);
      const lines = text.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`2 runs saved in ${dir}:`);
      expect(lines[1]).toMatch(/^date \(UTC\) +public address +result +recommendation +reflector$/);
      expect(lines[2]).toMatch(
        /^\d{4}-\d\d-\d\d \d\d:\d\d +127\.0\.0\.1 +350 s \(inbound, silent drop\) +keepalive/,
      );
      expect(lines[3]).toMatch(
        /^\d{4}-\d\d-\d\d \d\d:\d\d +127\.0\.0\.1 +no eviction up to 2(\.\d+)? s +none needed +127\.0\.0\.1:\d+$/,
      );

      const newest = join(dir, saved.sort()[1] as string);
      const rendered = join(home, 'again.html');
      const report = await runCli(
        defer,
        ['report', newest, '--html', rendered, '--history', dir],
        RUN_MS,
        env,
      );
      expect(report.code, report.stderr).toBe(0);
      const again = await readFile(rendered, 'utf8');
      expect(again).toContain('last week 350 s, now no eviction up to');
      expect(again).toContain(`idlescope report: ${reflector}`);

      // Nothing so far went to the state directory: every run named --save.
      expect(await readdir(home)).not.toContain('state');
    },
  );

  it(
    'saves into the state directory by default, and nowhere with --no-save',
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { reflectorAddress } = await startReflector(defer);
      const reflector = formatHostPort(reflectorAddress);
      const home = await tempDir(defer);
      const env = { XDG_STATE_HOME: join(home, 'state') };
      const unsaved = await runCli(defer, [...discoverArgs(reflector), '--no-save', '--json'], RUN_MS, env);
      expect(unsaved.code, unsaved.stderr).toBe(0);
      expect(await readdir(home)).toEqual([]);
      expect(unsaved.stderr).not.toContain('run saved');

      const saved = await runCli(defer, [...discoverArgs(reflector), '--json'], RUN_MS, env);
      expect(saved.code, saved.stderr).toBe(0);
      const runs = await readdir(join(home, 'state', 'idlescope', 'runs'));
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z_127\.0\.0\.1\.json$/);
      // The file is the run's JSON document, as printed.
      const file = await readFile(join(home, 'state', 'idlescope', 'runs', runs[0] as string), 'utf8');
      expect(JSON.parse(file)).toEqual(JSON.parse(saved.stdout));
    },
  );

  it(
    'fails with IDLESCOPE_REPORT_FILE on a file that is not a report',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const home = await tempDir(defer);
      const missing = await runCli(
        defer,
        ['report', join(home, 'none.json'), '--html', join(home, 'x.html')],
        RUN_MS,
      );
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^idlescope: report .*none\.json: cannot read it: ENOENT/);
    },
  );
});
