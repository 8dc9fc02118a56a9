import { describe, expect, it } from 'vitest';
import { thrown as thrownAs } from '../../helpers/thrown.js';
import {
  addressFlag,
  choiceFlag,
  durationSeconds,
  secondsFlag,
  wholeNumberFlag,
  wholeSecondsFlag,
} from '../../../client/cli/flag-values.js';
import { parseHostPort } from '../../../protocol/address.js';
import { AddressError, IdlescopeError, UsageError } from '../../../protocol/errors.js';

const FORMS = '(90, 90s, 15m, 2h or 1h30m; a plain number is seconds)';

/** Runs `parse` and returns what it threw, checked to be an IdlescopeError. */
describe('flag values', () => {
  it('reads seconds as typed, and a default number as is', () => {
    expect(secondsFlag('max', '2.5')).toBe(2.5);
    expect(secondsFlag('max', 7440)).toBe(7440);
    expect(secondsFlag('grace', undefined)).toBeUndefined();
  });

  it.each([
    ['90', 90],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1h30m', 5400],
    ['1h 30m', 5400],
    ['2m30s', 150],
    ['500ms', 0.5],
    ['1.5s', 1.5],
    ['0.25h', 900],
    [' 45s ', 45],
  ])('reads the duration %j as %d s', (text, seconds) => {
    expect(durationSeconds(text), `durationSeconds(${JSON.stringify(text)})`).toBe(seconds);
    expect(secondsFlag('max', text), `--max ${text}`).toBe(seconds);
  });

  it.each([
    // parse-duration alone would read these: units it skips, or a bare number after a unit.
    ['2x'],
    ['5 apples 3s'],
    ['1h30'],
    ['20sec'],
    ['3d'],
    ['2H'],
    // Number() alone would read these.
    ['1e3'],
    ['0x10'],
    ['Infinity'],
    [''],
    ['   '],
    ['s'],
    ['-5s'],
    ['+5'],
  ])('%j is not a duration', (text) => {
    expect(durationSeconds(text), `durationSeconds(${JSON.stringify(text)})`).toBeNull();
  });

  it.each([
    ['2x', '"2x"'],
    ['', '""'],
    ['0', '"0"'],
    ['0s', '"0s"'],
    ['-1', '"-1"'],
    ['Infinity', '"Infinity"'],
  ])('rejects --max %j quoting it, on one line', (raw, shown) => {
    const error = thrown(() => secondsFlag('max', raw));
    expect(error, 'class').toBeInstanceOf(UsageError);
    expect(error.code, 'code').toBe('IDLESCOPE_USAGE');
    expect(error.message, 'message').toBe(`--max must be a positive duration ${FORMS}, got ${shown}`);
  });

  it('reads whole seconds with units, and refuses what is not whole or out of range', () => {
    expect(wholeSecondsFlag('keepalive-idle', '4m', 1, 32767)).toBe(240);
    expect(wholeSecondsFlag('keepalive-idle', '240', 1, 32767)).toBe(240);
    expect(wholeSecondsFlag('keepalive-idle', '2000ms', 1, 32767)).toBe(2);
    for (const raw of ['1.5', '1500ms', '10h', '0'])
      expect(thrown(() => wholeSecondsFlag('keepalive-idle', raw, 1, 32767)).message, raw).toBe(
        `--keepalive-idle must be whole seconds from 1 to 32767 ${FORMS}, got ${JSON.stringify(raw)}`,
      );
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

function thrown(run: () => unknown): IdlescopeError {
  return thrownAs(run, IdlescopeError);
}
