/**
 * Runs `idlescope verify` end to end inside a lab: the reflector in the server namespace (as
 * runDiscoveryInLab does), `idlescope verify --json ...` in the client namespace, dialling the lab's
 * target address. With `onStderrLine`, each stderr line of verify is handed over as it arrives
 * (the dead-peer test waits for its ready line there before it drops the path).
 */
import { createInterface } from 'node:readline';
import type { Lab } from './lab.js';
import { nodeArgv } from './lab.js';
import { CLI_ENTRY, LAB_ENV, LabDiscoveryError, startReflector, stop, waitForExit } from './discovery.js';

export interface LabVerifyResult {
  /** The one JSON document on stdout. */
  report: Record<string, unknown> & { verdict: string | null };
  stdout: string;
  stderr: string;
  exitCode: number | null;
  elapsedMs: number;
}

export interface LabVerifyOptions {
  port?: number;
  /** Kill verify after this long. */
  timeoutMs: number;
  onStderrLine?: (line: string) => void;
}

export async function runVerifyInLab(
  lab: Lab,
  verifyArgs: readonly string[],
  options: LabVerifyOptions,
): Promise<LabVerifyResult> {
  const port = options.port ?? 7000;
  const reflector = await startReflector(lab, port, undefined);
  try {
    const args = ['verify', '--reflector', lab.targetAddress(port), '--json', ...verifyArgs];
    const started = performance.now();
    const verify = lab.spawn(lab.clientNs, nodeArgv(CLI_ENTRY, args), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: LAB_ENV,
    });
    let stdout = '';
    let stderr = '';
    verify.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    verify.stderr!.setEncoding('utf8');
    createInterface({ input: verify.stderr! }).on('line', (line) => {
      stderr = `${stderr}${line}\n`.slice(-65_536);
      options.onStderrLine?.(line);
    });
    if (!(await waitForExit(verify, options.timeoutMs, 'close'))) {
      await stop(verify);
      throw new LabDiscoveryError(`verify did not finish within ${options.timeoutMs} ms; stderr: ${stderr}`);
    }
    const elapsedMs = performance.now() - started;
    let report: LabVerifyResult['report'];
    try {
      report = JSON.parse(stdout) as LabVerifyResult['report'];
    } catch (error) {
      throw new LabDiscoveryError(
        `verify exited ${verify.exitCode ?? verify.signalCode ?? '?'} without one JSON document; stderr: ` +
          `${stderr}`,
        { cause: error },
      );
    }
    return { report, stdout, stderr, exitCode: verify.exitCode, elapsedMs };
  } finally {
    await stop(reflector);
  }
}
