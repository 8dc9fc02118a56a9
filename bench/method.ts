/** The "how this was measured" section of BENCH.md. */
import { ROBUSTNESS_RUNS } from './robustness.js';

export const METHOD = `## Method

**Virtual clock.** Every strategy is a \`SearchEngine\` (client/search/types.ts) driven by the same
\`simulate()\` (bench/simulation/virtual-driver.ts) against the same middlebox models
(bench/simulation/middlebox-models.ts). Hours of idle time run in milliseconds and identically every
time, so the tables compare search strategies and nothing else. The driver's timing model, for a
middlebox next to the client (a home NAT, a carrier CGN): a connection is idle from two RTTs after its
SYN (handshake, then the hello and the reflector's report of it); an outbound test crosses the
middlebox at once and is answered one RTT later; an inbound push crosses one RTT after its command; a
silent drop is declared grace + 2 RTT after the probe, as the real client does. RTT 40 ms, grace 2 s
(fixed here; the real client sizes it from the RTT, client/discovery/grace.ts). The driver tells
idlescope the RTT, as the control channel measures it: a test unanswered 4 RTT + 150 ms after it was
sent is planned as evicted until the grace ends (client/search/provisional.ts), in a first pass of 256
connections or more; with fewer (both directions searched, 128 each), only on tests under 30 s while
nothing hints at noise. Both directions share the middlebox's table, so a full-table re-check in one is
a re-check in both (client/search/shared-table.ts).
Packets and bytes are the driver's wire estimate (40 bytes of IPv4+TCP header per packet plus payload).

**What each strategy is** (bench/strategies/, same driver, same models, the same pool of connections
used as clocks, honest results: the bracket is built from what each one observed, with the same
\`bracketOf\` idlescope uses):

- **idlescope**: client/search/ unchanged (the engine is idle-search.ts). A pool of probe
  connections, each a clock that started at its last packet; a geometric frontier (×1.04) before the
  first eviction, then a k-ary comb over the bracket served by recycled connections already idle,
  planned on provisional evictions before each grace ends (with 256 connections or more; with fewer,
  on tests under 30 s of a clean pass); a bracket under 60 s of a clean pass is verified in pipelined
  batches, 2% of its bound apart.
- **serial-binary** (RFC 5780 §4.6, Nordic NAT-Test, baresip natbd): one connection at a time. Wait
  --min, 2·min, 4·min ... (capped at --max) until a wait is evicted, then bisect (lo + hi) / 2 until
  the width is within the same resolution as idlescope's. A connection that survived a wait serves
  the next one; an evicted one is replaced by a fresh connection opened just before the wait. Cost:
  the doubling alone is 2–4 T (1 + 2 + … + 2^k with 2^k ≥ T), then each bisection step is one more
  wait of between T / 2 and 2 T, about log2(2^(k−1) / resolution) of them; nothing overlaps.
- **linear-ladder** (AndersTrier/NAT-TCP-test): N = ceil(max / step) connections (capped by the
  budget, 256) opened at once; connection i is tested once, at idle i × step (step 60 s, the peer's
  default). The peer runs every rung, so the wall time is N × step whatever T is; the bracket is one
  step wide. **linear-ladder (stop at 1st eviction)** is the obvious improvement, shown for fairness:
  it stops at the first evicted rung (same bracket, wall time about ceil(T / step) × step).
- **k-ary rounds** (leon0625/nat_timeout_detect), in the search-range table only: 20 fresh
  connections a round, waiting 20 idles spread over the range; the round ends at its first eviction,
  the range narrows to (longest survival, that eviction], and rounds repeat until the bracket is within
  the same resolution as idlescope's. Each round's waits start together, so each round costs about T.

**Columns.** wall: virtual time until every engine finished. × T: wall / T. bracket: (longest idle
seen to survive, shortest idle seen evicted]; "—" when there is none (the ladder's first rung can be
evicted before anything survived: its bracket then starts at 0). width: evicted − survived. T inside:
survived ≤ T ≤ evicted (for an inbound test the idle is measured where the push crosses the
middlebox, as the driver reports it). The acceptance column applies idlescope's target to every row:
wall ≤ 1.1 T + 10 s and width ≤ max(1 s, 1% of T), in every direction searched.

**Noisy middleboxes across seeds.** The one-run noisy table shows what a single seed or sweep phase
gives; the table after it runs each noisy behaviour over ${ROBUSTNESS_RUNS} consecutive loss seeds or
sweep phases, or RTTs for the full tables (the directional timeout is deterministic: one run), and counts, per
direction, how often the bracket holds the truth, the notes name the behaviour and no observation
contradicts the bracket, with the median and worst wall time.`;
