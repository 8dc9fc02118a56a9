/**
 * \`npm run bench\`: idlescope's search against the peers' strategies on a virtual clock, its
 * budget/resolution trade-off, noisy middleboxes, and real memory per probe connection.
 *
 *   --json       print one JSON document (every table) instead of text
 *   --quick      a reduced set (for tests); does not write BENCH.md unless --write
 *   --write      regenerate BENCH.md (implied without --quick)
 *   --no-memory  skip the real-socket memory table
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runBench } from './run-bench.js';
import { renderMarkdown, renderText } from './render.js';
import { METHOD } from './method.js';
import { extractLabSection, withLabSection } from './lab/lab-section.js';

const KNOWN = new Set(['--json', '--quick', '--write', '--no-memory']);
const args = process.argv.slice(2);
const unknown = args.filter((a) => !KNOWN.has(a));
if (unknown.length > 0) {
  console.error(`bench: unknown option(s) ${unknown.join(' ')}; known: ${[...KNOWN].join(' ')}`);
  process.exit(2);
}
const quick = args.includes('--quick');
const json = args.includes('--json');
const write = args.includes('--write') || !quick;
const memory = !args.includes('--no-memory');

const report = await runBench({ quick, memory });

if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else process.stdout.write(renderText(report));

if (write) {
  const shown = args.filter((a) => a !== '--write' && a !== '--json');
  const command = shown.length === 0 ? 'npm run bench' : `npm run bench -- ${shown.join(' ')}`;
  const path = fileURLToPath(new URL('../BENCH.md', import.meta.url));
  // The real-path section is bench:lab's (root, about an hour): kept as it is.
  const labSection = extractLabSection(readFileSync(path, 'utf8'));
  writeFileSync(path, withLabSection(renderMarkdown(report, command, METHOD), labSection));
  // Keep stdout exactly the report (one JSON document with --json): say it on stderr.
  console.error(`bench: wrote ${path}`);
}
