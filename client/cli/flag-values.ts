/**
 * A flag's raw text turned into a value, or a one-line UsageError that quotes what the user typed.
 * yargs is told to keep these flags as strings (its own number parsing turns "2h" into NaN and its
 * `choices` check prints a multi-line message); the parsing happens here instead, so every flag of
 * a kind (every duration, every count) follows the same rules and says the same thing when wrong.
 *
 * Durations: a plain number is seconds (`90`, `1.5`); otherwise one or more parts of a number and
 * a unit, ms, s, m or h (`90s`, `15m`, `2h`, `1h30m`, `500ms`). The shape is checked here first,
 * because parse-duration alone is lenient: it skips words it does not know ("5 apples 3s" is 3 s,
 * "1h30" is 1 h 30 min); parse-duration then does the units and the sum.
 */
import parseDuration from 'parse-duration';
import type { HostPort } from '../../protocol/address.js';
import { AddressError, UsageError } from '../../protocol/errors.js';

/** What a string-typed yargs flag can hold: its text, its numeric default, or every value if repeated. */
export type FlagValue = string | number | readonly (string | number)[] | undefined;

function single(name: string, value: FlagValue): string | number | undefined {
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

/** A number as written in a duration: digits with an optional fraction (no exponent, sign or hex). */
const PLAIN_NUMBER = /^(?:\d+(?:\.\d+)?|\.\d+)$/;
const NUMBER_WITH_UNIT = String.raw`(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h)`;
/** One or more parts, each a number and a unit, optionally spaced: "1h30m", "1h 30m", "500ms". */
const WITH_UNITS = new RegExp(`^${NUMBER_WITH_UNIT}(?:\\s*${NUMBER_WITH_UNIT})*$`);

/** The examples every duration message gives. */
export const DURATION_FORMS = '90, 90s, 15m, 2h or 1h30m; a plain number is seconds';

/**
 * A duration's text in seconds, or null when it is not one: a plain number is seconds, anything
 * else must be number-and-unit parts (ms, s, m, h). Zero and negatives are the caller's to refuse.
 */
export function durationSeconds(text: string): number | null {
  const trimmed = text.trim();
  if (PLAIN_NUMBER.test(trimmed)) return Number(trimmed);
  if (!WITH_UNITS.test(trimmed)) return null;
  const ms = parseDuration(trimmed, 'ms');
  return ms === null || !Number.isFinite(ms) ? null : ms / 1000;
}

/** A present flag value as a positive duration in seconds; `what` words the rule in the message. */
function positiveDuration(name: string, value: string | number, what: string): number {
  const seconds = typeof value === 'number' ? value : durationSeconds(value);
  if (seconds === null || !Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`--${name} must be ${what} (${DURATION_FORMS}), got ${shown(value)}`);
  return seconds;
}

/** A positive duration in seconds (see the header for the forms), or undefined when the flag is absent. */
export function secondsFlag(name: string, raw: FlagValue): number | undefined {
  const value = single(name, raw);
  if (value === undefined) return undefined;
  return positiveDuration(name, value, 'a positive duration');
}

/** As secondsFlag(), for a flag that must have a value (one with a default, so only a caller can omit it). */
export function requiredSecondsFlag(name: string, raw: FlagValue): number {
  const seconds = secondsFlag(name, raw);
  if (seconds === undefined) throw new UsageError(`--${name} needs a duration (${DURATION_FORMS})`);
  return seconds;
}

/**
 * A duration of whole seconds from `least` to `most` (a setting the kernel takes in seconds, such
 * as TCP_KEEPIDLE): "4m" is 240; "1.5" or "1500ms" is refused rather than rounded.
 */
export function wholeSecondsFlag(name: string, raw: FlagValue, least: number, most: number): number {
  const value = single(name, raw);
  const what = `whole seconds from ${least} to ${most}`;
  if (value === undefined) throw new UsageError(`--${name} needs ${what}`);
  const seconds = positiveDuration(name, value, what);
  if (!Number.isInteger(seconds) || seconds < least || seconds > most)
    throw new UsageError(`--${name} must be ${what} (${DURATION_FORMS}), got ${shown(value)}`);
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
