/**
 * One bench:lab case in a lab of its own: a fresh set of namespaces (unique names, removed when the
 * case ends, or by the lab's cleanup registry if the process is interrupted), the real reflector in
 * the server namespace, and either `idlescope discover` or the k-ary baseline (kary-child.ts) in the
 * client namespace. The wall time is the tool's process, spawn to exit, for both tools alike: Node's
 * start-up and the tool's module loading are in it, as they are for a user. bench:lab runs both
 * compiled (compiled-tools.ts); the tests run them through tsx.
 *
 * bench imports the lab from test/lab: the lab is the project's one way to build real middleboxes,
 * and it lives with the suites that use it.
 */
import { createLab, nodeArgv, type Lab } from '../../test/lab/lab.js';
import { LAB_ENV, runDiscoveryInLab, startReflector, stop, waitForExit } from '../../test/lab/discovery.js';
import type { KaryChildReport } from './kary-child.js';
import type { ToolCommands } from './compiled-tools.js';
import type { LabCase } from './lab-cases.js';
import type { LabMeasurement } from './lab-table.js';

const KARY_CHILD = 'bench/lab/kary-child.ts';
const REFLECTOR_PORT = 7000;

/**
 * How long a case may take before it is stopped: the k-ary rounds over the default range need a first
 * round of about max / 19 (392 s at --max 7440) and then a few rounds of about T each.
 */
export function caseTimeoutMs(labCase: Pick<LabCase, 'timeoutS' | 'maxS'>): number {
  return (600 + labCase.maxS / 10 + 10 * labCase.timeoutS) * 1000;
}

export interface LabRunOptions {
  /** Stop the tool after this long (ms). */
  timeoutMs: number;
  /** idlescope only: let discover verify its recommendation (its default; off here unless asked). */
  verify?: boolean;
  onStderr?: (chunk: string, from: 'reflector' | 'discover') => void;
  /** How the tools are started (compiled-tools.ts); by default their sources run through tsx. */
  tools?: ToolCommands;
}

/** The k-ary baseline in `lab` against a reflector started for it; the reflector is stopped after. */
export async function runKaryInLab(
  lab: Lab,
  range: { minS: number; maxS: number },
  options: LabRunOptions,
): Promise<LabMeasurement & { report: KaryChildReport | null }> {
  const reflector = await startReflector(lab, REFLECTOR_PORT, options.onStderr);
  try {
    const karyArgs = [
      '--reflector',
      lab.targetAddress(REFLECTOR_PORT),
      '--min',
      String(range.minS),
      '--max',
      String(range.maxS),
    ];
    const argv = options.tools?.kary(karyArgs) ?? nodeArgv(KARY_CHILD, karyArgs);
    const started = performance.now();
    const child = lab.spawn(lab.clientNs, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: LAB_ENV });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192);
      options.onStderr?.(chunk, 'discover');
    });
    const finished = await waitForExit(child, options.timeoutMs, 'close');
    const wallS = (performance.now() - started) / 1000;
    if (!finished) {
      await stop(child);
      return failed(wallS, `k-ary did not finish within ${options.timeoutMs} ms`);
    }
    const report = parseKaryReport(stdout);
    if (report === null)
      return failed(wallS, `k-ary exited ${child.exitCode ?? child.signalCode ?? '?'}: ${stderr.trim()}`);
    return {
      wallS,
      runS: report.elapsed_s,
      survivedS: report.survived_s,
      evictedS: report.evicted_s,
      eviction: report.eviction,
      error: report.end === 'finished' ? null : `reflector lost: ${report.reason ?? '?'}`,
      report,
    };
  } finally {
    await stop(reflector);
  }
}

function failed(wallS: number, error: string): LabMeasurement & { report: null } {
  return { wallS, runS: null, survivedS: null, evictedS: null, eviction: null, error, report: null };
}

/** The child's one JSON line, or null when there is none. */
export function parseKaryReport(stdout: string): KaryChildReport | null {
  for (const line of stdout.trim().split('\n').reverse()) {
    try {
      const value = JSON.parse(line) as Partial<KaryChildReport> | null;
      if (value !== null && typeof value === 'object' && typeof value.elapsed_s === 'number')
        return value as KaryChildReport;
    } catch {
      // not this line
    }
  }
  return null;
}

/** discover's answer for the run: the timeout it reports (the direction that dies first). */
interface ReportTimeout {
  survived_s: number | null;
  evicted_s: number | null;
  eviction: string | null;
}

/** `idlescope discover` at its defaults but the range (and --no-verify unless asked) in `lab`. */
export async function runIdlescopeInLab(
  lab: Lab,
  range: { minS: number; maxS: number },
  options: LabRunOptions,
): Promise<LabMeasurement> {
  const args = ['--min', String(range.minS), '--max', String(range.maxS)];
  if (options.verify !== true) args.push('--no-verify');
  const started = performance.now();
  try {
    const result = await runDiscoveryInLab(lab, args, {
      port: REFLECTOR_PORT,
      timeoutMs: options.timeoutMs,
      ...(options.onStderr === undefined ? {} : { onStderr: options.onStderr }),
      ...(options.tools === undefined ? {} : { command: (args) => options.tools!.discover(args) }),
    });
    const timeout = (result.report.timeout ?? null) as ReportTimeout | null;
    const elapsed = result.report['elapsed_s'];
    return {
      wallS: result.elapsedMs / 1000,
      runS: typeof elapsed === 'number' ? elapsed : null,
      survivedS: timeout?.survived_s ?? null,
      evictedS: timeout?.evicted_s ?? null,
      eviction: timeout?.eviction ?? null,
      error: result.exitCode === 0 ? null : `discover exited ${result.exitCode ?? '?'}`,
    };
  } catch (error) {
    return failed((performance.now() - started) / 1000, (error as Error).message);
  }
}

/** Builds the case's lab, runs its tool, and always removes the lab. */
export async function runLabCase(
  labCase: LabCase,
  options: Omit<LabRunOptions, 'timeoutMs'> = {},
): Promise<LabMeasurement> {
  const lab = await createLab({ scenario: labCase.scenario, timeoutS: labCase.timeoutS });
  try {
    const runOptions = { ...options, timeoutMs: caseTimeoutMs(labCase) };
    switch (labCase.tool) {
      case 'idlescope':
        return await runIdlescopeInLab(lab, labCase, runOptions);
      case 'k-ary': {
        const { wallS, runS, survivedS, evictedS, eviction, error } = await runKaryInLab(
          lab,
          labCase,
          runOptions,
        );
        return { wallS, runS, survivedS, evictedS, eviction, error };
      }
      default: {
        const never: never = labCase.tool;
        throw new Error(`unknown tool ${String(never)}`);
      }
    }
  } finally {
    await lab.destroy();
  }
}
