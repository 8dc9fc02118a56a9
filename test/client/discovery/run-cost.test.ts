import { describe, expect, it } from 'vitest';
import { RunCostMeter } from '../../../client/discovery/run-cost.js';
import {
  CONTROL_CHANNEL_PACKETS,
  CONTROL_MESSAGE_PACKETS,
  INBOUND_TEST_PACKETS,
  OUTBOUND_TEST_PACKETS,
  PROBE_OPEN_PACKETS,
  PROBE_RESET_PACKETS,
  estimatePackets,
} from '../../../protocol/wire-estimate.js';

const NO_CONTROL = { connections: 0, messages: 0, bytes: 0 };

describe('RunCostMeter', () => {
  it('peaks at the most probes held at once, not at the number opened', () => {
    const meter = new RunCostMeter();
    meter.probeOpened();
    meter.probeOpened();
    meter.probeOpened();
    meter.probeDiscarded(25);
    meter.probeDiscarded(25);
    meter.probeOpened();
    const cost = meter.cost(NO_CONTROL);
    expect(cost.connectionsOpened, 'every open counts').toBe(4);
    expect(cost.peakConnections, 'three were held at once, never four').toBe(3);
  });

  it('adds up probe bytes as probes are discarded, and takes the control channel as reported', () => {
    const meter = new RunCostMeter();
    meter.probeOpened();
    meter.probeOpened();
    meter.probeDiscarded(25 + 2);
    meter.probeDiscarded(25 + 1);
    const cost = meter.cost({ connections: 1, messages: 10, bytes: 900 });
    expect(cost.probeBytes, "the two probes' bytes").toBe(53);
    expect(cost.controlBytes, "the control channel's own count").toBe(900);
  });

  it('counts tests per direction and estimates packets by the shared rule', () => {
    const meter = new RunCostMeter();
    meter.probeOpened();
    meter.probeOpened();
    meter.tested('outbound');
    meter.tested('outbound');
    meter.tested('inbound');
    const control = { connections: 1, messages: 7, bytes: 600 };
    const cost = meter.cost(control);
    expect(cost.probesSent, 'both directions').toBe(3);
    expect(cost.packetsEstimate, 'the estimate of protocol/wire-estimate.ts').toBe(
      estimatePackets({
        probeConnections: 2,
        outboundTests: 2,
        inboundTests: 1,
        controlConnections: 1,
        controlMessages: 7,
      }),
    );
  });
});

describe('estimatePackets', () => {
  it('counts an open, the tests, the teardown and the control channel by their events', () => {
    const estimate = estimatePackets({
      probeConnections: 3,
      outboundTests: 5,
      inboundTests: 4,
      controlConnections: 2,
      controlMessages: 20,
    });
    const expected =
      3 * (PROBE_OPEN_PACKETS + PROBE_RESET_PACKETS) +
      5 * OUTBOUND_TEST_PACKETS +
      4 * INBOUND_TEST_PACKETS +
      2 * CONTROL_CHANNEL_PACKETS +
      20 * CONTROL_MESSAGE_PACKETS;
    expect(estimate, 'sum of the per-event packets').toBe(expected);
    // SYN, SYN-ACK, ACK, hello, ACK; then RST: the numbers the bench's simulation counts too.
    expect(PROBE_OPEN_PACKETS + PROBE_RESET_PACKETS, 'a probe that is opened and torn down').toBe(6);
  });

  it('is zero for a run that did nothing', () => {
    expect(
      estimatePackets({
        probeConnections: 0,
        outboundTests: 0,
        inboundTests: 0,
        controlConnections: 0,
        controlMessages: 0,
      }),
    ).toBe(0);
  });
});
