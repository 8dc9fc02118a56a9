/**
 * The reflector's Prometheus metrics, on a Registry of its own (never prom-client's global one, so
 * several reflectors in one process, as in the tests, each count only their own traffic).
 *
 * Counters move where the event happens (a probe event, a refusal, a session start or end): each is
 * one increment on a label set created up front, cheap next to the JSON message the same event
 * sends. Gauges and byte counters are read from the reflector only when scraped, so an idle probe
 * costs the metrics nothing: reading a socket's byte counts is a property read, it sends nothing.
 *
 * Process metrics (RSS, open file descriptors, event-loop lag) are prom-client's defaults, asked for
 * by the CLI entry only: they start an event-loop delay monitor that nothing ever stops.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProbeEventKind } from '../protocol/wire.js';
import { REFUSAL_REASONS, type RefusalReason } from './refusal.js';
import type { SessionEndReason } from './session.js';

/** What a scrape reads from the reflector. */
export interface MetricsSource {
  stats(): { sessions: number; probes: number; connections: number; controls: number };
  traffic(): { bytesIn: number; bytesOut: number };
}

const PROBE_EVENTS: readonly ProbeEventKind[] = ['attached', 'pushed', 'echoed', 'reset', 'closed'];
const SESSION_END_REASONS: readonly SessionEndReason[] = [
  'bye',
  'resume grace expired',
  'unattached grace expired',
  'reflector closing',
  'control-backlog',
  'event-rate',
  'session-life',
];

export class ReflectorMetrics {
  readonly registry = new Registry();
  private readonly probeEvents: Counter<'event'>;
  private readonly refusals: Counter<'reason'>;
  private readonly sessionsStarted: Counter<'resumed'>;
  private readonly sessionsEnded: Counter<'reason'>;

  constructor(source: MetricsSource, options: { processMetrics?: boolean | undefined } = {}) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    };
    gauge(
      'idlescope_sessions',
      'Live sessions, connected or waiting for a resume.',
      () => source.stats().sessions,
    );
    gauge('idlescope_probe_connections', 'Attached probe connections.', () => source.stats().probes);
    gauge('idlescope_control_channels', 'Open control channels.', () => source.stats().controls);
    gauge(
      'idlescope_connections',
      'Accepted sockets not yet closed: probes, control channels and undecided ones.',
      () => source.stats().connections,
    );
    // A socket's byte counts only grow, and a closed socket's final counts are kept by the reflector,
    // so the sum is monotonic: a counter, set to the sum at each scrape.
    const bytes = (name: string, help: string, read: () => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    bytes(
      'idlescope_received_bytes_total',
      'Bytes read from every accepted socket.',
      () => source.traffic().bytesIn,
    );
    bytes(
      'idlescope_sent_bytes_total',
      'Bytes written to every accepted socket.',
      () => source.traffic().bytesOut,
    );

    this.probeEvents = new Counter({
      name: 'idlescope_probe_events_total',
      help: 'Probe events by kind: attached, pushed (inbound test), echoed (outbound test), reset, closed.',
      labelNames: ['event'],
      registers,
    });
    for (const event of PROBE_EVENTS) this.probeEvents.inc({ event }, 0);
    this.refusals = new Counter({
      name: 'idlescope_refusals_total',
      help: 'Requests and connections refused, by reason.',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of REFUSAL_REASONS) this.refusals.inc({ reason }, 0);
    this.sessionsStarted = new Counter({
      name: 'idlescope_sessions_started_total',
      help: 'Sessions started (resumed="false") and resumed (resumed="true").',
      labelNames: ['resumed'],
      registers,
    });
    for (const resumed of ['true', 'false']) this.sessionsStarted.inc({ resumed }, 0);
    this.sessionsEnded = new Counter({
      name: 'idlescope_sessions_ended_total',
      help: 'Sessions ended, by reason.',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of SESSION_END_REASONS) this.sessionsEnded.inc({ reason }, 0);
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  probeEvent(event: ProbeEventKind): void {
    this.probeEvents.inc({ event });
  }

  refused(reason: RefusalReason): void {
    this.refusals.inc({ reason });
  }

  sessionStarted(resumed: boolean): void {
    this.sessionsStarted.inc({ resumed: resumed ? 'true' : 'false' });
  }

  sessionEnded(reason: SessionEndReason): void {
    this.sessionsEnded.inc({ reason });
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
