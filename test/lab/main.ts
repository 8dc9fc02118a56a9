/**
 * `npm run lab -- --scenario nat-strict --timeout 20`: builds the lab, runs a reflector in the
 * server namespace and `idlescope discover` in the client namespace, prints the report and how it
 * compares with what the scenario is known to do, and tears the lab down (also on Ctrl-C).
 * Needs root. Exit codes: 0 report matches the scenario, 1 it does not, 2 bad usage, 3 lab unavailable.
 */
import { parseArgs } from 'node:util';
import { createLab, labAvailability, SCENARIOS, SCENARIO_SPECS, type Lab } from './lab.js';
import { isScenario, PROXY_PORT_FIRST, PROXY_PORT_LAST } from './scenarios.js';
import { runDiscoveryInLab } from './discovery.js';
import { judgeReport } from './verdict.js';

const USAGE = `usage: npm run lab -- --scenario <name> --timeout <seconds> [options]

  --scenario     ${SCENARIOS.join(' | ')}
  --timeout      the middlebox's idle timeout T, whole seconds
  --min, --max   search range passed to discover, seconds (default 1 and 3 x T + 10)
  --direction    inbound | outbound | both (default both)
  --port         reflector port (default 7000; the proxy forwards ${PROXY_PORT_FIRST}-${PROXY_PORT_LAST})
  --list         describe the scenarios and exit
Anything after a lone "--" is passed to discover as is.`;

function usage(message: string): never {
  console.error(`lab: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const dashDash = process.argv.indexOf('--', 2);
const own = dashDash < 0 ? process.argv.slice(2) : process.argv.slice(2, dashDash);
const passThrough = dashDash < 0 ? [] : process.argv.slice(dashDash + 1);

let values: ReturnType<typeof parse>['values'];
function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      scenario: { type: 'string' },
      timeout: { type: 'string' },
      min: { type: 'string' },
      max: { type: 'string' },
      direction: { type: 'string', default: 'both' },
      port: { type: 'string', default: '7000' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}
try {
  values = parse(own).values;
} catch (error) {
  usage((error as Error).message);
}

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.list) {
  for (const name of SCENARIOS) console.log(`${name.padEnd(15)} ${SCENARIO_SPECS[name].summary}`);
  process.exit(0);
}

const scenario = values.scenario ?? usage('--scenario is required');
if (!isScenario(scenario)) usage(`unknown scenario ${JSON.stringify(scenario)}`);
const timeoutS = Number(values.timeout ?? usage('--timeout is required'));
if (!Number.isInteger(timeoutS) || timeoutS < 1)
  usage(`--timeout must be a whole number of seconds >= 1, got ${values.timeout}`);
const minS = Number(values.min ?? 1);
const maxS = Number(values.max ?? timeoutS * 3 + 10);
if (!(minS > 0) || !(maxS >= minS)) usage(`need 0 < --min <= --max, got ${minS} and ${maxS}`);
const direction = values.direction;
if (direction !== 'inbound' && direction !== 'outbound' && direction !== 'both')
  usage(`--direction must be inbound, outbound or both`);
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) usage(`bad --port ${values.port}`);
if (scenario === 'proxy' && (port < PROXY_PORT_FIRST || port > PROXY_PORT_LAST))
  usage(`the proxy scenario forwards ports ${PROXY_PORT_FIRST}-${PROXY_PORT_LAST}`);

const availability = await labAvailability([scenario]);
if (!availability.ok) {
  console.error(`lab: unavailable: ${availability.reason}`);
  process.exit(3);
}

let lab: Lab | null = null;
let exitCode = 1;
try {
  const started = performance.now();
  lab = await createLab({ scenario, timeoutS });
  console.error(`lab: ${scenario} (T = ${timeoutS} s): ${SCENARIO_SPECS[scenario].summary}`);
  console.error(
    `lab: namespaces ${lab.clientNs}, ${lab.middleboxNs}, ${lab.serverNs}; client dials ` +
      `${lab.targetAddress(port)}`,
  );
  // Through a forward proxy, unless the pass-through says otherwise (--proxy, --no-proxy).
  const viaProxy =
    lab.proxyUrl === null || passThrough.some((a) => a.startsWith('--proxy') || a === '--no-proxy')
      ? []
      : ['--proxy', lab.proxyUrl];
  if (viaProxy.length > 0) console.error(`lab: through the proxy ${lab.proxyUrl ?? ''}`);
  const result = await runDiscoveryInLab(
    lab,
    ['--min', String(minS), '--max', String(maxS), '--direction', direction, ...viaProxy, ...passThrough],
    {
      port,
      onStderr: (chunk) => process.stderr.write(chunk),
    },
  );
  console.log(JSON.stringify(result.report, null, 2));
  const directions = direction === 'both' ? (['inbound', 'outbound'] as const) : ([direction] as const);
  const verdicts = judgeReport(result.report, scenario, timeoutS, directions);
  for (const v of verdicts) {
    console.error(
      `lab: ${v.ok ? 'OK  ' : 'DIFF'} ${v.direction.padEnd(8)} expected ${v.expected}; measured ` +
        `${v.measured}${v.note ? ` (${v.note})` : ''}`,
    );
  }
  console.error(
    `lab: discover took ${(result.elapsedMs / 1000).toFixed(1)} s (exit ${result.exitCode ?? '?'}); total ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  exitCode = verdicts.every((v) => v.ok) ? 0 : 1;
} catch (error) {
  console.error(`lab: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await lab?.destroy();
}
process.exitCode = exitCode;
