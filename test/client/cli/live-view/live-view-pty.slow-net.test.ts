/**
 * The live view on a real pseudo-terminal: a demo run redraws its status block in place (cursor
 * escapes, the bar, colour unless NO_COLOR), and under TERM=dumb writes plain lines only. Slow: each
 * case is a real demo run of a few seconds against the embedded emulator, on loopback.
 */
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../helpers/cli.js';
import { runUnderPty } from '../../../helpers/pty.js';
import { useTeardown, type Defer } from '../../../helpers/teardown.js';

const ESC = '\u001b[';
/** ESC [ inside a RegExp source. */
const ESC_RE = '\\u001b\\[';
const ERASE_LINE = '\u001b[2K';
const CYAN = '\u001b[36m';
const DEMO = [process.execPath, '--import', 'tsx', 'client/cli/main.ts', 'demo', '--timeout', '3'];
const SHORT = ['--connections', '16', '--max', '9'];

/** A short demo on a 100-column pseudo-terminal with `extra` in its environment; it must exit 0. */
async function demoOnTerminal(defer: Defer, extra: Record<string, string>): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  // An interactive terminal is what is under test: not CI, colour not forced either way.
  delete env.CI;
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  const run = await runUnderPty(defer, [...DEMO, ...SHORT], {
    columns: 100,
    env: { ...env, ...extra },
    cwd: REPO_ROOT,
    timeoutMs: 80_000,
  });
  expect(run.code, run.output.slice(-600)).toBe(0);
  return run.output;
}

describe('the live view under a pseudo-terminal', () => {
  it(
    'redraws in place with a bar and colour, then prints the answer first',
    { timeout: 90_000 },
    async ({ onTestFinished }) => {
      const output = await demoOnTerminal(useTeardown(onTestFinished), {});
      expect(output, 'erased and redrawn in place').toContain(ERASE_LINE);
      expect(output, 'the bar').toMatch(new RegExp(`idlescope (${ESC_RE}\\d+m)?█`));
      expect(output, 'colour on a colour terminal').toContain(CYAN);
      expect(output).toMatch(/elapsed, (up to|about) /);
      // The report follows the block's last erase (log-update's clear) on the same line.
      expect(output, 'the answer first').toMatch(
        new RegExp(`(^|${ESC_RE}\\?2026l)Idle connections die after `, 'm'),
      );
    },
  );

  it('with NO_COLOR redraws without colour', { timeout: 90_000 }, async ({ onTestFinished }) => {
    const output = await demoOnTerminal(useTeardown(onTestFinished), { NO_COLOR: '1' });
    expect(output).toContain(ERASE_LINE);
    expect(output, 'no colour or dim').not.toMatch(new RegExp(`${ESC_RE}(3\\d|9\\d|2|1)m`));
  });

  it(
    'with TERM=dumb writes plain lines, no escapes at all',
    { timeout: 90_000 },
    async ({ onTestFinished }) => {
      const output = await demoOnTerminal(useTeardown(onTestFinished), { TERM: 'dumb' });
      expect(output).not.toContain(ESC);
      expect(output).toMatch(/^idlescope: \d+s elapsed, /m);
      expect(output).toMatch(/^idlescope: \d+s (inbound|outbound) evicted at /m);
    },
  );
});
