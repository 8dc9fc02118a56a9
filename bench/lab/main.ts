/**
 * `npm run bench:lab`: idlescope and the k-ary baseline on real paths, in the namespace lab, at
 * T = 5, 13, 37 and 90 s on nat-strict and firewall-reset, each over the default range and a tight
 * one. Root only: elsewhere it prints one line saying why and exits 0. A full run takes about an hour
 * one case at a time (the k-ary rounds over the default range are about 7-10 min each).
 *
 *   --quick              T = 5 and 13 s only
 *   --scenario NAME      only this scenario (repeatable, or comma-separated)
 *   --t S                only this T, seconds (repeatable, or comma-separated)
 *   --tool NAME          idlescope | k-ary (repeatable)
 *   --jobs N             cases at once, each in its own lab (default 1: timing free of the others)
 *   --verify             let discover verify its recommendation (default --no-verify)
 *   --json               one JSON document on stdout instead of the table
 *   --write              write the table into BENCH.md (implied by a full run: no filter, no --quick)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { labAvailability } from '../../test/lab/lab.js';
import { createLimiter } from '../../test/lab/limit.js';
import {
  LAB_BENCH_SCENARIOS,
  LAB_TOOLS,
  labCases,
  type LabBenchScenario,
  type LabCase,
  type LabTool,
} from './lab-cases.js';
import { labRow, renderLabTable, type LabRow } from './lab-table.js';
import { renderLabSection, withLabSection } from './lab-section.js';
import { runLabCase } from './run-lab-case.js';
import { compileTools } from './compiled-tools.js';

function usage(message: string): never {
  console.error(`bench:lab: ${message} (see the header of bench/lab/main.ts)`);
  process.exit(2);
}

const args = process.argv.slice(2);
let values: ReturnType<typeof parse>['values'];
function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true, default: [] },
      t: { type: 'string', multiple: true, default: [] },
      tool: { type: 'string', multiple: true, default: [] },
      jobs: { type: 'string', default: '1' },
      verify: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}
try {
  values = parse(args).values;
} catch (error) {
  usage((error as Error).message);
}
if (values.help) {
  const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] ?? '';
  console.log(
    header
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^ \* ?/, ''))
      .join('\n'),
  );
  process.exit(0);
}

const split = (list: string[]): string[] => list.flatMap((v) => v.split(',')).filter((v) => v !== '');
const scenarios = split(values.scenario);
for (const s of scenarios)
  if (!(LAB_BENCH_SCENARIOS as readonly string[]).includes(s))
    usage(`--scenario must be one of ${LAB_BENCH_SCENARIOS.join(', ')}, got ${JSON.stringify(s)}`);
const tools = split(values.tool);
for (const t of tools)
  if (!(LAB_TOOLS as readonly string[]).includes(t))
    usage(`--tool must be one of ${LAB_TOOLS.join(', ')}, got ${JSON.stringify(t)}`);
const jobs = Number(values.jobs);
if (!Number.isInteger(jobs) || jobs < 1) usage(`--jobs must be a whole number >= 1, got ${values.jobs}`);

let cases: LabCase[];
try {
  cases = labCases({
    quick: values.quick,
    scenarios: scenarios as LabBenchScenario[],
    timeoutsS: split(values.t).map(Number),
    tools: tools as LabTool[],
  });
} catch (error) {
  usage((error as Error).message);
}

const availability = await labAvailability([...new Set(cases.map((c) => c.scenario))]);
if (!availability.ok) {
  console.log(`bench:lab: skipped: ${availability.reason}`);
  process.exit(0);
}

const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const startLoad = loadavg();
// The commit measured, taken now: a commit made during a long run does not change what runs.
const measuredCommit = commit();
// Both tools compiled alike, as a user runs idlescope (compiled-tools.ts).
const toolCommands = await compileTools();
const limit = createLimiter(jobs);
let done = 0;
// The longest cases start first, so that with --jobs > 1 the short ones fill in beside them; the
// table keeps the cases' own order.
const longestFirst = [...cases].sort((a, b) => expectedS(b) - expectedS(a));
const byCase = new Map<LabCase, LabRow>();
try {
  await Promise.all(
    longestFirst.map((labCase) =>
      limit(async () => {
        const measured = await runLabCase(labCase, { verify: values.verify, tools: toolCommands }).catch(
          (error: unknown) => ({
            wallS: 0,
            runS: null,
            survivedS: null,
            evictedS: null,
            eviction: null,
            error: (error as Error).message,
          }),
        );
        const row = labRow(labCase, measured);
        done++;
        console.error(
          `bench:lab: [${done}/${cases.length}] ${row.scenario} T=${row.timeoutS} ${row.minS}..${row.maxS} ` +
            `${row.tool}: wall ${row.wallS.toFixed(1)} s, bracket (${row.survivedS}, ${row.evictedS}]` +
            `${row.error === null ? '' : `, failed: ${row.error}`}`,
        );
        byCase.set(labCase, row);
      }),
    ),
  );
} finally {
  await toolCommands.remove();
}
const rows = cases.map((c) => byCase.get(c) as LabRow);

if (values.json) process.stdout.write(`${JSON.stringify({ date, jobs, rows }, null, 2)}\n`);
else process.stdout.write(`${renderLabTable(rows, 'text')}\n`);

const filtered = values.quick || scenarios.length > 0 || tools.length > 0 || values.t.length > 0;
if (values.write || !filtered) {
  const shown = args.filter((a) => a !== '--write' && a !== '--json');
  const command = shown.length === 0 ? 'npm run bench:lab' : `npm run bench:lab -- ${shown.join(' ')}`;
  const path = fileURLToPath(new URL('../../BENCH.md', import.meta.url));
  const section = renderLabSection(rows, {
    command,
    date,
    machine: machine(),
    commit: measuredCommit,
    verify: values.verify,
  });
  writeFileSync(path, withLabSection(readFileSync(path, 'utf8'), section));
  console.error(`bench:lab: wrote its section of ${path}`);
}

/** About how long a case takes: k-ary's first round is about max / 19, then rounds of about T. */
function expectedS(labCase: LabCase): number {
  return labCase.tool === 'k-ary' ? labCase.maxS / 19 + 3 * labCase.timeoutS : 1.3 * labCase.timeoutS;
}

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = (averages: number[]): string => averages.map((l) => l.toFixed(1)).join(' ');
  return (
    `${hostname()} (Linux ${release()}, ${cpus().length} × ${cpu}, Node ${process.version}, ` +
    `load average ${load(startLoad)} at the start and ${load(loadavg())} at the end, ` +
    `${jobs} case(s) at a time)`
  );
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'an unknown commit';
  }
}
