import { describe, expect, it } from 'vitest';
import { usageLine } from '../../../client/cli/usage-line.js';

const COMMANDS = ['discover', 'reflector', 'demo'];

describe('usageLine', () => {
  it.each([
    ['Unknown argument: frob', ['discover', '--frob'], 'unknown flag --frob'],
    ['Unknown argument: f', ['discover', '-f'], 'unknown flag -f'],
    ['Unknown argument: frob', ['discover', '--frob=1'], 'unknown flag --frob'],
    ['Unknown arguments: foo-bar, fooBar', ['discover', '--foo-bar'], 'unknown flag --foo-bar'],
    ['Unknown arguments: a, b', ['discover', '--a', '--b'], 'unknown flags --a, --b'],
    ['Unknown argument: extra', ['discover', 'extra'], 'unexpected argument "extra"'],
    ['Unknown arguments: x, y', ['discover', '--x', 'y'], 'unknown flag --x; unexpected argument "y"'],
    ['Unknown argument: frob', ['frob'], 'unknown command "frob": name one of discover, reflector or demo'],
    ['Did you mean discover?', ['discovr'], 'unknown command "discovr": did you mean discover?'],
    ['Missing required argument: reflector', ['discover'], 'missing required flag --reflector'],
    ['Not enough arguments following: max', ['discover', '--max'], '--max needs a value'],
    [
      'Invalid values:\n  Argument: mode, Given: "x", Choices: "a", "b"',
      ['demo'],
      'Invalid values: Argument: mode, Given: "x", Choices: "a", "b"',
    ],
  ])('%j after %j reads %j', (message, args, line) => {
    expect(usageLine(message, args, COMMANDS)).toBe(line);
  });
});
