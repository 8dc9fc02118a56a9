import { describe, expect, it } from 'vitest';
import { thrown as thrownAs } from '../../helpers/thrown.js';
import { UsageError } from '../../../protocol/errors.js';
import { connectionLimitsFrom } from '../../../client/cli/connection-limit-flags.js';
import { DEFAULT_CONNECTION_LIMITS, connectionLimits } from '../../../reflector/connection-limits.js';

describe('connectionLimitsFrom', () => {
  it('leaves every limit to its default without flags', () => {
    expect(connectionLimits(connectionLimitsFrom({}))).toEqual(DEFAULT_CONNECTION_LIMITS);
  });

  it('reads seconds as milliseconds, bytes as bytes, and gives the events a burst of twice the rate', () => {
    expect(
      connectionLimits(
        connectionLimitsFrom({
          controlPauseBytes: '65536',
          controlHardBytes: '1048576',
          controlDrain: '2.5',
          maxEventsPerS: '300',
          maxSessionLife: '3600',
          maxIdle: '7500',
          helloTimeout: '3',
          maxMessageBytes: '1024',
        }),
      ),
    ).toEqual({
      controlPauseBytes: 65_536,
      controlHardBytes: 1_048_576,
      controlDrainMs: 2500,
      maxEventsPerS: 300,
      eventBurst: 600,
      maxSessionLifeMs: 3_600_000,
      maxIdleMs: 7_500_000,
      helloTimeoutMs: 3000,
      maxMessageBytes: 1024,
    });
  });

  it('refuses values that make no sense, naming the flag', () => {
    expect(thrown(() => connectionLimitsFrom({ maxIdle: '0' })).message).toBe(
      '--max-idle must be a positive duration (90, 90s, 15m, 2h or 1h30m; a plain number is seconds), ' +
        'got "0"',
    );
    expect(thrown(() => connectionLimitsFrom({ maxMessageBytes: '100000' })).message).toBe(
      '--max-message-bytes must be a whole number from 512 to 4096, got "100000"',
    );
    expect(thrown(() => connectionLimitsFrom({ maxEventsPerS: '1.5' })).message).toMatch(
      /^--max-events-per-s/,
    );
    expect(thrown(() => connectionLimitsFrom({ controlHardBytes: '1000' })).message).toBe(
      'reflector limits: controlHardBytes must be at least controlPauseBytes',
    );
  });
});

function thrown(run: () => unknown): UsageError {
  return thrownAs(run, UsageError);
}
