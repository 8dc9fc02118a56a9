/**
 * `npm run bench:reflector`: the reflector's capacity on real loopback sockets (capacity-run.ts).
 *
 *   --connections N  idle probe connections to hold (default 15000)
 *   --quick          a small N (300) and a short flood, for tests
 *   --json           print exactly one JSON document instead of the table
 *
 * Exit code 0 when the run completed (whether or not the targets were met: the table says),
 * 1 when it failed, 2 on a bad option. Children are killed on every exit path, Ctrl-C included.
 */
import { DEFAULT_CONNECTIONS, QUICK_CONNECTIONS, runCapacity } from './capacity-run.js';
import { renderCapacityTable } from './capacity-table.js';
import { killAllChildren } from './bench-child.js';

function usage(message: string): never {
  console.error(`bench:reflector: ${message}; options: --connections N, --quick, --json`);
  process.exit(2);
}

const args = process.argv.slice(2);
let json = false;
let quick = false;
let connections: number | null = null;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--json') json = true;
  else if (arg === '--quick') quick = true;
  else if (arg === '--connections') {
    const value = Number(args[++i]);
    if (!Number.isInteger(value) || value < 1) usage(`--connections wants a positive integer`);
    connections = value;
  } else usage(`unknown option ${arg}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

try {
  const report = await runCapacity(
    {
      connections: connections ?? (quick ? QUICK_CONNECTIONS : DEFAULT_CONNECTIONS),
      quick,
    },
    (line) => console.error(`bench:reflector: ${line}`),
  );
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderCapacityTable(report));
  // Sockets in their close handshake must not hold the process: everything measured is printed.
  process.exit(0);
} catch (error) {
  console.error(`bench:reflector: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
