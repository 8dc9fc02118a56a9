/**
 * The published JSON Schemas (schema/report.schema.json, schema/verify-report.schema.json) against
 * reports of the simulated driver (the real search engine on a virtual clock, against middlebox
 * models: sharp timeouts of every kind, directional, lossy, none up to --max), rendered by the real
 * toJsonReport(), with and without the demo's verdict. And the schema's own strictness: a wrong
 * type, a missing required field, an unknown field or a value outside an enum fails, each at the
 * path it is wrong at. Real loopback runs are checked in report-schema.slow-net.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { toJsonReport, type DiscoveryReport } from '../../../client/report/report.js';
import { demoVerdict } from '../../../client/report/demo-verdict.js';
import { createSearch, defaultResolutionMs } from '../../../client/search/search-config.js';
import type { Direction } from '../../../client/search/types.js';
import {
  DirectionalTimeout,
  LossyPath,
  SharpTimeout,
  type MiddleboxModel,
} from '../../../bench/simulation/middlebox-models.js';
import { DEFAULT_SIMULATION, simulate } from '../../../bench/simulation/virtual-driver.js';
import { schemaErrors, schemaOf } from '../../helpers/report-schema.js';

const S = 1000;
const MAX_MS = 2000 * S;

/** A discovery report as the real run builds one, from the simulated driver's results. */
function simulatedReport(model: MiddleboxModel, directions: Direction[]): DiscoveryReport {
  const engines = directions.map((direction) =>
    createSearch({
      direction,
      minMs: S,
      maxMs: MAX_MS,
      resolutionMs: defaultResolutionMs,
      maxConnections: 64,
    }),
  );
  const stats = simulate(engines, model, { ...DEFAULT_SIMULATION, settle: true });
  const results = Object.fromEntries(engines.map((e) => [e.result().direction, e.result()]));
  return {
    reflector: 'simulated:7000',
    transport: 'tcp',
    elapsedMs: stats.elapsedMs,
    connectionsUsed: stats.connectionsOpened,
    aborted: stats.hitLimit ? 'the simulation hit its time limit' : null,
    directions: results,
    cost: {
      connectionsOpened: stats.connectionsOpened,
      peakConnections: stats.peakConcurrent,
      probesSent: stats.probesSent,
      probeBytes: stats.bytes,
      controlBytes: 0,
      packetsEstimate: stats.packets,
    },
    verification: null,
  };
}

const BOTH: Direction[] = ['inbound', 'outbound'];
const MODELS: { name: string; model: MiddleboxModel; directions: Direction[] }[] = [
  { name: 'a strict NAT at 350 s (silent drop)', model: new SharpTimeout(350 * S, 'drop'), directions: BOTH },
  { name: 'a NAT that resets at 240 s', model: new SharpTimeout(240 * S, 'reset'), directions: BOTH },
  { name: 'a proxy that closes at 60 s', model: new SharpTimeout(60 * S, 'close'), directions: BOTH },
  { name: 'a loose Linux NAT at 120 s', model: new SharpTimeout(120 * S, 'loose'), directions: BOTH },
  { name: 'no timeout up to --max', model: new SharpTimeout(10 * MAX_MS, 'drop'), directions: BOTH },
  { name: 'directional timeouts', model: new DirectionalTimeout(90 * S, 300 * S), directions: BOTH },
  { name: 'a lossy path', model: new LossyPath(new SharpTimeout(200 * S, 'drop'), 0.02), directions: BOTH },
  { name: 'inbound only', model: new SharpTimeout(100 * S, 'drop'), directions: ['inbound'] },
];

describe('the report JSON Schema against simulated reports', () => {
  it('is a draft 2020-12 schema', () => {
    for (const name of ['report', 'verify-report'] as const)
      expect(schemaOf(name).$schema, name).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  for (const { name, model, directions } of MODELS) {
    it(`accepts the report of ${name}`, () => {
      const doc = toJsonReport(simulatedReport(model, directions));
      expect(schemaErrors('report', doc), JSON.stringify(doc).slice(0, 400)).toEqual([]);
    });
  }

  it("accepts a demo's report with its verdict", () => {
    const report = simulatedReport(new SharpTimeout(20 * S, 'drop'), BOTH);
    const demo = demoVerdict(report.directions, { emulatedTimeoutMs: 20 * S, mode: 'drop', maxMs: 60 * S });
    const doc = toJsonReport({ ...report, demo });
    expect(doc.demo?.found, 'the simulated search found T = 20 s').toBe(true);
    expect(schemaErrors('report', doc)).toEqual([]);
  });

  it("accepts a failed run's report with its error", () => {
    const report = simulatedReport(new SharpTimeout(30 * S, 'drop'), BOTH);
    const doc = toJsonReport({
      ...report,
      aborted: 'reflector lost',
      error: { code: 'IDLESCOPE_REFLECTOR_LOST', message: 'reflector lost' },
    });
    expect(schemaErrors('report', doc)).toEqual([]);
  });
});

describe('the report JSON Schema is strict', () => {
  const valid = (): Record<string, unknown> =>
    toJsonReport(simulatedReport(new SharpTimeout(60 * S, 'drop'), BOTH)) as unknown as Record<
      string,
      unknown
    >;

  it('starts from a valid report', () => {
    expect(schemaErrors('report', valid())).toEqual([]);
  });

  it.each([
    [
      'a number as a string',
      (d: Record<string, unknown>) => (d.elapsed_s = '12.5'),
      '/elapsed_s must be number',
    ],
    [
      'a bound as a string',
      (d: Record<string, unknown>) =>
        ((d.directions as { inbound: Record<string, unknown> }).inbound.evicted_s = '60'),
      '/directions/inbound/evicted_s must be number,null',
    ],
    [
      'a missing required field',
      (d: Record<string, unknown>) => delete d.cost,
      "(top) must have required property 'cost'",
    ],
    [
      'a missing nested field',
      (d: Record<string, unknown>) => delete (d.recommendation as Record<string, unknown>).basis,
      "/recommendation must have required property 'basis'",
    ],
    [
      'an unknown field',
      (d: Record<string, unknown>) => (d.extra = 1),
      '(top) must NOT have additional properties',
    ],
    ['another schema', (d: Record<string, unknown>) => (d.schema = 2), '/schema must be equal to constant'],
    [
      'an eviction kind that is not one',
      (d: Record<string, unknown>) =>
        ((d.directions as { outbound: Record<string, unknown> }).outbound.eviction = 'lost'),
      '/directions/outbound/eviction must be equal to one of the allowed values',
    ],
    [
      'an error code that is not one',
      (d: Record<string, unknown>) => (d.error = { code: 'E_NOPE', message: 'x' }),
      '/error/code must be equal to one of the allowed values',
    ],
    [
      'a two-line error message',
      (d: Record<string, unknown>) => (d.error = { code: 'IDLESCOPE_INTERNAL', message: 'a\nb' }),
      '/error/message must match pattern "^[^\\n]*$"',
    ],
    [
      'a negative cost',
      (d: Record<string, unknown>) => ((d.cost as Record<string, unknown>).probes_sent = -1),
      '/cost/probes_sent must be >= 0',
    ],
  ])('fails on %s, at its path', (_name, spoil, error) => {
    const doc = valid();
    spoil(doc);
    expect(schemaErrors('report', doc)).toContain(error);
  });
});
