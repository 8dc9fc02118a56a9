/**
 * The HTML report in a real browser: Debian's headless Chromium, driven by playwright-core. A real
 * run on loopback through the emulator (silent drop at 2.5 s) is rendered to a file and opened as
 * a person would open it (file://). The page must render without a console error, fetch nothing
 * (every request is recorded: only the page itself may be one), and its chart must mark the run's
 * own bracket, read back from the SVG. A screenshot is kept in test-artifacts/ (gitignored).
 *
 * Needs /usr/bin/chromium (.ci/run installs it): under CI=true a missing browser fails the suite,
 * elsewhere it skips with the reason. Slow: one real run to --max 6 s and a browser start.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runDiscovery } from '../../../client/discovery/discovery-run.js';
import { renderHtml } from '../../../client/report/html/html-report.js';
import { toJsonReport } from '../../../client/report/report.js';
import { startStack } from '../../helpers/loopback-stack.js';
import { loopbackDiscovery } from '../../helpers/loopback-discovery.js';
import { useTeardown } from '../../helpers/teardown.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
/** The flags this machine's closed network needs (see the environment notes): no background fetches. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOT = join(REPO_ROOT, 'test-artifacts', 'html-report.png');
/** The survival chart's geometry (survival-chart.ts): the plot starts at x = 90 and is 640 wide. */
const PLOT_LEFT = 90;
const PLOT_WIDTH = 640;

const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing !== null && process.env['CI'] === 'true') {
  describe('the HTML report in headless Chromium', () => {
    it('has a browser on CI', () => {
      throw new Error(`Chromium unavailable on CI: ${missing}`);
    });
  });
}

describe.skipIf(missing !== null)(
  `the HTML report in headless Chromium${missing === null ? '' : ` (skipped: ${missing})`}`,
  () => {
    it(
      'renders a real run without console errors or requests, marking its bracket',
      { timeout: 120_000 },
      async ({ onTestFinished }) => {
        const defer = useTeardown(onTestFinished);
        const { front } = await startStack(defer, { mode: 'drop', timeoutMs: 2500 });
        const outcome = await runDiscovery(loopbackDiscovery(front, 6));
        expect(outcome.end).toBe('complete');
        const report = toJsonReport(outcome.report);
        const work = await mkdtemp(join(tmpdir(), 'idlescope-html-'));
        defer(() => rm(work, { recursive: true, force: true }));
        const file = join(work, 'report.html');
        await writeFile(
          file,
          renderHtml(report, {
            history: ['From this network (127.0.0.1) once before: last week 3 s, now 2.5 s (0.5 s shorter).'],
          }),
        );

        const context = await chromium.launchPersistentContext(join(work, 'profile'), {
          executablePath: CHROMIUM,
          headless: true,
          args: CHROMIUM_ARGS,
          viewport: { width: 900, height: 900 },
        });
        defer(() => context.close());
        const page = await context.newPage();
        const requests: string[] = [];
        const problems: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        const url = pathToFileURL(file).href;
        await page.goto(url, { waitUntil: 'load', timeout: 30_000 });

        expect(problems, 'console errors and warnings').toEqual([]);
        expect(requests, 'requests: the page itself, nothing else').toEqual([url]);
        expect(await page.textContent('#answer')).toMatch(/^Idle connections die after /);

        for (const direction of ['inbound', 'outbound'] as const) {
          const result = report.directions[direction];
          expect(result?.evicted_s, `${direction} was evicted`).not.toBeNull();
          const group = page.locator(`svg.survival-chart g.direction[data-direction="${direction}"]`);
          const line = async (cls: string): Promise<{ s: number; x: number }> => {
            const element = group.locator(`line.${cls}`);
            return {
              s: Number(await element.getAttribute('data-s')),
              x: Number(await element.getAttribute('x1')),
            };
          };
          const marked = {
            survived: await line('bracket-survived'),
            evicted: await line('bracket-evicted'),
            band: (await group.locator('rect.bracket-band').count()) === 1,
            labels: await group.locator('text.bracket-label').allTextContents(),
            axisMaxS: Number(await page.locator('svg.survival-chart').getAttribute('data-axis-max-s')),
            tests: await group.locator('circle.test').count(),
          };
          expect(marked.survived?.s, `${direction}: the survived line`).toBe(result?.survived_s);
          expect(marked.evicted?.s, `${direction}: the evicted line`).toBe(result?.evicted_s);
          expect(marked.band, `${direction}: the bracket's band`).toBe(true);
          // Where the lines are drawn is where those values fall on the axis.
          for (const end of [marked.survived, marked.evicted]) {
            expect(end?.x).toBeCloseTo(PLOT_LEFT + ((end?.s ?? 0) / marked.axisMaxS) * PLOT_WIDTH, 0);
          }
          expect(marked.labels).toEqual([
            expect.stringMatching(/^survives \d+(\.\d+)? s$/),
            expect.stringMatching(/^evicted \d+(\.\d+)? s$/),
          ]);
          const tests = report.probes.filter((p) => p.direction === direction).flatMap((p) => p.tests);
          expect(marked.tests, `${direction}: one dot per test`).toBe(tests.length);
        }
        // How each eviction showed is drawn, not only told on hover: the emulator drops silently.
        const silent = report.probes.flatMap((p) => p.tests).filter((t) => t.how === 'silent-drop');
        expect(silent.length, 'the emulated drop evicted by silent drop').toBeGreaterThan(0);
        expect(await page.locator('svg.probe-timeline circle.test.evicted.silent-drop').count()).toBe(
          silent.length,
        );
        const rows = await page.locator('svg.probe-timeline g.probe').count();
        expect(rows, 'one timeline row per probe connection').toBe(report.probes.length);
        expect(await page.locator('.nat').getAttribute('data-port-preservation')).toBe(
          report.nat?.port_preservation,
        );

        await mkdir(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        expect(existsSync(SCREENSHOT)).toBe(true);
      },
    );
  },
);
