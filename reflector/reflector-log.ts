/**
 * The reflector's log: one JSON line per event (pino) on the stream it is given, for journald,
 * `docker logs` or any log shipper. A thin adapter: it listens to the reflector's events and
 * decides nothing itself but the wording; the per-IP budget is log-rate-limiter.ts's.
 *
 *   event           level  limited  fields
 *   listen          info   no       address
 *   limits          info   no       the admission limits and the open-file limit they came from
 *   limits-warning  warn   no       message (a cap above what the open-file limit allows)
 *   session-start   info   per IP   session (8 hex digits), remote, resumed, probes
 *   session-end     info   per IP   session, reason, probes, droppedMessages
 *   refused         warn   per IP   reason, on (control | probe | connection), remote
 *   resume-failed   warn   per IP   reason (unknown-session), remote
 *   protocol-error  warn   per IP   reason, on, remote
 *   warning         warn   as one   message (EMFILE on accept and the like)
 *   log-suppressed  info   no       suppressed (lines left out, by event), total, addresses
 *   shutdown        info   no       (a last log-suppressed line comes first if anything was left out)
 *
 * It owns one timer, the summary interval, unref'd and cleared by stop(). Nothing here touches a
 * socket: an idle probe is never disturbed by logging.
 */
import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { HostPort } from '../protocol/address.js';
import { formatHostPort } from '../protocol/address.js';
import { LogRateLimiter } from './log-rate-limiter.js';
import type { Reflector } from './reflector.js';
import type { RefusalInfo } from './refusal.js';
import { ipOf } from './remote-address.js';
import { addressGroup } from './address-group.js';
import type { AdmissionLimits } from './admission-limits.js';

export { ipOf } from './remote-address.js';

export interface ReflectorLogOptions {
  /** Lines per source IP per window, at most. */
  maxLinesPerIp?: number | undefined;
  windowMs?: number | undefined;
  /** How often a summary of suppressed lines is written (only when something was suppressed). */
  summaryIntervalMs?: number | undefined;
  /** Source IPs tracked by the limiter at once. */
  maxTrackedIps?: number | undefined;
  /** Monotonic milliseconds; performance.now() unless a test gives its own. */
  now?: (() => number) | undefined;
}

/** A client may fill a minute with this many lines; the rest is counted, then summarized. */
export const MAX_LOG_LINES_PER_IP_PER_MINUTE = 20;
export const LOG_WINDOW_MS = 60_000;
const MAX_TRACKED_IPS = 10_000;
/** The key under which reflector-wide warnings share one budget. */
const REFLECTOR_KEY = '(reflector)';

export class ReflectorLog {
  private readonly logger: Logger;
  private readonly limiter: LogRateLimiter;
  private readonly now: () => number;
  private readonly summaryTimer: NodeJS.Timeout;
  /** The source IP of each live session, so its end line is charged to the same budget. */
  private readonly ipOfSession = new Map<string, string>();

  constructor(reflector: Reflector, destination: Writable, options: ReflectorLogOptions = {}) {
    this.logger = pino(
      {
        base: null,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    );
    this.now = options.now ?? (() => performance.now());
    const windowMs = options.windowMs ?? LOG_WINDOW_MS;
    this.limiter = new LogRateLimiter({
      maxLines: options.maxLinesPerIp ?? MAX_LOG_LINES_PER_IP_PER_MINUTE,
      windowMs,
      maxKeys: options.maxTrackedIps ?? MAX_TRACKED_IPS,
    });
    this.summaryTimer = setInterval(() => this.summarize(), options.summaryIntervalMs ?? windowMs);
    this.summaryTimer.unref();

    reflector.on('session-start', (info) => {
      const ip = keyOf(info.remote);
      this.ipOfSession.set(info.session, ip);
      this.write(ip, 'session-start', 'info', {
        session: info.session.slice(0, 8),
        remote: info.remote,
        resumed: info.resumed,
        probes: info.probes,
      });
    });
    reflector.on('session-end', (info) => {
      const ip = this.ipOfSession.get(info.session) ?? REFLECTOR_KEY;
      this.ipOfSession.delete(info.session);
      this.write(ip, 'session-end', 'info', {
        session: info.session.slice(0, 8),
        reason: info.reason,
        probes: info.probes,
        droppedMessages: info.droppedMessages,
      });
    });
    reflector.on('refused', (info) => {
      this.write(keyOf(info.remote), eventOfRefusal(info), 'warn', {
        reason: info.reason,
        on: info.on,
        remote: info.remote,
      });
    });
    reflector.on('warning', (message) => this.write(REFLECTOR_KEY, 'warning', 'warn', { message }));
  }

  listening(address: HostPort): void {
    this.logger.info({ event: 'listen', address: formatHostPort(address) }, 'listening');
  }

  /** The admission limits in force, and where the open-file limit they are sized from was read. */
  limits(limits: AdmissionLimits): void {
    const { warnings, openFiles, ...caps } = limits;
    this.logger.info(
      { event: 'limits', openFiles: openFiles.limit, openFilesFrom: openFiles.source, ...caps },
      `open-file limit ${openFiles.limit} (${openFiles.source}), reserve ${limits.fdReserve}: ` +
        `at most ${limits.maxConnections} connections (+${limits.connectionHeadroom} for control channels)`,
    );
    for (const message of warnings) this.logger.warn({ event: 'limits-warning', message }, message);
  }

  /** Writes what was suppressed since the last summary, if anything. */
  summarize(): void {
    const summary = this.limiter.summary(this.now());
    if (summary === null) return;
    this.logger.info(
      { event: 'log-suppressed', suppressed: summary.byEvent, total: summary.total, addresses: summary.keys },
      `${summary.total} log lines suppressed by the per-address limit`,
    );
  }

  /** The last summary, then the shutdown line; the timer stops. */
  shutdown(): void {
    this.stop();
    this.summarize();
    this.logger.info({ event: 'shutdown' }, 'reflector stopped');
  }

  stop(): void {
    clearInterval(this.summaryTimer);
  }

  private write(key: string, event: string, level: 'info' | 'warn', fields: Record<string, unknown>): void {
    if (!this.limiter.admit(key, event, this.now())) return;
    this.logger[level]({ event, ...fields }, event);
  }
}

/** The budget a line is charged to: the peer's address group, so a /64 shares one (address-group.ts). */
function keyOf(remote: string): string {
  return addressGroup(ipOf(remote));
}

function eventOfRefusal(info: RefusalInfo): string {
  switch (info.reason) {
    case 'unknown-session':
      // On a control channel the only way to name a session is a resume.
      return info.on === 'control' ? 'resume-failed' : 'refused';
    case 'too-many-sessions':
    case 'too-many-probes':
    case 'too-many-connections':
    case 'too-many-connections-per-address':
    case 'too-many-sessions-per-address':
    case 'bad-version':
    case 'unauthorized':
    case 'idle-too-long':
    case 'control-backlog':
    case 'event-rate':
    case 'session-life':
      return 'refused';
    case 'bad-message':
    case 'unknown-probe':
    case 'duplicate-probe':
    case 'garbage':
    case 'hello-timeout':
    case 'test-outstanding':
    case 'message-too-large':
    case 'bad-frame':
      return 'protocol-error';
    default: {
      const never: never = info.reason;
      throw new Error(`unhandled refusal ${JSON.stringify(never)}`);
    }
  }
}
