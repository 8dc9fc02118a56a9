/**
 * What keeping one idle connection open costs a phone per day, for the recommended keepalive or
 * heartbeat and for the periods mobile stacks commonly use. Pure, and an estimate:
 *
 * - Bytes are on the wire, IPv4 with TCP timestamps (52 bytes of headers a packet). A TCP keepalive
 *   is one empty segment and its ACK. An application heartbeat is a small message each way, each
 *   ACKed on its own (delayed ACKs often merge one; TLS adds about 22 bytes a record).
 * - A radio wake-up is counted for each exchange whose period is longer than the radio's tail: after
 *   a transfer an LTE radio stays connected for its inactivity timer (about 10 s, set by the
 *   operator) and then sleeps, so every period longer than that wakes it again and holds it for about
 *   one tail. With a shorter period the radio never sleeps at all: one wake-up, on all day.
 */

/** Packet headers, bytes: IPv4 20 + TCP 20 + the 12-byte timestamp option that Linux sends. */
export const PACKET_HEADER_BYTES = 52;
/** A keepalive probe and its ACK, neither with payload. */
export const KEEPALIVE_EXCHANGE_BYTES = 2 * PACKET_HEADER_BYTES;
/** A heartbeat of HEARTBEAT_PAYLOAD_BYTES each way, and an ACK for each. */
export const HEARTBEAT_PAYLOAD_BYTES = 8;
export const HEARTBEAT_EXCHANGE_BYTES = 4 * PACKET_HEADER_BYTES + 2 * HEARTBEAT_PAYLOAD_BYTES;
/** A typical LTE RRC inactivity timer, s (operators set 5-20 s). */
export const RADIO_TAIL_S = 10;

const DAY_S = 86_400;

/** The periods mobile stacks commonly pick, s: 25 s, 4.5 min, 15 min and 28 min. */
export const COMMON_PERIODS_S: readonly number[] = [25, 270, 900, 1680];

export type PeriodicKind = 'tcp-keepalive' | 'heartbeat';

/** One connection kept open by one exchange every `periodS`. */
export interface PeriodicCost {
  kind: PeriodicKind;
  periodS: number;
  exchangesPerHour: number;
  bytesPerDay: number;
  radioWakeupsPerDay: number;
  /** Seconds a day the radio is kept connected by this alone (DAY_S when it never sleeps). */
  radioOnSPerDay: number;
}

/** The daily cost of one exchange of `kind` every `periodS` seconds. */
export function periodicCost(kind: PeriodicKind, periodS: number): PeriodicCost {
  if (!(periodS > 0)) throw new RangeError(`period must be positive, got ${periodS}`);
  const exchangesPerDay = DAY_S / periodS;
  const exchangeBytes = kind === 'tcp-keepalive' ? KEEPALIVE_EXCHANGE_BYTES : HEARTBEAT_EXCHANGE_BYTES;
  const neverSleeps = periodS <= RADIO_TAIL_S;
  return {
    kind,
    periodS,
    exchangesPerHour: 3600 / periodS,
    bytesPerDay: Math.round(exchangesPerDay * exchangeBytes),
    radioWakeupsPerDay: neverSleeps ? 1 : Math.ceil(exchangesPerDay),
    radioOnSPerDay: neverSleeps ? DAY_S : Math.min(DAY_S, Math.ceil(exchangesPerDay) * RADIO_TAIL_S),
  };
}

/** The recommendation's periods, as the report has them (null where it recommends none). */
export interface RecommendedPeriods {
  keepaliveIdleS: number | null;
  heartbeatS: number | null;
  tcpKeepaliveHelps: boolean;
}

export interface MobileCost {
  /** For what the report recommends: the keepalive where it helps, and the heartbeat. */
  recommended: PeriodicCost[];
  /** The same heartbeat at the common periods, to compare. */
  common: PeriodicCost[];
}

/** The mobile cost of the recommendation beside the common periods; empty `recommended` if none. */
export function mobileCost(rec: RecommendedPeriods): MobileCost {
  const recommended: PeriodicCost[] = [];
  if (rec.tcpKeepaliveHelps && rec.keepaliveIdleS !== null) {
    recommended.push(periodicCost('tcp-keepalive', rec.keepaliveIdleS));
  }
  if (rec.heartbeatS !== null) recommended.push(periodicCost('heartbeat', rec.heartbeatS));
  return { recommended, common: COMMON_PERIODS_S.map((periodS) => periodicCost('heartbeat', periodS)) };
}
