/** `idlescope verify`'s report (pure): the per-connection lines, the verdict line, dead-peer wording. */
import { describe, expect, it } from 'vitest';
import {
  renderVerifyHuman,
  toJsonVerifyReport,
  type VerifyReport,
} from '../../../client/report/verify-report.js';

const HOLD_OPTIONS = {
  mode: 'hold',
  reflector: { host: '10.0.0.1', port: 7000 },
  setting: { kind: 'heartbeat', periodS: 4 },
  holdMs: 18_000,
  timeoutMs: 6000,
  connections: 1,
  directions: ['inbound'],
  graceMs: 1500,
} as const;

describe('verify report', () => {
  it(
    'a failed keepalive: per connection, per direction, and that keepalive does not keep the path ' + 'alive',
    () => {
      const report: VerifyReport = {
        reflector: '10.0.0.1:7000',
        options: { ...HOLD_OPTIONS, setting: { kind: 'keepalive', idleS: 4, intervalS: 1, count: 3 } },
        elapsedMs: 19_000,
        aborted: null,
        result: {
          mode: 'hold',
          result: {
            setting: { kind: 'keepalive', idleS: 4, intervalS: 1, count: 3 },
            holdMs: 18_000,
            verdict: 'failed',
            directions: { inbound: { verdict: 'failed', how: 'close', heldMs: 6000 } },
            connections: [
              {
                probe: 3,
                direction: 'inbound',
                setting: { kind: 'keepalive', idleS: 4, intervalS: 1, count: 3 },
                phaseOffsetMs: 0,
                test: {
                  direction: 'inbound',
                  atMs: 6000,
                  heldMs: 6000,
                  idleAtTestMs: 2000,
                  outcome: { alive: false, how: 'close' },
                },
                verdict: { verdict: 'failed', how: 'close', heldMs: 6000 },
                kernel: { enabled: true, idleS: 4, intervalS: 1, count: 3, userTimeoutMs: 0 },
              },
            ],
            controls: {
              inbound: {
                direction: 'inbound',
                atMs: 6000,
                heldMs: 6000,
                idleAtTestMs: 6000,
                outcome: { alive: false, how: 'close' },
              },
            },
          },
        },
      };
      expect(renderVerifyHuman(report).split('\n')).toEqual([
        'Held 1 connection with TCP keepalive idle 4 s for 18 s, beside one control (no refresh) per ' +
          'direction.',
        '  #3 inbound, phase 0 s: evicted (close) after 6.0 s held, 2.0 s idle at the test [kernel: idle 4 ' +
          's, interval 1 s, count 3, user timeout 0 ms]',
        '  control inbound: evicted (close) after 6.0 s held, 6.0 s idle at the test',
        'inbound: did not hold (a connection was evicted: close after 6 s).',
        'The setting did not hold on this path: the path closed connections (FIN) in spite of TCP ' +
          'keepalive, as a terminating proxy does: TCP keepalive does not keep this path alive; use an ' +
          'application heartbeat (--heartbeat).',
      ]);
      const json = toJsonVerifyReport(report);
      expect(json.verdict).toBe('failed');
      expect(json.hold?.connections[0]?.kernel?.idle_s).toBe(4);
    },
  );

  it('dead peer: measured against the prediction, and the user timeout named when it decides', () => {
    const report: VerifyReport = {
      reflector: '10.0.0.1:7000',
      options: {
        mode: 'dead-peer',
        reflector: { host: '10.0.0.1', port: 7000 },
        plan: { idleS: 3, intervalS: 1, count: 9, userTimeoutMs: 4500 },
        waitMs: 30_000,
      },
      elapsedMs: 9000,
      aborted: null,
      result: {
        mode: 'dead-peer',
        result: {
          plan: { idleS: 3, intervalS: 1, count: 9, userTimeoutMs: 4500 },
          prediction: {
            whileIdleS: 5,
            whileIdleBy: 'user-timeout',
            whileUnackedS: 4.5,
            whileUnackedBy: 'user-timeout',
          },
          kernel: null,
          verdict: 'as-predicted',
          measuredMs: 5081,
          how: 'ETIMEDOUT',
          pushesReceived: 2,
        },
      },
    };
    expect(renderVerifyHuman(report)).toBe(
      'A dead peer was detected 5.08 s after the last packet received (ETIMEDOUT; predicted 5 s: bounded ' +
        'by the user timeout of 4.5 s): as predicted, within 1 s.',
    );
    expect(toJsonVerifyReport(report).dead_peer?.difference_s).toBe(0.081);
  });
});
