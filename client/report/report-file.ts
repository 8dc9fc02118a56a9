/**
 * A saved report read back (`idlescope report FILE`, the history): the JSON document of any
 * discover run, schema 1. Checked enough to be rendered (a schema-1 object with the sections every
 * run has), and completed where an older idlescope left a key out (no probe records, no settings),
 * so an old run renders with what it has. Never throws on content: a file that is not a report is
 * a ReportFileError with a stable code.
 */
import { readFile } from 'node:fs/promises';
import { ReportFileError, describeCause } from '../../protocol/errors.js';
import type { JsonReport } from './report.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a text holds: the report, or why it is not one. */
export function parseReport(text: string): { ok: true; report: JsonReport } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(value)) return { ok: false, reason: 'not a JSON object' };
  if (value['schema'] !== 1) return { ok: false, reason: 'not an idlescope report (schema 1)' };
  for (const key of ['directions', 'recommendation', 'cost'] as const) {
    if (!isObject(value[key])) return { ok: false, reason: `no ${key} object` };
  }
  if (typeof value['reflector'] !== 'string') return { ok: false, reason: 'no reflector' };
  if (typeof value['elapsed_s'] !== 'number') return { ok: false, reason: 'no elapsed_s' };
  const directions = value['directions'] as Record<string, unknown>;
  const report = {
    ...value,
    directions: { inbound: directions['inbound'] ?? null, outbound: directions['outbound'] ?? null },
    timeout: value['timeout'] ?? null,
    aborted: value['aborted'] ?? null,
    verification: value['verification'] ?? null,
    started_at: typeof value['started_at'] === 'string' ? value['started_at'] : null,
    settings: value['settings'] ?? null,
    nat: value['nat'] ?? null,
    probes: Array.isArray(value['probes']) ? value['probes'] : [],
  } as unknown as JsonReport;
  return { ok: true, report };
}

/** Reads and checks a saved report; rejects with a ReportFileError. */
export async function readReportFile(file: string): Promise<JsonReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ReportFileError(file, `cannot read it: ${describeCause(error)}`, error);
  }
  const parsed = parseReport(text);
  if (!parsed.ok) throw new ReportFileError(file, parsed.reason);
  return parsed.report;
}
