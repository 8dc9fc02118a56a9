/**
 * bench:lab times both tools compiled (bench/lab/compiled-tools.ts): the compile works from the
 * working tree, and each compiled tool starts and answers as its sources do.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileTools } from '../../../bench/lab/compiled-tools.js';
import { REPO_ROOT } from '../../../test/lab/lab.js';

const run = promisify(execFile);

describe("bench:lab's compiled tools", () => {
  it('compile, and each starts: discover prints its version, the k-ary child its usage', async ({
    onTestFinished,
  }) => {
    const tools = await compileTools({ background: true });
    onTestFinished(() => tools.remove());
    const [node, ...discoverArgs] = tools.discover(['--version']);
    const version = await run(node!, discoverArgs, { cwd: REPO_ROOT, timeout: 20_000 });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const [karyNode, ...karyArgs] = tools.kary([]);
    const kary = await run(karyNode!, karyArgs, { cwd: REPO_ROOT, timeout: 20_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
    );
    expect(kary.code, 'the k-ary child without --reflector is a usage error').toBe(2);
    expect(kary.stderr).toMatch(/--reflector/);
  }, 120_000);
});
