/**
 * The two tools bench:lab times, compiled to JavaScript first, both alike: `idlescope discover` as a
 * user runs it (npm install compiles the CLI to dist/, and bin/idlescope.js runs that), and the
 * k-ary child. Run through tsx instead, each process would spend its first 0.3-0.6 s transpiling
 * TypeScript, which no user waits for and which is larger for the tool with more modules.
 *
 * Compiled from the working tree (not dist/, which may be older) into a folder of this process's
 * own under .bench-tmp/, inside the repository so that the compiled files resolve the packages in
 * its node_modules/; remove() deletes it, and so does the lab's last-resort teardown if the run is
 * interrupted first.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../test/lab/lab.js';
import { registerTeardown, unregisterTeardown, type SyncTeardown } from '../../test/lab/cleanup-registry.js';

/** How each tool's process is started, given its arguments. */
export interface ToolCommands {
  discover(args: readonly string[]): string[];
  kary(args: readonly string[]): string[];
  /** Deletes the compiled files. */
  remove(): Promise<void>;
}

const ENTRIES = { discover: 'client/cli/main', kary: 'bench/lab/kary-child' } as const;

/**
 * Compiles both tools with the repository's compiler settings; throws tsc's output if it fails.
 * `background`: at the lowest CPU priority (nice 19), for the test suite, whose real-time suites
 * run beside it on the same cores and must keep their timing (a 2.5 s timeout leaves a control
 * channel 1.5 s of slack between heartbeats).
 */
export async function compileTools({ background = false } = {}): Promise<ToolCommands> {
  const parent = join(REPO_ROOT, '.bench-tmp');
  await mkdir(parent, { recursive: true });
  const outDir = await mkdtemp(join(parent, 'lab-tools-'));
  const teardown: SyncTeardown = { destroySync: () => rmSync(outDir, { recursive: true, force: true }) };
  registerTeardown(teardown);
  const remove = async (): Promise<void> => {
    unregisterTeardown(teardown);
    await rm(outDir, { recursive: true, force: true });
  };
  const config = join(outDir, 'tsconfig.json');
  await writeFile(
    config,
    JSON.stringify({
      extends: join(REPO_ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: false, outDir: outDir, rootDir: REPO_ROOT, sourceMap: false },
      files: Object.values(ENTRIES).map((entry) => join(REPO_ROOT, `${entry}.ts`)),
      // The entries' imports come in by themselves; the ambient declarations must be named.
      include: ['client', 'reflector', 'protocol', 'bench'].map((dir) => join(REPO_ROOT, dir, '**/*.d.ts')),
    }),
  );
  // The compiled files are ES modules: this folder's own package.json says so.
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
  try {
    const tsc = [join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), '-p', config];
    const [file, ...args] = background ? ['nice', '-n', '19', ...tsc] : tsc;
    await promisify(execFile)(file!, args, { cwd: REPO_ROOT });
  } catch (error) {
    await remove();
    const { stdout, message } = error as { stdout?: string; message: string };
    throw new Error(`bench:lab: compiling the tools failed: ${stdout?.trim() || message}`);
  }
  const command = (entry: string) => (args: readonly string[]) => [
    process.execPath,
    join(outDir, `${entry}.js`),
    ...args,
  ];
  return {
    discover: command(ENTRIES.discover),
    kary: command(ENTRIES.kary),
    remove,
  };
}
