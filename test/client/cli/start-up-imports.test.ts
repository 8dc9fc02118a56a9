/**
 * What `idlescope discover` loads before its first connection. Every command's body is imported on
 * use (program.ts), and so are the parts of discover that only some runs need: a run from a pipe,
 * direct, without --html, must not load the reflector (its logger and metrics), the demo's
 * emulator, the certificate maker, the live terminal view, the HTML page or a proxy client. Each
 * of those cost 10-100 ms at start (measured while making them lazy: the CLI's modules went from
 * 0.41 s to 0.28 s to import), which a user waits for on every run and which the lab bench counts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { closedPort } from '../../helpers/loopback-stack.js';
import { useTeardown } from '../../helpers/teardown.js';

const MODULE_LOG = fileURLToPath(new URL('fixtures/module-log.mjs', import.meta.url));

/** Not loaded by a plain discover run: what each path names, and why it is not needed. */
const NOT_AT_START: readonly (readonly [RegExp, string])[] = [
  [/\/reflector\/run-reflector\.ts$/, 'the reflector command'],
  [/\/reflector\/reflector\.ts$/, 'the reflector itself (the demo runs one)'],
  [/\/node_modules\/pino\//, "the reflector's logger"],
  [/\/node_modules\/prom-client\//, "the reflector's metrics"],
  [/\/node_modules\/node-forge\//, 'the self-signed certificate maker'],
  [/\/client\/demo\//, "the demo's emulator"],
  [/\/client\/verification\/verify-run\.ts$/, 'the verify command'],
  [/\/node_modules\/log-update\//, 'the live view (a terminal only)'],
  [/\/client\/report\/html\//, 'the HTML page (--html only)'],
  [/\/node_modules\/(socks|undici)\//, 'a proxy client (a proxy only)'],
];

describe('what discover loads at start', () => {
  it('a plain run from a pipe loads the search and its transports, and none of the rest', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const dir = await mkdtemp(join(tmpdir(), 'idlescope-modules-'));
    defer(() => rm(dir, { recursive: true, force: true }));
    const log = join(dir, 'modules.txt');
    const unreachable = `127.0.0.1:${await closedPort()}`;
    const exit = await runCli(defer, ['discover', unreachable, '--no-verify'], 20_000, {
      NODE_OPTIONS: `--import=${MODULE_LOG}`,
      IDLESCOPE_MODULE_LOG: log,
      NO_PROXY: '*',
    });
    expect(exit.stderr, 'the run got as far as dialing the reflector').toMatch(/refused|unreachable/i);
    const loaded = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    expect(loaded.some((url) => url.endsWith('/client/discovery/discovery-run.ts'))).toBe(true);
    expect(loaded.some((url) => url.endsWith('/client/transport/tcp-transport.ts'))).toBe(true);
    for (const [pattern, what] of NOT_AT_START)
      expect(
        loaded.filter((url) => pattern.test(url)),
        what,
      ).toEqual([]);
  });
});
