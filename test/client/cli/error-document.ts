/**
 * The --json document of a run that failed: exactly one JSON document (schema 1) on stdout, with
 * every schema-1 field and an `error` object of a code and a one-line message.
 */
import { expect } from 'vitest';
import type { JsonReport } from '../../../client/report/report.js';
import { TOP_KEYS } from '../../helpers/report-keys.js';
import { schemaErrors } from '../../helpers/report-schema.js';

/** stdout as exactly one pretty-printed JSON document and a newline; fails the test unless it is one. */
export function parseOneDocument(stdout: string): unknown {
  let doc: unknown;
  expect(
    () => (doc = JSON.parse(stdout)),
    `stdout is one JSON document: ${JSON.stringify(stdout.slice(0, 300))}`,
  ).not.toThrow();
  expect(stdout, 'nothing but the document and one newline').toBe(`${JSON.stringify(doc, null, 2)}\n`);
  return doc;
}

/** Parses stdout as the one document of a failed run; fails the test unless it is one. */
export function parseErrorDocument(stdout: string): JsonReport & { error: NonNullable<JsonReport['error']> } {
  const report = parseOneDocument(stdout) as JsonReport;
  expect(schemaErrors('report', report), 'valid by schema/report.schema.json').toEqual([]);
  expect(Object.keys(report).sort(), 'the schema-1 fields and error').toEqual([...TOP_KEYS, 'error'].sort());
  expect(report.schema, 'schema').toBe(1);
  expect(Object.keys(report.error ?? {}).sort(), 'error has a code and a message').toEqual([
    'code',
    'message',
  ]);
  expect(report.error?.code, 'error.code is a stable code').toMatch(/^IDLESCOPE_[A-Z_]+$/);
  expect(report.error?.message.includes('\n'), 'error.message is one line').toBe(false);
  return report as JsonReport & { error: NonNullable<JsonReport['error']> };
}
