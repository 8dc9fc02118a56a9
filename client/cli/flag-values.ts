/**
 * A flag's raw text turned into a value, or a one-line UsageError that quotes what the user typed.
 * yargs is told to keep these flags as strings (its own number parsing turns "2h" into NaN and its
 * `choices` check prints a multi-line message); the parsing happens here instead.
 */
import type { HostPort } from '../../protocol/address.js';
import { AddressError, UsageError } from '../../protocol/errors.js';

/** What a string-typed yargs flag can hold: its text, its numeric default, or every value if repeated. */
export type FlagValue = string | number | readonly (string | number)[] | undefined;

/** The one value of a flag given at most once; a UsageError when it was repeated. */
export function single(name: string, value: FlagValue): string | number | undefined {
  if (!Array.isArray(value)) return value as string | number | undefined;
  throw new UsageError(`--${name} was given ${value.length} times: give it once`);
}

/** A number as typed: not the empty string, which Number() would read as 0. */
function numberOf(value: string | number): number {
  if (typeof value === 'number') return value;
  return value.trim() === '' ? Number.NaN : Number(value);
}

function shown(value: string | number): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** A positive number of seconds (no units yet), or undefined when the flag is absent. */
export function secondsFlag(name: string, raw: FlagValue): number | undefined {
  const value = single(name, raw);
  if (value === undefined) return undefined;
  const seconds = numberOf(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`--${name} must be a positive number of seconds, got ${shown(value)}`);
  return seconds;
}

/** As secondsFlag(), for a flag that must have a value (one with a default, so only a caller can omit it). */
export function requiredSecondsFlag(name: string, raw: FlagValue): number {
  const seconds = secondsFlag(name, raw);
  if (seconds === undefined) throw new UsageError(`--${name} needs a number of seconds`);
  return seconds;
}

/** A whole number from `least` to `most`. */
export function wholeNumberFlag(name: string, raw: FlagValue, least: number, most: number): number {
  const value = single(name, raw);
  const n = value === undefined ? Number.NaN : numberOf(value);
  if (!Number.isInteger(n) || n < least || n > most)
    throw new UsageError(
      `--${name} must be a whole number from ${least} to ${most}, got ` +
        `${value === undefined ? 'nothing' : shown(value)}`,
    );
  return n;
}

/** One of `choices`. */
export function choiceFlag<T extends string>(name: string, raw: FlagValue, choices: readonly T[]): T {
  const value = single(name, raw);
  const match = choices.find((choice) => choice === value);
  if (match !== undefined) return match;
  const list = `${choices.slice(0, -1).join(', ')} or ${choices.at(-1) ?? ''}`;
  throw new UsageError(`--${name} must be ${list}, got ${value === undefined ? 'nothing' : shown(value)}`);
}

/** A scheme such as http:// or ws://: a URL pasted where HOST:PORT is wanted. */
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A HOST:PORT flag, parsed by `parse`; a URL gets its own message, and a bad address is told as
 * the flag's (AddressError, naming the flag and what was typed).
 */
export function addressFlag(
  name: string,
  raw: FlagValue,
  example: string,
  parse: (text: string) => HostPort,
): HostPort {
  const value = single(name, raw);
  const text = value === undefined ? '' : String(value);
  if (URL_SCHEME.test(text.trim()))
    throw new UsageError(`--${name} takes HOST:PORT (e.g. ${example}), not a URL: ${JSON.stringify(text)}`);
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof AddressError) throw error.forFlag(`--${name}`, text);
    throw error;
  }
}
