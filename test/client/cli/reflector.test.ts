/**
 * `idlescope reflector` as a process: a taken port is exit 5 with one line that says so and what
 * to do; SIGTERM and SIGINT drain it and it exits 0 (main.ts owns the signals, the command gets
 * them through its CliIo). The real CLI, loopback, port 0.
 */
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/teardown.js';

describe.concurrent('idlescope reflector', () => {
  it(
    'exits 5 with a clear line when the --listen port is in use',
    { timeout: 20_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const holder = createServer();
      await new Promise<void>((resolve, reject) => {
        holder.once('error', reject);
        holder.listen(0, '127.0.0.1', () => resolve());
      });
      defer(() => new Promise<void>((resolve) => holder.close(() => resolve())));
      const { port } = holder.address() as AddressInfo;
      const result = await runCli(defer, ['reflector', '--listen', `127.0.0.1:${port}`], 15_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(5);
      expect(result.stdout, 'no listening line').toBe('');
      expect(result.stderr, 'one line: the port, the address, the fix').toBe(
        `idlescope: port ${port} is already in use on 127.0.0.1: ` +
          `stop the other process or pick another --listen port\n`,
      );
    },
  );

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`drains and exits 0 on ${signal}`, { timeout: 20_000 }, async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const reflector = spawnCli(defer, ['reflector', '--listen', '127.0.0.1:0', '--quiet'], 16_000);
      await reflector.stdoutMatches(/^idlescope reflector listening on 127\.0\.0\.1:\d+\n$/, 10_000);
      reflector.child.kill(signal);
      const result = await reflector.exit(5000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      expect(result.signal, 'not killed by the signal').toBeNull();
      expect(result.stderr, 'nothing on stderr with --quiet').toBe('');
    });
  }
});
