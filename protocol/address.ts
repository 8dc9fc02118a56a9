/**
 * HOST:PORT parsing shared by every command: IPv4 (`192.0.2.1:7000`), bracketed IPv6
 * (`[2001:db8::1]:7000`, `[::1]`) and host names (`reflector.example.net:7000`).
 */
import { isIP } from 'node:net';
import { AddressError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;

function parsePort(input: string, text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new AddressError(input, `port ${JSON.stringify(text)} is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new AddressError(input, `port ${port} is outside 1-65535`);
  return port;
}

/** Parses HOST[:PORT]; a missing port takes `defaultPort`. Throws AddressError with a one-line reason. */
export function parseHostPort(input: string, defaultPort: number): HostPort {
  const text = input.trim();
  if (text === '') throw new AddressError(input, 'empty');
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new AddressError(input, 'missing "]" after IPv6 address');
    const host = text.slice(1, close);
    if (isIP(host) !== 6) throw new AddressError(input, `${JSON.stringify(host)} is not an IPv6 address`);
    const rest = text.slice(close + 1);
    if (rest === '') return { host, port: defaultPort };
    if (!rest.startsWith(':')) throw new AddressError(input, 'expected ":PORT" after "]"');
    return { host, port: parsePort(input, rest.slice(1)) };
  }
  const colons = text.split(':').length - 1;
  if (colons > 1) {
    if (isIP(text) === 6) throw new AddressError(input, `write IPv6 with brackets: [${text}]:PORT`);
    throw new AddressError(input, 'too many ":"');
  }
  const [host = '', portText] = text.split(':');
  if (isIP(host) !== 4 && !HOSTNAME.test(host))
    throw new AddressError(input, `${JSON.stringify(host)} is not an IPv4 address or host name`);
  if (/^[\d.]+$/.test(host) && isIP(host) !== 4)
    throw new AddressError(input, `${JSON.stringify(host)} is not a valid IPv4 address`);
  return { host, port: portText === undefined ? defaultPort : parsePort(input, portText) };
}

/** Formats for display and for reports: IPv6 in brackets. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
