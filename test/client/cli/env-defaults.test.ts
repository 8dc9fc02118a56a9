/**
 * IDLESCOPE_* defaults, pure: which variable names which flag, text kept for the flag's own
 * parser, booleans read, the flags no variable sets, and the "(from IDLESCOPE_X)" hint.
 */
import { describe, expect, it } from 'vitest';
import { attributeToEnvironment, envDefaults, envVariableFor } from '../../../client/cli/env-defaults.js';
import { UsageError } from '../../../protocol/errors.js';

const FLAGS = [
  { name: 'max', boolean: false },
  { name: 'keepalive-idle', boolean: false },
  { name: 'json', boolean: true },
  { name: 'verify', boolean: true },
  { name: 'token', boolean: false },
  { name: 'token-file', boolean: false },
  { name: 'reflector', boolean: false },
];

describe('IDLESCOPE_* defaults', () => {
  it('names each flag in upper snake case', () => {
    expect(envVariableFor('max')).toBe('IDLESCOPE_MAX');
    expect(envVariableFor('keepalive-idle')).toBe('IDLESCOPE_KEEPALIVE_IDLE');
  });

  it('keeps text as typed and reads booleans', () => {
    expect(
      envDefaults(FLAGS, {
        IDLESCOPE_MAX: '2h',
        IDLESCOPE_KEEPALIVE_IDLE: '4m',
        IDLESCOPE_JSON: 'yes',
        IDLESCOPE_VERIFY: '0',
      }),
    ).toEqual({ max: '2h', 'keepalive-idle': '4m', json: true, verify: false });
  });

  it('leaves out empty variables, flags the command does not have, and the token and reflector', () => {
    expect(
      envDefaults(FLAGS, {
        IDLESCOPE_MAX: '',
        IDLESCOPE_LISTEN: '0.0.0.0:7000',
        IDLESCOPE_DEBUG: '1',
        IDLESCOPE_TOKEN: 'secret',
        IDLESCOPE_TOKEN_FILE: '/tmp/t',
        IDLESCOPE_REFLECTOR: '127.0.0.1:7000',
      }),
    ).toEqual({});
  });

  it('refuses a boolean that is neither, naming the variable and its flag', () => {
    let error: unknown = null;
    try {
      envDefaults(FLAGS, { IDLESCOPE_JSON: 'maybe' });
    } catch (caught) {
      error = caught;
    }
    expect(error, 'class').toBeInstanceOf(UsageError);
    expect((error as UsageError).message, 'message').toBe(
      'IDLESCOPE_JSON (for --json) must be 1, true, yes, on or 0, false, no, off, got "maybe"',
    );
  });

  it('says a bad value came from its variable, only when it did', () => {
    const message = '--max must be a positive duration (...), got "2x"';
    const env = { IDLESCOPE_MAX: '2x' };
    expect(attributeToEnvironment(message, ['discover', 'h:1'], env)).toBe(`${message} (from IDLESCOPE_MAX)`);
    expect(attributeToEnvironment(message, ['discover', 'h:1', '--max', '2x'], env), 'typed').toBe(message);
    expect(attributeToEnvironment(message, ['discover', '--max=2x'], env), 'typed with =').toBe(message);
    expect(attributeToEnvironment(message, ['discover'], { IDLESCOPE_MAX: '5' }), 'another value').toBe(
      message,
    );
    const address = '--reflector: bad address "a:b:c": too many ":"';
    expect(attributeToEnvironment(address, ['discover'], { IDLESCOPE_REFLECTOR: 'a:b:c' })).toBe(
      `${address} (from IDLESCOPE_REFLECTOR)`,
    );
    expect(
      attributeToEnvironment(address, ['discover', 'a:b:c'], { IDLESCOPE_REFLECTOR: 'a:b:c' }),
      'given as the argument',
    ).toBe(address);
  });
});
