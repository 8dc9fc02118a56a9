import { describe, expect, it } from 'vitest';
import { addressFlag, choiceFlag, secondsFlag, wholeNumberFlag } from '../../../client/cli/flag-values.js';
import { parseHostPort } from '../../../protocol/address.js';
import { AddressError, IdlescopeError, UsageError } from '../../../protocol/errors.js';

/** Runs `parse` and returns what it threw, checked to be an IdlescopeError. */
function thrown(parse: () => unknown): IdlescopeError {
  let error: unknown = null;
  try {
    parse();
  } catch (caught) {
    error = caught;
  }
  expect(error, 'threw an IdlescopeError').toBeInstanceOf(IdlescopeError);
  return error as IdlescopeError;
}

describe('flag values', () => {
  it('reads seconds as typed, and a default number as is', () => {
    expect(secondsFlag('max', '2.5')).toBe(2.5);
    expect(secondsFlag('max', 7440)).toBe(7440);
    expect(secondsFlag('grace', undefined)).toBeUndefined();
  });

  it.each([
    ['2h', '"2h"'],
    ['', '""'],
    ['0', '"0"'],
    ['-1', '"-1"'],
    ['Infinity', '"Infinity"'],
  ])('rejects --max %j quoting it', (raw, shown) => {
    const error = thrown(() => secondsFlag('max', raw));
    expect(error, 'class').toBeInstanceOf(UsageError);
    expect(error.code, 'code').toBe('IDLESCOPE_USAGE');
    expect(error.message, 'message').toBe(`--max must be a positive number of seconds, got ${shown}`);
  });

  it('rejects a flag given twice', () => {
    const error = thrown(() => secondsFlag('max', ['5', '6']));
    expect(error, 'class').toBeInstanceOf(UsageError);
    expect(error.message, 'message').toBe('--max was given 2 times: give it once');
  });

  it('reads a whole number in range, and rejects others quoting them', () => {
    expect(wholeNumberFlag('connections', '16', 4, 100)).toBe(16);
    const error = thrown(() => wholeNumberFlag('connections', '2.5', 4, 100));
    expect(error, 'class').toBeInstanceOf(UsageError);
    expect(error.message, 'message').toBe('--connections must be a whole number from 4 to 100, got "2.5"');
  });

  it('reads one of the choices, and lists them otherwise', () => {
    expect(choiceFlag('direction', 'inbound', ['inbound', 'outbound', 'both'])).toBe('inbound');
    const error = thrown(() => choiceFlag('direction', 'up', ['inbound', 'outbound', 'both']));
    expect(error, 'class').toBeInstanceOf(UsageError);
    expect(error.code, 'code').toBe('IDLESCOPE_USAGE');
    expect(error.message, 'message').toBe('--direction must be inbound, outbound or both, got "up"');
  });

  it('tells a URL from a bad address, each as the flag names it', () => {
    const parse = (text: string) => parseHostPort(text, 7000);
    expect(addressFlag('reflector', '127.0.0.1:7001', 'x', parse)).toEqual({ host: '127.0.0.1', port: 7001 });
    const url = thrown(() => addressFlag('reflector', 'http://127.0.0.1:7000', '127.0.0.1:7000', parse));
    expect(url, 'class').toBeInstanceOf(UsageError);
    expect(url.message, 'message').toBe(
      '--reflector takes HOST:PORT (e.g. 127.0.0.1:7000), not a URL: "http://127.0.0.1:7000"',
    );
    const bad = thrown(() => addressFlag('reflector', 'a:b:c', '127.0.0.1:7000', parse));
    expect(bad, 'class').toBeInstanceOf(AddressError);
    expect(bad.code, 'code').toBe('IDLESCOPE_BAD_ADDRESS');
    expect(bad.message, 'message').toBe('--reflector: bad address "a:b:c": too many ":"');
  });
});
