/**
 * SIGTERM on the real CLI reflector: /healthz turns 503 while it drains, the live session is told
 * (1001), the log ends with the session's end and the shutdown line, and the process exits 0.
 */
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { openSession, useTeardown } from './helpers.js';
import { openUnansweringControl, rawGet } from './raw-http.js';

describe('reflector shutdown', () => {
  const defer = useTeardown();

  it('answers /healthz with 503 during the SIGTERM drain, then exits 0', { timeout: 20_000 }, async () => {
    const cli = spawnCli(defer, ['reflector', '--listen', '127.0.0.1:0'], 16_000);
    const line = await cli.stdoutMatches(/^idlescope reflector listening on 127\.0\.0\.1:(\d+)\n$/, 10_000);
    const address = { host: '127.0.0.1', port: Number(line[1]) };
    expect((await rawGet(address, '/healthz')).status, 'healthy before the signal').toBe(200);
    const { control } = await openSession(defer, address);
    await openUnansweringControl(defer, address);

    cli.child.kill('SIGTERM');
    const deadline = performance.now() + 3000;
    let health = await rawGet(address, '/healthz');
    // Until the signal is handled the answer is 200; a refused connection here (the port closed
    // without ever saying 503) fails the test.
    while (health.status === 200 && performance.now() < deadline) health = await rawGet(address, '/healthz');
    expect(health.status, 'draining').toBe(503);
    expect(health.body, 'says so').toBe('draining\n');

    expect(await control.closed(), 'the live session is told: going away').toBe(1001);
    const result = await cli.exit(5000);
    expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
    const events = result.stderr
      .split('\n')
      .filter((text) => text !== '')
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(events.at(-1), 'the last line').toMatchObject({ event: 'shutdown' });
    expect(
      events.find((event) => event['event'] === 'session-end'),
      'the session ended by the shutdown',
    ).toMatchObject({ reason: 'reflector closing' });
  });
});
