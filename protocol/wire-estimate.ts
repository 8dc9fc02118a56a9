/**
 * The wire-cost estimate, one rule for the simulation (the bench) and for a real run's report.
 * Nothing here is captured: packets are counted per protocol event, as a loss-free exchange would
 * carry them, and bytes on the wire as HEADER_BYTES per packet plus payload.
 *
 * Accuracy: an estimate, within tens of percent. Real stacks merge ACKs into replies or delay them
 * (fewer packets), retransmit lost segments into a dead mapping (more), and a connection that never
 * connected costs its SYN and an answer, not a full open. Options (timestamps, SACK) add 12 bytes
 * or more to most headers; IPv6 adds 20.
 *
 *   probe connection:  SYN, SYN-ACK, ACK, hello, ACK ......................... PROBE_OPEN_PACKETS
 *     outbound test:   ping, ACK, echo, ACK ..................................... OUTBOUND_TEST_PACKETS
 *     inbound test:    push, ACK ................................................ INBOUND_TEST_PACKETS
 *     teardown:        RST from the client (resetAndDestroy) .................... PROBE_RESET_PACKETS
 *                      or, closed by a proxy, FIN and ACK each way .............. FIN_CLOSE_PACKETS
 *   control channel:   handshake 3, upgrade request and response with ACKs 4,
 *                      close frames with ACKs 4, FIN and ACK each way 4 ......... CONTROL_CHANNEL_PACKETS
 *     each message:    the frame and its ACK .................................... CONTROL_MESSAGE_PACKETS
 */

/** IPv4 (20) + TCP (20) header, no options. */
export const HEADER_BYTES = 40;

export const PROBE_OPEN_PACKETS = 5;
export const OUTBOUND_TEST_PACKETS = 4;
export const INBOUND_TEST_PACKETS = 2;
export const PROBE_RESET_PACKETS = 1;
export const FIN_CLOSE_PACKETS = 4;
export const CONTROL_CHANNEL_PACKETS = 15;
export const CONTROL_MESSAGE_PACKETS = 2;

/** What a real run did, in the events the estimate counts. */
export interface WireActivity {
  /** Probe connections opened (each counted as a full open and a client RST). */
  probeConnections: number;
  outboundTests: number;
  inboundTests: number;
  /** WebSocket connections of the control channel (more than one after a resume). */
  controlConnections: number;
  /** Control messages sent and received, heartbeats included. */
  controlMessages: number;
}

/**
 * Estimated packets of a real run, both directions. Every probe is counted as opened in full and
 * torn down by the client's RST: a refused attempt costs less, a proxy's FIN exchange 3 packets
 * more, both small against the rest.
 */
export function estimatePackets(activity: WireActivity): number {
  return (
    activity.probeConnections * (PROBE_OPEN_PACKETS + PROBE_RESET_PACKETS) +
    activity.outboundTests * OUTBOUND_TEST_PACKETS +
    activity.inboundTests * INBOUND_TEST_PACKETS +
    activity.controlConnections * CONTROL_CHANNEL_PACKETS +
    activity.controlMessages * CONTROL_MESSAGE_PACKETS
  );
}
