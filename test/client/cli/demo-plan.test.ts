/**
 * The demo's plan from its flags: --max follows --timeout unless given (it used to stay at 60 s,
 * so `demo --timeout 100` reported "no direction was evicted"), durations with units, and a --max
 * given below --timeout is run but warned about. Pure: nothing is started.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_MAX_PER_TIMEOUT, demoPlan } from '../../../client/cli/demo-command.js';
import { DEFAULT_CONNECTIONS } from '../../../client/cli/search-flags.js';

const FLAGS = {
  timeout: 20,
  mode: 'drop',
  min: 1,
  connections: DEFAULT_CONNECTIONS,
  direction: 'both',
  json: false,
  quiet: true,
  verify: true,
  full: false,
};

describe('demo plan', () => {
  it('--timeout 100 without --max searches up to 3 x 100 s, with no warning', () => {
    const plan = demoPlan({ ...FLAGS, timeout: '100' });
    expect(plan.timeoutS, 'the emulated timeout').toBe(100);
    expect(plan.options.maxS, '--max follows --timeout').toBe(DEMO_MAX_PER_TIMEOUT * 100);
    expect(plan.options.maxS, '--max is at least --timeout').toBeGreaterThanOrEqual(100);
    expect(plan.warning, 'no warning').toBeNull();
  });

  it('the default --timeout keeps the old 60 s --max', () => {
    expect(demoPlan(FLAGS).options.maxS, '3 x 20 s').toBe(60);
  });

  it('takes durations with units for --timeout and --max', () => {
    const plan = demoPlan({ ...FLAGS, timeout: '2m', max: '10m' });
    expect(plan.timeoutS, '2m').toBe(120);
    expect(plan.options.maxS, '10m').toBe(600);
  });

  it('a --max given below --timeout is kept, with a warning that the demo cannot find T', () => {
    const plan = demoPlan({ ...FLAGS, timeout: '100', max: '60' });
    expect(plan.options.maxS, 'the --max given').toBe(60);
    expect(plan.warning).toBe(
      '--max (60 s) is below the emulated timeout (100 s): the demo cannot find it (leave --max out ' +
        'and it follows --timeout, 3 x)',
    );
  });
});
