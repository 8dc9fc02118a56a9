/**
 * The reflector's JSON log against a real reflector on 127.0.0.1: one line per event, the per-IP
 * budget holding (on an injected clock), and the summary of what was left out.
 */
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../protocol/wire.js';
import { ReflectorLog, ipOf } from '../../reflector/reflector-log.js';
import {
  openControl,
  openRaw,
  openSession,
  resumeHello,
  startReflector,
  useTeardown,
  waitFor,
} from './helpers.js';

const WINDOW_MS = 60_000;

describe('ReflectorLog', () => {
  const defer = useTeardown();

  async function setup(maxLinesPerIp: number) {
    const { reflector, address } = await startReflector(defer);
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    const clock = { nowMs: 0 };
    const log = new ReflectorLog(reflector, stream, {
      maxLinesPerIp,
      windowMs: WINDOW_MS,
      summaryIntervalMs: 3_600_000,
      now: () => clock.nowMs,
    });
    defer(() => log.stop());
    const lines = (): Record<string, unknown>[] =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { reflector, address, log, clock, lines };
  }

  async function sessionAndBye(address: { host: string; port: number }): Promise<void> {
    const { control } = await openSession(defer, address);
    control.send({ type: 'bye' });
    await control.closed();
  }

  it('writes at most the budget per IP per window, then one summary of the rest', async () => {
    const { address, log, clock, lines, reflector } = await setup(2);
    let ended = 0;
    reflector.on('session-end', () => ended++);
    for (let i = 0; i < 3; i++) await sessionAndBye(address);
    await waitFor('three sessions ended', () => ended === 3);
    expect(
      lines().map((line) => line['event']),
      'the first session only: start and end',
    ).toEqual(['session-start', 'session-end']);

    log.summarize();
    expect(lines().at(-1), 'the summary').toMatchObject({
      event: 'log-suppressed',
      level: 'info',
      suppressed: { 'session-end': 2, 'session-start': 2 },
      total: 4,
      addresses: 1,
    });
    log.summarize();
    expect(lines().length, 'nothing suppressed since: no second summary').toBe(3);

    clock.nowMs = WINDOW_MS;
    const garbage = await openRaw(defer, address, Buffer.from('XXXX'));
    await garbage.closedByPeer();
    expect(lines().at(-1), 'a new window: the refusal is written').toMatchObject({
      event: 'protocol-error',
      level: 'warn',
      reason: 'garbage',
      on: 'connection',
    });
    expect(String(lines().at(-1)?.['remote']), 'the peer').toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('names a failed resume and a limit refusal', async () => {
    const { address, lines } = await setup(10);
    const { session } = await openSession(defer, address);
    const resume = await openControl(defer, address);
    resume.send(resumeHello({ session: session.session, secret: randomBytes(32) }));
    await resume.closed();
    expect(
      lines().find((line) => line['event'] === 'resume-failed'),
      'the failed resume',
    ).toMatchObject({ level: 'warn', reason: 'unknown-session', on: 'control' });
    const old = await openControl(defer, address);
    old.send({ type: 'hello', version: PROTOCOL_VERSION + 1 });
    await old.closed();
    expect(
      lines().find((line) => line['event'] === 'refused'),
      'the version refusal',
    ).toMatchObject({ level: 'warn', reason: 'bad-version', on: 'control' });
  });

  it('writes a last summary before the shutdown line', async () => {
    const { address, log, lines } = await setup(0);
    await sessionAndBye(address);
    await waitFor('the end counted', () => {
      log.summarize();
      return lines().some((line) => line['event'] === 'log-suppressed');
    });
    await sessionAndBye(address);
    log.shutdown();
    expect(
      lines().map((line) => line['event']),
      'summaries and shutdown only',
    ).toEqual(['log-suppressed', 'log-suppressed', 'shutdown']);
  });

  it.each([
    ['127.0.0.1:7000', '127.0.0.1'],
    ['[::1]:7000', '::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
  ])('takes the IP of %s', (remote, ip) => {
    expect(ipOf(remote), remote).toBe(ip);
  });
});
