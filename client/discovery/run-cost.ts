/**
 * What a real discovery run cost: connections, tests, payload bytes carried, and an estimate of
 * the packets (protocol/wire-estimate.ts). The adapter feeds it as it opens, tests and discards
 * probes.
 *
 * Measurement integrity: a probe's bytes are read from its socket's counters (bytesWritten,
 * bytesRead) when the probe is discarded. Reading them is no I/O; nothing here touches a socket,
 * sets a timer or listens to anything, so an idle probe stays untouched.
 */
import type { Direction } from '../search/types.js';
import type { ControlTraffic } from './control-channel.js';
import { estimatePackets } from '../../protocol/wire-estimate.js';

/** A run's cost, as reported. */
export interface RunCost {
  /** Probe connections opened (attempted), both directions. */
  connectionsOpened: number;
  /** Most probe connections held at once over the whole run, both directions together. */
  peakConnections: number;
  /** Tests sent: outbound pings written and inbound pushes asked for. */
  probesSent: number;
  /** Payload bytes written and read on probe connections (TCP payload, no headers). */
  probeBytes: number;
  /** Bytes written and read on the control channel's sockets, HTTP upgrade and frames included. */
  controlBytes: number;
  /** An estimate, not a capture: see protocol/wire-estimate.ts. */
  packetsEstimate: number;
}

export class RunCostMeter {
  private opened = 0;
  private held = 0;
  private peak = 0;
  private readonly tests: Record<Direction, number> = { inbound: 0, outbound: 0 };
  private probeBytes = 0;

  /** A probe connection was opened; it is held until probeDiscarded(). */
  probeOpened(): void {
    this.opened++;
    this.held++;
    this.peak = Math.max(this.peak, this.held);
  }

  tested(direction: Direction): void {
    this.tests[direction]++;
  }

  /** A probe connection is gone, having carried `bytes` of payload both ways. Once per probe. */
  probeDiscarded(bytes: number): void {
    this.held--;
    this.probeBytes += bytes;
  }

  /** The cost so far. Probes still held count only once discarded: discard them first. */
  cost(control: ControlTraffic): RunCost {
    return {
      connectionsOpened: this.opened,
      peakConnections: this.peak,
      probesSent: this.tests.inbound + this.tests.outbound,
      probeBytes: this.probeBytes,
      controlBytes: control.bytes,
      packetsEstimate: estimatePackets({
        probeConnections: this.opened,
        outboundTests: this.tests.outbound,
        inboundTests: this.tests.inbound,
        controlConnections: control.connections,
        controlMessages: control.messages,
      }),
    };
  }
}
