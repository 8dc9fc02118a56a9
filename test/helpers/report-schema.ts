/**
 * The published JSON Schemas (schema/*.schema.json, draft 2020-12), compiled once with ajv in
 * strict mode (an unknown keyword in a schema is an error, not ignored), for every suite that
 * checks a report against them.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { REPO_ROOT } from './cli.js';

export type SchemaName = 'report' | 'verify-report';

const ajv = new Ajv2020({ strict: true, allErrors: true });
const validators = new Map<SchemaName, ValidateFunction>();

/** The schema file as published. */
export function schemaOf(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(`${REPO_ROOT}/schema/${name}.schema.json`, 'utf8')) as Record<
    string,
    unknown
  >;
}

function validator(name: SchemaName): ValidateFunction {
  let validate = validators.get(name);
  if (validate === undefined) {
    validate = ajv.compile(schemaOf(name));
    validators.set(name, validate);
  }
  return validate;
}

function words(error: ErrorObject): string {
  return `${error.instancePath === '' ? '(top)' : error.instancePath} ${error.message ?? error.keyword}`;
}

/** What is wrong with `doc` by the schema, one line per error; [] when it is valid. */
export function schemaErrors(name: SchemaName, doc: unknown): string[] {
  const validate = validator(name);
  return validate(doc) ? [] : (validate.errors ?? []).map(words);
}
