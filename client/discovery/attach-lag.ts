/**
 * How late a probe's attach report came, against the others: a sign that its hello was sent
 * again by TCP.
 *
 * A fresh probe is idle from its last packet, the reflector's ACK of the hello, which the client
 * cannot see; it counts from the hello itself (see ProbeSlots.attached). When the hello is lost,
 * TCP sends it again a retransmission timeout later (200 ms at least on Linux), and the mapping is
 * refreshed that much after the client's stamp: the probe's idle would read long by as much, and a
 * survival could be reported above T (measured on the lab's lossy NAT: up to 194 ms). The attach
 * report, sent by the reflector when the hello arrives, comes late by the same amount. Its lag
 * behind the hello is otherwise the control channel's delay, which a busy event loop stretches for
 * every probe alike, so the lag is judged against the recent typical lag, not against zero.
 */

/** Lags this far above the typical one mean the hello (or its ACK) was retransmitted. */
export const RETRANSMITTED_HELLO_EXCESS_MS = 150;

/** The typical lag is the median of this many recent ones. */
const RECENT_LAGS = 31;

/** Too few lags to know what is typical: no correction. */
const MIN_LAGS = 5;

export class AttachLag {
  private readonly recent: number[] = [];

  /**
   * Records a probe's attach lag (attach report arrival minus hello write) and returns how much
   * later than its hello the probe's last packet most likely crossed: 0 unless the lag stands out.
   */
  observe(lagMs: number): number {
    const typicalMs = this.typicalMs();
    this.recent.push(lagMs);
    if (this.recent.length > RECENT_LAGS) this.recent.shift();
    if (typicalMs === null) return 0;
    const excessMs = lagMs - typicalMs;
    return excessMs >= RETRANSMITTED_HELLO_EXCESS_MS ? excessMs : 0;
  }

  private typicalMs(): number | null {
    if (this.recent.length < MIN_LAGS) return null;
    const sorted = [...this.recent].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }
}
